#!/usr/bin/env bash
# Installs what building and testing Vigil needs, only where it is missing (Debian 12).
set -euo pipefail

packages=()
command -v pkg-config >/dev/null || packages+=(pkg-config)
pkg-config --exists hiredis 2>/dev/null || packages+=(libhiredis-dev)
command -v redis-server >/dev/null || packages+=(redis-server)
command -v redis-sentinel >/dev/null || packages+=(redis-sentinel)
command -v redis-cli >/dev/null || packages+=(redis-tools)
# The TLS tests make their certificates with the openssl command.
command -v openssl >/dev/null || packages+=(openssl)
# The partition tests (tests/python/test_partitions.py) build network namespaces, cut links with
# iptables inside them and add delay and loss with tc.
command -v ip >/dev/null || packages+=(iproute2)
command -v tc >/dev/null || packages+=(iproute2)
command -v iptables >/dev/null || packages+=(iptables)
# A durability test slows Vigil's fsyncs down with strace's fault injection.
command -v strace >/dev/null || packages+=(strace)
# systemd-analyze checks the unit files in Deploy/.
command -v systemd-analyze >/dev/null || packages+=(systemd)
# Real client libraries whose Sentinel support the tests run against Vigil (tests/clients).
ruby -e 'require "redis"' 2>/dev/null || packages+=(ruby ruby-redis)
command -v go >/dev/null || packages+=(golang-go)
[ -d /usr/share/gocode/src/gopkg.in/redis.v5 ] || packages+=(golang-gopkg-redis.v5-dev)
command -v php >/dev/null || packages+=(php-cli)
php -m 2>/dev/null | grep -qx redis || packages+=(php-redis)
[ -f /usr/share/php/Predis/Autoloader.php ] || packages+=(php-predis)
# The drill's HTML report is opened in headless Chromium by a test, which checks the screenshot.
command -v chromium >/dev/null || packages+=(chromium)
if [ ${#packages[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if ! python3 -c 'import redis, pytest, PIL' 2>/dev/null; then
  python3 -m pip install -q redis pytest pillow 2>/dev/null || python3 -m pip install -q --break-system-packages redis pytest pillow
fi
