#!/usr/bin/env bash
# Builds every fuzz target with cargo-fuzz (libFuzzer + sanitizer) and runs each briefly
# over its committed seeds; any crash fails. The targets' code also runs over the same
# seeds in the ordinary test suite, so `cargo test` covers them without cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-10}
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
# cargo-fuzz passes nightly -Z flags; RUSTC_BOOTSTRAP lets the stable toolchain take them.
export RUSTC_BOOTSTRAP=1
cargo fuzz build
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^promlite-fuzz$')
for t in $targets; do
  mkdir -p "corpus/$t" "seeds/$t"
  echo "fuzz $t for ${seconds}s"
  cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" -print_final_stats=0 >/dev/null 2>"corpus/$t.log" || {
    tail -40 "corpus/$t.log"
    echo "fuzz target $t failed"
    exit 1
  }
done
echo "fuzz targets ok: $targets"
