#!/usr/bin/env bash
# Installs every Debian 12 package Amana needs to build, test, fuzz and demo.
# Idempotent; runs as root (or through sudo when available).
set -euo pipefail
pkgs=(meson ninja-build pkg-config gcc clang-14 libclang-rt-14-dev
	libsodium-dev liblmdb-dev libevent-dev libssl-dev
	age curl openssl xxd python3 bsdutils procps lmdb-utils)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ] && [ "${CI:-}" != true ]; then
	exit 0
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: run as root to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
