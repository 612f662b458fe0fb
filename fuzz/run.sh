#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) and reports what it found.
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain, or stable with
# RUSTC_BOOTSTRAP=1 (set here). Crashes land in fuzz/artifacts/<target>/.
# Rust code here forbids `unsafe`, so no sanitizer is needed: panics and hangs are the findings.
set -u
cd "$(dirname "$0")"
secs="${1:-60}"
export RUSTC_BOOTSTRAP=1
targets=$(cargo fuzz list)
cargo fuzz build -O -s none || exit 1
failed=0
for t in $targets; do
  mkdir -p "corpus/$t" "artifacts/$t"
  # The committed seeds stay clean: new inputs go to a scratch corpus next to them.
  mkdir -p "target/corpus/$t"
  log="target/$t.log"
  if cargo fuzz run -O -s none "$t" "target/corpus/$t" "corpus/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "$t: ok, ${runs:-?} runs in ${secs}s"
  elif grep -q 'failed to build fuzz script' "$log"; then
    echo "$t: BUILD FAILED (see fuzz/$log)"
    exit 1
  else
    failed=$((failed + 1))
    echo "$t: FAILED (see fuzz/$log and fuzz/artifacts/$t/)"
    grep -E 'panicked|ERROR|SUMMARY' "$log" | head -5
  fi
done
echo "fuzz: $failed of $(echo $targets | wc -w) targets found a crash"
[ "$failed" -eq 0 ]
