#!/bin/sh
# Add (or re-key) one remote operator: a broker user of its own, so the ACL pattern binds the
# login to every command (thermiq/<site>/op/<login>/...), the ack, the audit log and the journal.
# Usage: add-operator.sh LOGIN [PASSWD_FILE]      (default /etc/mosquitto/thermiq.passwd)
# The password comes from THERMIQ_OPERATOR_PASSWORD, else mosquitto_passwd asks for it.
# LOGIN: ^[a-z][a-z0-9_-]{0,31}$, not a system user. Reload the broker afterwards
# (systemctl reload mosquitto, or SIGHUP): it rereads the password file.
set -eu
[ $# -ge 1 ] || { echo "usage: add-operator.sh LOGIN [PASSWD_FILE]" >&2; exit 2; }
NAME=$1
FILE="${2:-/etc/mosquitto/thermiq.passwd}"
case "$NAME" in
    thermiq|nodered|homeassistant|operator|local)
        echo "add-operator: '$NAME' is reserved for a system user" >&2; exit 2;;
esac
if ! printf '%s\n' "$NAME" | grep -Eqx '[a-z][a-z0-9_-]{0,31}'; then
    echo "add-operator: '$NAME' must match ^[a-z][a-z0-9_-]{0,31}\$" >&2; exit 2
fi
command -v mosquitto_passwd >/dev/null || { echo "mosquitto_passwd not found (apt install mosquitto)" >&2; exit 2; }
umask 077
[ -f "$FILE" ] || : > "$FILE"
if [ -n "${THERMIQ_OPERATOR_PASSWORD:-}" ]; then
    mosquitto_passwd -b "$FILE" "$NAME" "$THERMIQ_OPERATOR_PASSWORD"
else
    mosquitto_passwd "$FILE" "$NAME"
fi
if id mosquitto >/dev/null 2>&1; then chown mosquitto: "$FILE" 2>/dev/null || true; fi
echo "operator $NAME written to $FILE; commands go to thermiq/<site>/op/$NAME/..."
