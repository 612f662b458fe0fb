#!/usr/bin/env bash
# Headless Codex CLI run through the router: `codex exec --oss` speaks the OpenAI Responses API
# (POST /v1/responses, ~10K-token first prompt with instructions and tool schemas), which the
# router translates to native /api/chat so routing and num_ctx apply. Against the simulated
# Ollama the model calls Codex's first tool (exec_command with `cmd: "sample"`, harmless: no
# such command, read-only sandbox) and then answers, so one run exercises a tool round trip.
#
# Usage: tests/clients/codex.sh ROUTER_URL [MODEL]
#   ROUTER_URL  e.g. http://127.0.0.1:11435 (no /v1: the script adds it)
#   MODEL       model name Codex asks for (default: auto)
#
# Installs @openai/codex from npm into $CODEX_PREFIX (default target/codex, ~150 MB) on first
# use. CODEX_HOME and HOME point at a temporary directory. Exits non-zero unless Codex finished
# the turn with a final message.
set -euo pipefail

router_url=${1:?usage: $0 ROUTER_URL [MODEL]}
model=${2:-auto}
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${CODEX_PREFIX:-${CARGO_TARGET_DIR:-$root/target}/codex}
version=0.171.0

if [[ ! -x $prefix/node_modules/.bin/codex ]]; then
    echo "installing @openai/codex@$version into $prefix" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@openai/codex@$version" >&2
fi

work=$(mktemp -d)
# A client's leftover helper may still write here; a failed clean-up is not a failed check.
trap 'rm -rf "$work" || true' EXIT
mkdir -p "$work/home" "$work/codex" "$work/project"

cd "$work/project"
status=0
# --oss --local-provider ollama: the built-in Ollama provider, no login, no picker;
# CODEX_OSS_BASE_URL points it at the router. Codex checks /api/version and /v1/models first.
HOME=$work/home CODEX_HOME=$work/codex CODEX_OSS_BASE_URL="${router_url%/}/v1" \
    timeout 180 "$prefix/node_modules/.bin/codex" exec --oss --local-provider ollama \
    -m "$model" --skip-git-repo-check --color never \
    -o "$work/last.txt" "Say hi in five words." </dev/null >"$work/stdout.log" 2>"$work/stderr.log" \
    || status=$?

if [[ $status -ne 0 ]] || [[ ! -s $work/last.txt ]]; then
    echo "codex exec failed (exit $status)" >&2
    echo "--- stdout" >&2
    tail -30 "$work/stdout.log" >&2
    echo "--- stderr" >&2
    tail -40 "$work/stderr.log" >&2
    exit 1
fi
cat "$work/last.txt"; echo
echo "codex: ok" >&2
