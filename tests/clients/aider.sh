#!/usr/bin/env bash
# Aider (litellm, native /api/chat) headless through the router, with the README's setup
#   OLLAMA_API_BASE=ROUTER aider --model ollama_chat/MODEL
# Two runs: a normal one-shot message, which must be answered; and a prompt no model on the GPU
# can hold, which must be refused once and not retried: litellm turns most errors from an Ollama
# server into "connection errors" that Aider retries with back-off for about a minute, so the
# router words this refusal for litellm (see api/ollama.rs). The second check reads the router's
# route_failures metric: exactly one refused request.
#
# Usage: tests/clients/aider.sh ROUTER_URL [MODEL]
#
# Installs aider-chat from PyPI into a virtualenv at $AIDER_VENV (default target/aider-venv,
# ~400 MB, a minute or two) on first use. HOME points at a temporary directory.
set -euo pipefail

router_url=${1:?usage: $0 ROUTER_URL [MODEL]}
router_url=${router_url%/}
model=${2:-auto}
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${AIDER_VENV:-${CARGO_TARGET_DIR:-$root/target}/aider-venv}
version=0.86.2

if [[ ! -x $venv/bin/aider ]]; then
    echo "installing aider-chat==$version into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "aider-chat==$version" >&2
fi

work=$(mktemp -d)
# A client's leftover helper may still write here; a failed clean-up is not a failed check.
trap 'rm -rf "$work" || true' EXIT
mkdir -p "$work/home" "$work/project"
export HOME=$work/home
cd "$work/project"

run_aider() {
    OLLAMA_API_BASE=$router_url timeout 120 "$venv/bin/aider" --model "ollama_chat/$model" \
        --yes-always --no-git --no-auto-commits --analytics-disable --no-check-update \
        --no-show-release-notes --no-show-model-warnings --map-tokens 0 --no-pretty "$@" \
        </dev/null
}

refused() {
    curl -sf "$router_url/router/metrics" |
        awk '/^ollama_router_route_failures_total\{reason="prompt_too_long"\}/ {n = $2} END {print n + 0}'
}

status=0
run_aider --message "Say hi in five words." >"$work/hi.log" 2>&1 || status=$?
if [[ $status -ne 0 ]] || grep -q 'litellm\.' "$work/hi.log"; then
    echo "aider run failed (exit $status)" >&2
    tail -30 "$work/hi.log" >&2
    exit 1
fi
grep -v '^\s*$' "$work/hi.log" | tail -3

# ~100K tokens of text: more than any model on the GPU can hold.
python3 -c 'print("Summarise this log.\n" + "ERROR worker 17 lost its lease; retrying\n" * 9000)' >"$work/long.txt"
before=$(refused)
status=0
run_aider --message-file "$work/long.txt" >"$work/long.log" 2>&1 || status=$?
after=$(refused)
if [[ $status -eq 124 ]] || grep -q 'Retrying in' "$work/long.log" || [[ $((after - before)) -ne 1 ]]; then
    echo "the over-long prompt was not refused exactly once (exit $status, refusals $before -> $after)" >&2
    grep -E 'litellm|Retrying|too long' "$work/long.log" | head -10 >&2
    exit 1
fi
grep -m1 -o 'prompt is too long[^"]*' "$work/long.log" || true
echo "aider: ok" >&2
