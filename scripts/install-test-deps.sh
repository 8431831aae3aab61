#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine that has only the .NET SDK.
# Idempotent: each step checks first and does nothing when its tool is already there.
#
# The real-peer tests (tests/Ws101.Interop, docs/testing.md) need:
#   - Debian's chromium (driven headless by Playwright; a browser is never downloaded),
#   - Debian's python3-websockets, imported by /usr/bin/python3 (or $WS101_PYTHON),
#   - node and npm (Debian's nodejs and npm when node is missing),
#   - Node's ws, installed by `npm ci` from tests/peers/node/package-lock.json.
# Microsoft.Playwright comes from NuGet with the build and brings its own driver (a node binary
# inside the package), so nothing here runs `playwright install`.
# Extra Debian packages can be asked for with WS101_TEST_DEPS="command=package py:module=package".
set -euo pipefail
cd "$(dirname "$0")/.."

python="${WS101_PYTHON:-/usr/bin/python3}"
node_peer_dir=tests/peers/node

apt_updated=0
apt_install() {
  if [ "$(id -u)" != "0" ]; then
    echo "install-test-deps: need root to apt-get install $*" >&2
    return 1
  fi
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_pkgs=()
# Add a Debian package here with the command that proves it is installed.
check() { command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2"); }
pycheck() { "$python" -c "import $1" >/dev/null 2>&1 || need_pkgs+=("$2"); }

check chromium chromium
pycheck websockets python3-websockets
if ! command -v node >/dev/null 2>&1; then
  need_pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || need_pkgs+=(npm)
elif ! command -v npm >/dev/null 2>&1; then
  # node is there without npm (an unusual install); Debian's npm is the only way we know to add it.
  need_pkgs+=(npm)
fi

# Native AOT (the AOT sample's test) links with clang against zlib: the compiler comes through WS101_TEST_DEPS, the headers here.
[ -e /usr/include/zlib.h ] || need_pkgs+=(zlib1g-dev)
# The bench's wss:// load generator (bench/server/tlsload.c, built by tests/Ws101.Interop/Bench/TlsLoadTests.cs) needs
# the OpenSSL headers; gcc comes through WS101_TEST_DEPS.
[ -e /usr/include/openssl/ssl.h ] || need_pkgs+=(libssl-dev)

for spec in ${WS101_TEST_DEPS:-}; do
  case "$spec" in
    py:*) m=${spec#py:}; pycheck "${m%%=*}" "${m#*=}" ;;
    *) check "${spec%%=*}" "${spec#*=}" ;;
  esac
done

if [ "${#need_pkgs[@]}" -gt 0 ]; then
  echo "install-test-deps: installing ${need_pkgs[*]}"
  apt_install "${need_pkgs[@]}"
fi

# Each check again, so a package that installed but does not work is reported here, not as
# a puzzling test failure later.
command -v chromium >/dev/null 2>&1 || { echo "install-test-deps: chromium is still missing" >&2; exit 1; }
"$python" -c "import websockets" 2>/dev/null || { echo "install-test-deps: $python cannot import websockets" >&2; exit 1; }
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { echo "install-test-deps: node or npm is still missing" >&2; exit 1; }

# Node's ws at the version the lock file pins. npm ci wipes node_modules, so run it only when the
# lock file changed since the last install (its hash is kept beside the packages).
lock_hash=$(sha256sum "$node_peer_dir/package-lock.json" | cut -d' ' -f1)
stamp="$node_peer_dir/node_modules/.ws101-lock.sha256"
if [ ! -f "$node_peer_dir/node_modules/ws/package.json" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$lock_hash" ]; then
  echo "install-test-deps: npm ci in $node_peer_dir"
  (cd "$node_peer_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
  echo "$lock_hash" >"$stamp"
fi
