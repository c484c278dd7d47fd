#!/bin/sh
# Install the pinned Node-RED + FlowFuse Dashboard for nodered/ (npm ci from package-lock.json).
# Idempotent and fast on repeat: skipped while node_modules matches the lock file.
set -eu
cd "$(dirname "$0")/../nodered"
command -v npm >/dev/null || { echo "npm not found: install Node.js >= 18.5 (Node-RED 4)" >&2; exit 2; }
stamp=node_modules/.thermiq-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/node-red/red.js ]; then
    echo "node-red already installed (lock unchanged)"
    exit 0
fi
npm ci --no-audit --no-fund --prefer-offline
echo "$want" > "$stamp"
