#!/bin/sh
# System packages the test suite needs (idempotent). Append your packages to the apt line.
set -e
apt-get update -qq && apt-get install -y -qq mosquitto mosquitto-clients socat chromium systemd nftables openssl
