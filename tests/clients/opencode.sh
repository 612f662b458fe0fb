#!/usr/bin/env bash
# Headless OpenCode run through the router (reference/clients.md §5): OpenCode speaks only
# POST /v1/chat/completions (stream + include_usage, tools, X-Session-Id), so this exercises the
# OpenAI dialect end to end with a real agent loop.
#
# Usage: tests/clients/opencode.sh ROUTER_URL [MODEL]
#   ROUTER_URL  e.g. http://127.0.0.1:11435 (the router, in front of Ollama or the simulator)
#   MODEL       model name OpenCode asks for (default: auto)
#
# Try it without a GPU:
#   ollama-router sim --fast --listen 127.0.0.1:11434 &
#   ollama-router serve --listen 127.0.0.1:11435 &
#   tests/clients/opencode.sh http://127.0.0.1:11435
#
# Installs opencode-ai from npm into $OPENCODE_PREFIX (default target/opencode, ~350 MB, ~10 s)
# on first use. Everything OpenCode writes goes to a temporary directory. Shell, edit and web
# tools are denied, so even a real model cannot run commands or change files through this script.
# Exits non-zero unless OpenCode finished a turn with text from the model.
set -euo pipefail

router_url=${1:?usage: $0 ROUTER_URL [MODEL]}
model=${2:-auto}
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${OPENCODE_PREFIX:-$root/target/opencode}
version=1.18.33

if [[ ! -x $prefix/node_modules/.bin/opencode ]]; then
    echo "installing opencode-ai@$version into $prefix" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "opencode-ai@$version" >&2
fi

work=$(mktemp -d)
# A client's leftover helper may still write here; a failed clean-up is not a failed check.
trap 'rm -rf "$work" || true' EXIT

config=$(cat <<JSON
{
  "\$schema": "https://opencode.ai/config.json",
  "provider": {
    "router": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "ollama-router",
      "options": {"baseURL": "${router_url%/}/v1"},
      "models": {"$model": {"name": "$model"}}
    }
  },
  "model": "router/$model",
  "permission": {"bash": "deny", "edit": "deny", "webfetch": "deny"},
  "autoupdate": false,
  "share": "disabled"
}
JSON
)

cd "$work"
status=0
HOME=$work XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state \
XDG_CACHE_HOME=$work/cache OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_MODELS_FETCH=1 \
OPENCODE_DISABLE_DEFAULT_PLUGINS=1 OPENCODE_DISABLE_SHARE=1 OPENCODE_CONFIG_CONTENT=$config \
    timeout 180 "$prefix/node_modules/.bin/opencode" run -m "router/$model" --format json \
    "Say hi in one short sentence." >"$work/events.jsonl" 2>"$work/stderr.log" || status=$?

if [[ $status -ne 0 ]] || ! grep -q '"type":"text"' "$work/events.jsonl" \
    || ! grep -q '"reason":"stop"' "$work/events.jsonl"; then
    echo "opencode run failed (exit $status)" >&2
    echo "--- events" >&2
    cat "$work/events.jsonl" >&2
    echo "--- stderr" >&2
    tail -50 "$work/stderr.log" >&2
    exit 1
fi
grep '"type":"text"' "$work/events.jsonl" | tail -1
echo "opencode: ok" >&2
