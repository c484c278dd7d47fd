#!/bin/sh
# Make the certificates of the broker's TLS listener with openssl: a private CA (kept, reused on
# later runs) and a server certificate for the names/addresses clients connect to.
# Usage: make-certs.sh OUT_DIR NAME_OR_IP [NAME_OR_IP...]
#   e.g. make-certs.sh /etc/mosquitto/certs thermiq-asp1.vpn 10.8.0.1
# Writes OUT_DIR/ca.crt (give this to every client), OUT_DIR/server.crt, OUT_DIR/server.key
# (mode 600, owned by mosquitto if that user exists) and OUT_DIR/private-ca/ca.key (mode 600:
# keep it off the PLC once the certificates are made). THERMIQ_CERT_DAYS: server validity
# (default 825 days); the CA is valid for 10 years.
set -eu
[ $# -ge 2 ] || { echo "usage: make-certs.sh OUT_DIR NAME_OR_IP [NAME_OR_IP...]" >&2; exit 2; }
command -v openssl >/dev/null || { echo "openssl not found (apt install openssl)" >&2; exit 2; }
OUT=$1
shift
CN=$1
DAYS="${THERMIQ_CERT_DAYS:-825}"
SAN=""
for n in "$@"; do
    if printf '%s\n' "$n" | grep -Eqx '[0-9.]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*'; then SAN="$SAN,IP:$n"; else SAN="$SAN,DNS:$n"; fi
done
SAN=${SAN#,}
umask 077
mkdir -p "$OUT/private-ca"
if [ ! -f "$OUT/private-ca/ca.key" ]; then
    openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days 3650 -subj "/CN=ThermIQ broker CA" \
        -keyout "$OUT/private-ca/ca.key" -out "$OUT/ca.crt" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
EXT="$OUT/private-ca/server.ext"
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$SAN" > "$EXT"
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$CN" -keyout "$OUT/server.key" \
    -out "$OUT/private-ca/server.csr" 2>/dev/null
openssl x509 -req -sha256 -days "$DAYS" -in "$OUT/private-ca/server.csr" -CA "$OUT/ca.crt" \
    -CAkey "$OUT/private-ca/ca.key" -CAcreateserial -out "$OUT/server.crt" -extfile "$EXT" 2>/dev/null
chmod 644 "$OUT/ca.crt" "$OUT/server.crt"
chmod 600 "$OUT/server.key"
if id mosquitto >/dev/null 2>&1; then chown mosquitto: "$OUT/server.key" 2>/dev/null || true; fi
echo "CA $OUT/ca.crt, server certificate $OUT/server.crt for $SAN"
