#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine that has only the .NET SDK.
# Idempotent: each step checks first and does nothing when its tool is already there.
set -euo pipefail

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
pycheck() { python3 -c "import $1" >/dev/null 2>&1 || need_pkgs+=("$2"); }

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
