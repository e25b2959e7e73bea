#!/usr/bin/env bash
# Fuzzes load → parse → validate → render → emit for a bounded time (not run in CI).
#
# Usage: scripts/fuzz.sh [SECONDS]   (default 300)
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Only stable Rust is installed, so
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the nightly-only flags it needs.
# The seed corpus is copied from fixtures/ and tests/ at run time (fuzz/corpus is ignored by
# git). A crash lands in fuzz/artifacts/render/; reproduce it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none render fuzz/artifacts/render/<file>
# and add it to tests/it/hardening.rs as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-300}"
CORPUS=fuzz/corpus/render
mkdir -p "$CORPUS"
for dir in fixtures tests; do
  [ -d "$dir" ] || continue
  find "$dir" -name '*.yaml' -size -64k | while IFS= read -r f; do
    cp "$f" "$CORPUS/seed-$(echo "$f" | tr '/' '_')"
  done
done
# One worker: the machine has two cores and others use them.
RUSTC_BOOTSTRAP=1 cargo fuzz run -s none render "$CORPUS" -- \
  -dict=fuzz/yaml.dict -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 \
  -max_len=16384 -timeout=10 -print_final_stats=1
