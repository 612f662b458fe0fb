#!/usr/bin/env bash
# Headless Qwen Code run through the router, set up as the README says
#   OPENAI_BASE_URL=ROUTER/v1 OPENAI_API_KEY=router qwen --auth-type openai -m MODEL
# with thinking switched on in ~/.qwen/settings.json (`generationConfig.extra_body
# .enable_thinking`, as Qwen's docs suggest for Qwen3 models). Qwen Code then asks for thinking
# on every request, helpers included: the router must not take that alone for complex work.
#
# Usage: tests/clients/qwen_code.sh ROUTER_URL [MODEL]
#
# Installs @qwen-code/qwen-code from npm into $QWEN_CODE_PREFIX (default target/qwen-code) on
# first use. HOME points at a temporary directory. Plan approval mode: nothing is executed or
# written. Exits non-zero unless Qwen Code printed a successful JSON result.
set -euo pipefail

router_url=${1:?usage: $0 ROUTER_URL [MODEL]}
model=${2:-auto}
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${QWEN_CODE_PREFIX:-${CARGO_TARGET_DIR:-$root/target}/qwen-code}
version=0.24.4
entry=$prefix/node_modules/@qwen-code/qwen-code/cli-entry.js

if [[ ! -f $entry ]]; then
    echo "installing @qwen-code/qwen-code@$version into $prefix" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@qwen-code/qwen-code@$version" >&2
fi

work=$(mktemp -d)
# A client's leftover helper may still write here; a failed clean-up is not a failed check.
trap 'rm -rf "$work" || true' EXIT
mkdir -p "$work/home/.qwen" "$work/project"
export HOME=$work/home
cat >"$HOME/.qwen/settings.json" <<JSON
{
  "model": {"generationConfig": {"extra_body": {"enable_thinking": true}}},
  "telemetry": {"enabled": false},
  "privacy": {"usageStatisticsEnabled": false}
}
JSON
cd "$work/project"

status=0
OPENAI_BASE_URL="${router_url%/}/v1" OPENAI_API_KEY=router \
    timeout 180 node "$entry" --auth-type openai -m "$model" --approval-mode plan \
    --output-format json "Say hi in five words." </dev/null >"$work/out.json" 2>"$work/stderr.log" \
    || status=$?

if [[ $status -ne 0 ]] || ! python3 -c '
import json, sys
events = json.load(open(sys.argv[1]))
events = events if isinstance(events, list) else [events]
result = [e for e in events if e.get("type") == "result"]
ok = result and not result[-1].get("is_error") and str(result[-1].get("result", "")).strip()
sys.exit(0 if ok else 1)
' "$work/out.json"; then
    echo "qwen code run failed (exit $status)" >&2
    echo "--- output" >&2
    tail -c 3000 "$work/out.json" >&2
    echo "--- stderr" >&2
    tail -30 "$work/stderr.log" >&2
    exit 1
fi
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); e=e if isinstance(e,list) else [e]; print([x for x in e if x.get("type")=="result"][-1]["result"])' "$work/out.json"
echo "qwen code: ok" >&2
