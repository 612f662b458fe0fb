#!/usr/bin/env bash
# Runs Claude Code headless (print mode, no tools, one turn) against the router and checks that
# it got an answer. Not part of `cargo test`: it needs the npm package (~200 MB with its native
# binary) and is meant for CI stages or by hand.
#
# Usage: tests/clients/claude_code.sh ROUTER_URL [MODEL]
#   ROUTER_URL  the router's base URL, e.g. http://127.0.0.1:11435 (no /v1: Claude Code adds it)
#   MODEL       the model name Claude Code sends (default: auto; any claude-* alias works too)
# Env:
#   CLAUDE_CODE_BIN      a claude binary to use instead of `npx -y @anthropic-ai/claude-code`
#   CLAUDE_CODE_VERSION  npm version for npx (default: latest)
#
# Exits 0 when Claude Code printed a successful JSON result; prints its output either way.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 ROUTER_URL [MODEL]" >&2
    exit 2
fi
router_url="${1%/}"
model="${2:-auto}"

scratch="$(mktemp -d)"
# A client's leftover helper may still write here; a failed clean-up is not a failed check.
trap 'rm -rf "$scratch" || true' EXIT

if [[ -n "${CLAUDE_CODE_BIN:-}" ]]; then
    claude=("$CLAUDE_CODE_BIN")
else
    claude=(npx -y "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION:-latest}")
fi

# Everything points at the router and nothing else: no login, no telemetry, no updater, a fresh
# config dir, and the per-request attribution block off (it defeats Ollama's prompt cache; the
# router strips it anyway). Hint headers let the router classify main-loop vs helper calls.
export ANTHROPIC_BASE_URL="$router_url"
export ANTHROPIC_AUTH_TOKEN=router
export ANTHROPIC_API_KEY=
export CLAUDE_CONFIG_DIR="$scratch/claude"
export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
export CLAUDE_CODE_GATEWAY_HINT_HEADERS=1
export CLAUDE_CODE_ATTRIBUTION_HEADER=0
export CLAUDE_AUTOCOMPACT_PCT_OVERRIDE=15
export DISABLE_AUTOUPDATER=1
export DISABLE_TELEMETRY=1
export DISABLE_ERROR_REPORTING=1
export HOME="$scratch/home"
mkdir -p "$HOME"

cd "$scratch"
set +e
output="$("${claude[@]}" -p "Say hi in five words." \
    --model "$model" --output-format json --max-turns 1 --tools "" 2>"$scratch/stderr")"
status=$?
set -e

echo "$output"
if [[ $status -ne 0 ]]; then
    echo "claude exited with $status; stderr:" >&2
    cat "$scratch/stderr" >&2
    exit 1
fi
# --output-format json prints one object: {"type":"result","subtype":"success","is_error":false,"result":"..."}
if ! python3 -c '
import json, sys
result = json.loads(sys.argv[1])
ok = result.get("type") == "result" and not result.get("is_error") and result.get("result", "").strip()
sys.exit(0 if ok else 1)
' "$output"; then
    echo "claude did not report a successful result; stderr:" >&2
    cat "$scratch/stderr" >&2
    exit 1
fi
echo "claude code headless run through $router_url: ok"
