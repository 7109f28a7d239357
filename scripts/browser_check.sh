#!/usr/bin/env bash
# Builds the browser version (scripts/build_web.sh), serves dist/ on 127.0.0.1 and drives it in
# Debian's headless Chromium with puppeteer-core (web/test/check.mjs), once per flag set given
# (webgl2, webgpu), and prints "N passed, N failed". The check reads the screenshots' pixels where
# the app says it drew its particles (window.nsgf_plots). Needs: chromium, node + npm, the wasm32
# target, wasm-bindgen-cli.
set -euo pipefail
cd "$(dirname "$0")/.."

modes=("${@:-webgl2}")
scripts/build_web.sh
(cd web/test && npm install --no-audit --no-fund --silent)
port=8765
python3 -m http.server "$port" --bind 127.0.0.1 -d dist >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/" >/dev/null && break
  sleep 0.1
done
# A share link of a scene with drawn points must restore that scene in the page.
NSGF_LINK=$(cargo run --release --quiet -- link --scene assets/scenes/heart-drawn.json)
export NSGF_LINK NSGF_EXPECT_TARGET=drawn NSGF_EXPECT_PARTICLES=1000
# Screenshots of each run (the page, the trained flow, the shared heart) land here.
shots=target/browser-check
mkdir -p "$shots"
passed=0
failed=0
for mode in "${modes[@]}"; do
  if node web/test/check.mjs "$mode" "http://127.0.0.1:$port/" "$shots/$mode.png"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "browser check: $passed passed, $failed failed (screenshots in $shots/)"
[[ $failed -eq 0 ]]
