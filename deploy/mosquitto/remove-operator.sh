#!/bin/sh
# Remove one remote operator from the broker's password file (system users are refused).
# Usage: remove-operator.sh LOGIN [PASSWD_FILE]   (default /etc/mosquitto/thermiq.passwd)
# Reload the broker afterwards (systemctl reload mosquitto): new logins fail at once; a
# connection that is already open lasts until it closes, so restart the broker to end it now.
set -eu
[ $# -ge 1 ] || { echo "usage: remove-operator.sh LOGIN [PASSWD_FILE]" >&2; exit 2; }
NAME=$1
FILE="${2:-/etc/mosquitto/thermiq.passwd}"
case "$NAME" in
    thermiq|nodered|homeassistant|operator|local)
        echo "remove-operator: '$NAME' is a system user, not an operator" >&2; exit 2;;
esac
[ -f "$FILE" ] || { echo "remove-operator: no password file $FILE" >&2; exit 2; }
if ! grep -q "^$NAME:" "$FILE"; then
    echo "remove-operator: no operator '$NAME' in $FILE" >&2; exit 1
fi
mosquitto_passwd -D "$FILE" "$NAME"
echo "operator $NAME removed from $FILE"
