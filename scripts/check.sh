#!/usr/bin/env bash
# What CI runs (.ci/run), minus the apt-get lines: format, lints, docs, the build and the tests
# without the GUI stack, and the README's test command. Run it before pushing: green here is green in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

export NSGF_REQUIRE_GPU="${NSGF_REQUIRE_GPU:-1}"
export NSGF_NO_SKIPS="${NSGF_NO_SKIPS:-1}"
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "${XDG_RUNTIME_DIR}" ]; then
    XDG_RUNTIME_DIR=$(mktemp -d)
    export XDG_RUNTIME_DIR
fi

cargo fmt --all -- --check
cargo clippy --release --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --release --no-deps
cargo build --release --no-default-features
# The library and CLI tests with no GUI stack (the app's tests are behind `feature = "app"`).
cargo test --release --no-default-features
cargo test --release
