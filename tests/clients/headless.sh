#!/usr/bin/env bash
# Real coding assistants, headless, through the router to the simulated Ollama: Claude Code
# (Anthropic dialect), OpenCode, Cline and Qwen Code (OpenAI chat), Codex (OpenAI Responses) and
# Aider (native, through litellm). Run by .ci/run after `cargo test`; also by hand. Each client is
# installed on first use, pinned, from npm (Aider from PyPI), and each run is time-limited.
# Each check prints `headless: NAME passed|failed`, which .ci/run counts.
#
# Usage: tests/clients/headless.sh [PATH_TO_ollama-router]   (default: target/debug/ollama-router)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-${CARGO_TARGET_DIR:-$root/target}/debug/ollama-router}
[[ -x $bin ]] || { echo "no router binary at $bin (run cargo build first)" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port=$(free_port)
router_port=$(free_port)
logs=$(mktemp -d)
pids=()
# Wait for the router and the sim to exit before removing their directory: on SIGTERM the router
# saves its learned state there, and removing the directory under it fails the script.
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$logs" || true
}
trap cleanup EXIT

"$bin" sim --fast --listen "127.0.0.1:$sim_port" >"$logs/sim.log" 2>&1 &
pids+=($!)
OLLAMA_ROUTER_GPU__SOURCE=sim "$bin" serve --config /dev/null --listen "127.0.0.1:$router_port" \
    --upstream "http://127.0.0.1:$sim_port" >"$logs/router.log" 2>&1 &
pids+=($!)
router="http://127.0.0.1:$router_port"
for _ in $(seq 100); do
    curl -sf "$router/router/health" >/dev/null && break
    sleep 0.1
done
curl -sf "$router/router/health" >/dev/null || { cat "$logs/router.log" >&2; exit 1; }

status=0
# One machine-readable line per client (`headless: NAME passed|failed`); .ci/run counts these, so a
# client that never ran is never counted as a pass.
run_client() {
    local name=$1; shift
    echo "== $name (headless) through $router"
    if "$@"; then echo "headless: $name passed"; else echo "headless: $name failed"; status=1; fi
}
decisions() { curl -sf "$router/router/decisions"; }

run_client claude_code env CLAUDE_CODE_VERSION="${CLAUDE_CODE_VERSION:-2.1.331}" \
    timeout 300 "$root/tests/clients/claude_code.sh" "$router" auto
run_client opencode timeout 300 "$root/tests/clients/opencode.sh" "$router" auto
run_client codex timeout 300 "$root/tests/clients/codex.sh" "$router" auto
run_client cline timeout 300 "$root/tests/clients/cline.sh" "$router" auto
before=$(decisions | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
run_client qwen_code timeout 300 "$root/tests/clients/qwen_code.sh" "$router" auto
# Qwen Code asked for thinking on every request; "Say hi" is still not complex work. (The
# decision log keeps the last 256: far more than these runs make.)
run_client qwen_code_not_complex python3 -c '
import json, sys, urllib.request
before = int(sys.argv[2])
recent = json.load(urllib.request.urlopen(sys.argv[1] + "/router/decisions"))  # newest first
mine = recent[: max(0, len(recent) - before)]
assert mine, "Qwen Code caused no routing decision"
kinds = [d["decision"]["kind"] for d in mine]
assert "complex" not in kinds, kinds
print(f"Qwen Code: {len(mine)} requests with thinking on, kinds {sorted(set(kinds))} (none complex)")
' "$router" "$before"
run_client aider timeout 300 "$root/tests/clients/aider.sh" "$router" auto

# Every inference the clients caused reached Ollama with a routed context and nothing truncated.
curl -sf "http://127.0.0.1:$sim_port/sim/requests" | python3 -c '
import json, sys
reqs = [r for r in json.load(sys.stdin) if r.get("kind") == "inference"]
assert reqs, "the simulated Ollama saw no inference request"
for r in reqs:
    assert r["num_ctx"] >= 8192, r
    assert not r["truncated"], r
print(f"{len(reqs)} inference requests, all with a routed num_ctx >= 8192 and none truncated")
' || status=1

if [[ $status -ne 0 ]]; then
    echo "--- router log" >&2; tail -50 "$logs/router.log" >&2
fi
exit $status
