#!/usr/bin/env bash
# Builds the browser version of the app into dist/: index.html, nsgf.js (the wasm-bindgen glue)
# and nsgf_bg.wasm. Needs the wasm32 target and wasm-bindgen-cli at the version in Cargo.lock:
#   rustup target add wasm32-unknown-unknown
#   cargo install wasm-bindgen-cli --version "$(scripts/build_web.sh --bindgen-version)"
# With NSGF_WASM_OPT=1 the wasm is also optimised for size (wasm-opt -Oz) by npm's binaryen
# (installed into web/test by `npm install binaryen`): Debian's binaryen 108 is too old for
# wasm-bindgen 0.2.130's output (its -Oz module fails to instantiate in Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [[ "${1:-}" == "--bindgen-version" ]]; then
  echo "$bindgen_version"
  exit 0
fi
if ! command -v wasm-bindgen >/dev/null; then
  echo "error: wasm-bindgen not found; install it with: cargo install wasm-bindgen-cli --version $bindgen_version" >&2
  exit 1
fi
installed=$(wasm-bindgen --version | awk '{ print $2 }')
if [[ "$installed" != "$bindgen_version" ]]; then
  echo "error: wasm-bindgen $installed is installed, Cargo.lock pins $bindgen_version: cargo install wasm-bindgen-cli --version $bindgen_version" >&2
  exit 1
fi

cargo build --release --target wasm32-unknown-unknown --bin nsgf
rm -rf dist
mkdir -p dist
wasm-bindgen target/wasm32-unknown-unknown/release/nsgf.wasm --out-dir dist --target web --no-typescript
if [[ "${NSGF_WASM_OPT:-0}" == "1" ]]; then
  wasm_opt=web/test/node_modules/.bin/wasm-opt
  if [[ ! -x "$wasm_opt" ]]; then
    (cd web/test && npm install --no-audit --no-fund --silent --no-save binaryen@132)
  fi
  "$wasm_opt" -Oz --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-multivalue --enable-mutable-globals --enable-simd \
    dist/nsgf_bg.wasm -o dist/nsgf_bg.opt.wasm
  mv dist/nsgf_bg.opt.wasm dist/nsgf_bg.wasm
fi
cp web/index.html dist/
ls -l dist
