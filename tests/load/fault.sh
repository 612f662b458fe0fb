#!/usr/bin/env bash
# The full load-and-fault run: 200 concurrent streams compared byte for byte with the sim,
# 300 idle sockets on the router meanwhile, one slow reader, then Ollama (the sim, in its own
# process) killed with SIGKILL mid-run and restarted on the same port. Prints the numbers.
#
#   tests/load/fault.sh            # debug build (what `cargo test` already built)
#   PROFILE=release tests/load/fault.sh
#
# `cargo test` runs the same test at a smaller scale (40 streams, 40 idle sockets).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile="${PROFILE:-dev}"
# 300 idle sockets + 200 streams + their direct twins need descriptors.
ulimit -n 4096 2>/dev/null || true
LOAD_FAULT_FULL=1 cargo test --profile "$profile" --test load_fault -- --nocapture 2>&1 |
  grep -E 'load_fault:|test result|panicked|FAILED|error'
