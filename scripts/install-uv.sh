#!/usr/bin/env bash
# Installs the pinned uv into .tools/uv-env with the machine's own Python (not the project's
# .venv, which uv itself creates), and links it as .tools/bin/uv. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="$1"
VERSION="$2"
TOOLS="$PWD/.tools"
if [ -x "$TOOLS/bin/uv" ] && [ "$("$TOOLS/bin/uv" --version | cut -d' ' -f2)" = "$VERSION" ]; then
  exit 0
fi
echo "installing uv $VERSION into .tools/ (with $PYTHON)"
rm -rf "$TOOLS/uv-env"
"$PYTHON" -m venv "$TOOLS/uv-env"
"$TOOLS/uv-env/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$VERSION"
mkdir -p "$TOOLS/bin"
ln -sf "$TOOLS/uv-env/bin/uv" "$TOOLS/bin/uv"
"$TOOLS/bin/uv" --version
