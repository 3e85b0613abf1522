#!/usr/bin/env bash
# Debian's Chromium for the browser test (playwright cannot download its own here).
source "$(dirname "$0")/lib.sh"
if ! [ -x /usr/bin/chromium ]; then
  say "installing Debian's chromium"
  sudo_if() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if apt-get update -qq
  sudo_if env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
