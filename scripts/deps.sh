#!/bin/sh
# Installs what building and testing rill needs on Debian 12, if missing.
# Run as root (or with sudo available). Safe to run again: it does nothing
# when every package is already there.
set -eu
pkgs="meson ninja-build pkg-config gcc libexpat1-dev libsodium-dev libcriterion-dev libjansson-dev python3 valgrind"
missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing:$missing" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
