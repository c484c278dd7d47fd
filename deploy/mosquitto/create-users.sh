#!/bin/sh
# Create (or update) the ThermIQ system users in a Mosquitto password file.
# Usage: create-users.sh [PASSWD_FILE]      (default /etc/mosquitto/thermiq.passwd)
# Passwords come from the environment: THERMIQ_MQTT_PW_THERMIQ, THERMIQ_MQTT_PW_NODERED,
# THERMIQ_MQTT_PW_HOMEASSISTANT. A user whose variable is unset is skipped (so the script can
# rotate one password). Idempotent: mosquitto_passwd -b replaces.
# Remote operators are people, one user each: add-operator.sh / remove-operator.sh.
set -eu
FILE="${1:-/etc/mosquitto/thermiq.passwd}"
command -v mosquitto_passwd >/dev/null || { echo "mosquitto_passwd not found (apt install mosquitto)" >&2; exit 2; }
umask 077
[ -f "$FILE" ] || : > "$FILE"
made=0
for user in thermiq nodered homeassistant; do
    var="THERMIQ_MQTT_PW_$(echo "$user" | tr '[:lower:]' '[:upper:]')"
    eval "pw=\${$var:-}"
    if [ -z "$pw" ]; then
        echo "skip $user: $var not set" >&2
        continue
    fi
    mosquitto_passwd -b "$FILE" "$user" "$pw"
    made=$((made + 1))
done
# Mosquitto started as root drops to the mosquitto user and must still read the file.
if id mosquitto >/dev/null 2>&1; then chown mosquitto: "$FILE" 2>/dev/null || true; fi
echo "$made user(s) written to $FILE"
