#!/usr/bin/env bash
# Installs the packages the protocol peer servers need (scripts/protocols/
# node_modules) from package-lock.json, unless they are already there and
# newer than the lock file.
#   scripts/protocols/setup.sh
set -euo pipefail
cd "$(dirname "$0")"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "scripts/protocols/setup.sh: $tool is not installed; the protocol servers need Node.js 20 or newer with npm" >&2
    exit 1
  fi
done

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "scripts/protocols/setup.sh: Node.js $(node --version) is too old; the protocol servers need Node.js 20 or newer" >&2
  exit 1
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund
fi
