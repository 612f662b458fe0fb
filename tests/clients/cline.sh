#!/usr/bin/env bash
# Headless Cline CLI run through the router, configured with the README's command:
#   cline auth --provider openai-compatible --apikey router --baseurl ROUTER/v1 --modelid MODEL
# (Cline 3.x's `--baseurl` only works for OpenAI-compatible providers; `--provider ollama
# --baseurl …` is refused, and without `--apikey` auth refuses too.) Cline then speaks
# POST /v1/chat/completions with its ~25 tools, which the router translates to native chat.
#
# Usage: tests/clients/cline.sh ROUTER_URL [MODEL]
#
# Installs cline from npm into $CLINE_PREFIX (default target/cline) on first use. HOME points at
# a temporary directory (Cline keeps its settings under ~/.cline). Exits non-zero unless Cline
# completed the task with text from the model.
set -euo pipefail

router_url=${1:?usage: $0 ROUTER_URL [MODEL]}
model=${2:-auto}
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${CLINE_PREFIX:-${CARGO_TARGET_DIR:-$root/target}/cline}
version=3.0.65

if [[ ! -x $prefix/node_modules/.bin/cline ]]; then
    echo "installing cline@$version into $prefix" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "cline@$version" >&2
fi
cline=$prefix/node_modules/.bin/cline

work=$(mktemp -d)
# A client's leftover helper may still write here; a failed clean-up is not a failed check.
trap 'rm -rf "$work" || true' EXIT
mkdir -p "$work/home" "$work/project"
export HOME=$work/home
cd "$work/project"

status=0
"$cline" auth --provider openai-compatible --apikey router --baseurl "${router_url%/}/v1" \
    --modelid "$model" >"$work/auth.log" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
    echo "cline auth failed (exit $status)" >&2
    cat "$work/auth.log" >&2
    exit 1
fi
# Plan mode: Cline may read but not change anything, whatever the model asks for.
timeout 180 "$cline" --plan --json -t 150 "Say hi in five words." </dev/null \
    >"$work/events.jsonl" 2>"$work/stderr.log" || status=$?

if [[ $status -ne 0 ]] || ! grep -q '"type":"run_result","finishReason":"completed"' "$work/events.jsonl"; then
    echo "cline run failed (exit $status)" >&2
    echo "--- events" >&2
    tail -20 "$work/events.jsonl" >&2
    echo "--- stderr" >&2
    tail -30 "$work/stderr.log" >&2
    exit 1
fi
grep '"type":"run_result"' "$work/events.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["text"])'
echo "cline: ok" >&2
