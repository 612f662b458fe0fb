#!/usr/bin/env bash
# The dashboard in a real browser: starts the simulated Ollama and the router, then drives
# /router/ in Debian's headless chromium (playwright-core from npm, pinned in package.json) and
# writes a screenshot. Run by .ci/run after `cargo test`; also by hand to look at the page.
#
# Usage: tests/browser/run.sh [SCREENSHOT.png] [PATH_TO_ollama-router]
#   default screenshot: target/dashboard.png; default binary: target/debug/ollama-router
#   CHROMIUM=/path/to/chromium overrides /usr/bin/chromium.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
shot=${1:-$target/dashboard.png}
bin=${2:-$target/debug/ollama-router}
[[ -x $bin ]] || { echo "no router binary at $bin (run cargo build first)" >&2; exit 2; }
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || {
    echo "no chromium at ${CHROMIUM:-/usr/bin/chromium}: apt-get install -y chromium" >&2; exit 2; }
(cd "$here" && npm ci --no-audit --no-fund --silent)

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

# A realistic (not --fast) sim, so the page shows real-looking time to first token and tok/s.
"$bin" sim --listen "127.0.0.1:$sim_port" --foreign-vram 1GiB >"$logs/sim.log" 2>&1 &
pids+=($!)
# Configured through the environment, as in docker/docker-compose.yml.
OLLAMA_ROUTER_GPU__SOURCE=sim OLLAMA_ROUTER_UPSTREAM__URL="http://127.0.0.1:$sim_port" \
    OLLAMA_ROUTER_LISTEN="127.0.0.1:$router_port" OLLAMA_ROUTER_SESSIONS__STATE_FILE="$logs/learned.json" \
    "$bin" serve --config /dev/null >"$logs/router.log" 2>&1 &
pids+=($!)
router="http://127.0.0.1:$router_port"
for _ in $(seq 100); do
    curl -sf "$router/router/health" >/dev/null && break
    sleep 0.1
done
curl -sf "$router/router/health" >/dev/null || { cat "$logs/router.log" >&2; exit 1; }

mkdir -p "$(dirname "$shot")"
status=0
timeout 180 node "$here/dashboard.mjs" "$router" "$shot" || status=1
if [[ $status -ne 0 ]]; then
    echo "--- router log" >&2; tail -40 "$logs/router.log" >&2
fi
exit $status
