#!/usr/bin/env bash
# Proves `make setup` works first time on a machine that has only Python 3.11, pip, Node/npm,
# make and git: a throw-away clone of HEAD, the machine's environment (proxies, CA bundles) but
# a PATH holding only those tools and the system directories, no uv anywhere on it. Run by
# .ci/run before the real setup.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
for tool in python3 python3.11 pip node npm make git; do
  path=$(command -v "$tool" 2>/dev/null || true)
  # a pyenv shim needs pyenv on PATH; link the interpreter it resolves to instead
  if [ -n "$path" ] && [[ "$tool" == python3* || "$tool" == pip ]]; then
    path=$("$path" -c 'import sys; print(sys.executable)' 2>/dev/null || echo "$path")
    [ "$tool" = pip ] && path="$(dirname "$path")/pip"
  fi
  [ -n "$path" ] && ln -s "$path" "$work/bin/$tool"
done
clean_path="$work/bin:/usr/bin:/bin"
# What setup installs must not be there already, or the check would prove nothing.
for tool in uv buf helm tsc; do
  if PATH="$clean_path" command -v "$tool" >/dev/null 2>&1; then
    echo "check-fresh-setup: $tool is on the clean PATH ($(PATH="$clean_path" command -v "$tool"))" >&2
    exit 1
  fi
done
git clone --quiet --no-local . "$work/omni"
cd "$work/omni"
env -u VIRTUAL_ENV PATH="$clean_path" make setup >"$work/setup.log" 2>&1 || {
  echo "check-fresh-setup: the first make setup failed on a clean PATH:" >&2
  tail -30 "$work/setup.log" >&2
  exit 1
}
env -u VIRTUAL_ENV PATH="$clean_path" make setup >>"$work/setup.log" 2>&1
for tool in .tools/bin/uv .tools/bin/buf .tools/bin/helm tests/contracts/typescript/node_modules/.bin/tsc \
  tests/contracts/typescript/node_modules/.bin/openapi-typescript; do
  [ -x "$tool" ] || { echo "check-fresh-setup: make setup did not install $tool" >&2; exit 1; }
done
PATH="$clean_path" command -v chromium >/dev/null || {
  echo "check-fresh-setup: make setup left no chromium for the console's browser tests" >&2
  exit 1
}
grep -E '^(buf|helm|api-smart-diff|nats-server:|secantusdb|Chromium) ' "$work/setup.log" | sort -u | sed 's/^/check-fresh-setup: /'
env -u VIRTUAL_ENV PATH="$clean_path" .tools/bin/uv run --frozen python -c \
  "import omni_kit, omni_gateway, omni_order; print('check-fresh-setup: make setup passed first time on a clean PATH')"
