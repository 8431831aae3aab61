#!/usr/bin/env bash
# bench/server/need-gcc-openssl.sh WHO LOG - makes sure gcc and the OpenSSL headers are there for the bench's C parts
# (the floor, bench/server/floor.c, and the wss:// load generator, bench/server/tlsload.c): installs Debian's gcc and
# libssl-dev when run as root, else says what to install. WHO names the part in messages; apt's output goes to LOG.
WHO=$1 LOG=$2
if command -v gcc > /dev/null && [ -e /usr/include/openssl/ssl.h ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq gcc libssl-dev > "$LOG" 2>&1 \
    || { cat "$LOG"; echo "$WHO: installing gcc and libssl-dev failed" >&2; exit 1; }
else
  echo "$WHO: needs gcc and the OpenSSL headers (Debian: apt-get install gcc libssl-dev, as root)" >&2; exit 1
fi
