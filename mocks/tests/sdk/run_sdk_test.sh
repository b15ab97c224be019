#!/bin/sh
# Runs sdk_test.mjs (the official openai SDK against itest-mock) with Node.js, or skips (exit 77,
# CTest's SKIP_RETURN_CODE) saying what is missing.
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
    echo "skipped: Node.js (node) is not installed; scripts/bootstrap installs it (Debian: nodejs npm)"
    exit 77
fi
if [ ! -f "$here/node_modules/openai/package.json" ]; then
    echo "skipped: the openai SDK is not installed in $here; scripts/bootstrap installs it (npm ci --prefix $here)"
    exit 77
fi
exec node "$here/sdk_test.mjs" "$@"
