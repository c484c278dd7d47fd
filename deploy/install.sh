#!/bin/bash
# Install (or upgrade, or remove) ThermIQ on a Revolution Pi running RevPi OS (Debian 12 bookworm,
# arm64): system users, the virtual environment, /etc/thermiq, the systemd units, Mosquitto with
# generated broker passwords, ACL and a TLS listener for the VPN, Node-RED with the repository's
# flows. Idempotent: a second run with the same source changes no file (it compares contents and
# keeps generated passwords and certificates). Run it as root from a checkout or release tarball.
#
# Usage: deploy/install.sh [--root DIR] [--site FILE] [--cert-name NAME_OR_IP]... [--pip-args ARGS]
#        deploy/install.sh [--root DIR] --uninstall [--purge]
#
#   --root DIR     install into DIR as if it were / (a throwaway root for tests and packaging).
#                  System side effects (apt-get, useradd, chown, npm, systemctl) are not run
#                  there; each one is printed as "skipped (--root): COMMAND".
#   --site FILE    site file to install as /etc/thermiq/site.toml on the first run (default: the
#                  shipped thermiq/sites/asp1.toml). An existing site file is never overwritten.
#   --cert-name N  a name or address the broker's TLS clients connect to (repeatable; default:
#                  this host's name and the VPN address 10.8.0.1, see deploy/network/wg0.conf).
#   --pip-args A   extra arguments for pip (e.g. "--no-deps" for an offline test install).
#   --uninstall    stop and remove what this script installed. Kept: the site file and I/O list
#                  (/etc/thermiq), the latches and the audit log (/var/lib/thermiq), the user
#                  thermiq that owns them. --purge removes those too.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=""
SITE_SRC="$SRC/thermiq/sites/asp1.toml"
CERT_NAMES=()
PIP_ARGS=""
MODE=install
PURGE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT=$2; shift 2;;
        --site) SITE_SRC=$2; shift 2;;
        --cert-name) CERT_NAMES+=("$2"); shift 2;;
        --pip-args) PIP_ARGS=$2; shift 2;;
        --uninstall) MODE=uninstall; shift;;
        --purge) PURGE=1; shift;;
        -h|--help) sed -n '2,24p' "$0"; exit 0;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2;;
    esac
done
[ "$PURGE" = 0 ] || [ "$MODE" = uninstall ] || { echo "install.sh: --purge only with --uninstall" >&2; exit 2; }
if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then echo "install.sh: run as root (or with --root DIR)" >&2; exit 2; fi
[ -z "$ROOT" ] || ROOT=$(mkdir -p "$ROOT" && cd "$ROOT" && pwd)

# --- the installed layout (one place; --uninstall removes exactly these) ---------------------------
OPT=/opt/thermiq                       # source copy (docs, units, deploy scripts, flows) + venv
VENV=$OPT/venv
BIN=/usr/local/bin/thermiq             # the path ExecStart= uses
ETC=/etc/thermiq
STATE=/var/lib/thermiq
NR_STATE=/var/lib/thermiq-nodered      # Node-RED userDir (StateDirectory= of node-red.service)
UNITDIR=/etc/systemd/system
MQ=/etc/mosquitto
MQ_CONF=$MQ/conf.d/thermiq.conf
MQ_ACL=$MQ/thermiq.acl
MQ_PASSWD=$MQ/thermiq.passwd
MQ_CERTS=$MQ/certs
MQ_DROPIN=$UNITDIR/mosquitto.service.d/thermiq.conf
SOURCE_DIRS="thermiq hardware_sim docs systemd deploy nodered Schaltschrank"
SOURCE_FILES="pyproject.toml README.md"
APT_PACKAGES="python3-venv mosquitto mosquitto-clients openssl nodejs npm nftables wireguard-tools"

say() { printf '%s\n' "$*"; }
# A system side effect: run it, or under --root only record it.
sys() { if [ -n "$ROOT" ]; then say "skipped (--root): $*"; else "$@"; fi; }
R() { printf '%s%s' "$ROOT" "$1"; }

# put SRC DEST MODE OWNER:GROUP - copy only when the content differs, then set mode and owner.
put() {
    local src=$1 dest; dest=$(R "$2")
    mkdir -p "$(dirname "$dest")"
    if ! cmp -s "$src" "$dest" 2>/dev/null; then cp "$src" "$dest.tmp.$$" && mv -f "$dest.tmp.$$" "$dest"; say "wrote $2"; fi
    [ "$(stat -c %a "$dest")" = "$3" ] || chmod "$3" "$dest"
    [ "$4" = root:root ] || sys chown "$4" "$2"   # the installer runs as root: root:root is given
}
# put_text DEST MODE OWNER:GROUP <<< content
put_text() {
    local tmp; tmp=$(mktemp); cat > "$tmp"; put "$tmp" "$1" "$2" "$3"; rm -f "$tmp"
}
mkd() {  # mkd DIR MODE OWNER:GROUP
    local d; d=$(R "$1"); mkdir -p "$d"
    [ "$(stat -c %a "$d")" = "$2" ] || chmod "$2" "$d"
    sys chown "$3" "$1"
}
secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

source_list() {  # tracked files of the shipped directories (or every file, from a tarball)
    if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        git -C "$SRC" ls-files -- $SOURCE_DIRS $SOURCE_FILES
    else
        # shellcheck disable=SC2086
        (cd "$SRC" && find $SOURCE_DIRS -type f ! -path '*/node_modules/*' ! -path '*/__pycache__/*'; printf '%s\n' $SOURCE_FILES)
    fi | LC_ALL=C sort
}

install_system() {
    sys apt-get install -y -q $APT_PACKAGES
    # picontrol owns /dev/piControl0 on RevPi OS; dialout the RS485 tty.
    sys sh -c 'getent group picontrol >/dev/null || groupadd --system picontrol'
    sys sh -c "id -u thermiq >/dev/null 2>&1 || useradd --system --home-dir $STATE --shell /usr/sbin/nologin --user-group --groups picontrol,dialout thermiq"
    sys sh -c "id -u nodered >/dev/null 2>&1 || useradd --system --home-dir $NR_STATE --shell /usr/sbin/nologin --user-group nodered"
}

install_source() {
    local list rel tmp
    list=$(mktemp); source_list > "$list"
    while IFS= read -r rel; do put "$SRC/$rel" "$OPT/$rel" "$( [ -x "$SRC/$rel" ] && echo 755 || echo 644)" root:root; done < "$list"
    # files of an older release that this one no longer ships
    if [ -f "$(R $OPT/INSTALLED_FILES)" ]; then
        comm -23 "$(R $OPT/INSTALLED_FILES)" "$list" | while IFS= read -r rel; do rm -f "$(R "$OPT/$rel")"; say "removed $OPT/$rel"; done
    fi
    put "$list" "$OPT/INSTALLED_FILES" 644 root:root
    rm -f "$list"
    # The venv is rebuilt only when the shipped source changed (its digest is the stamp).
    local digest; digest=$(cd "$(R $OPT)" && sha256sum $(cat INSTALLED_FILES) | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$(R $VENV)/.thermiq-source.sha256" 2>/dev/null)" != "$digest" ]; then
        [ -x "$(R $VENV)/bin/python" ] || python3 -m venv "$(R $VENV)"
        tmp=$(mktemp -d)  # build outside the installed tree, so no build/ or egg-info lands in /opt
        (cd "$(R $OPT)" && cp --parents $(cat INSTALLED_FILES) "$tmp/")
        # shellcheck disable=SC2086
        "$(R $VENV)/bin/python" -m pip install -q --disable-pip-version-check $PIP_ARGS "$tmp"
        rm -rf "$tmp"
        printf '%s\n' "$digest" > "$(R $VENV)/.thermiq-source.sha256"
        say "installed thermiq into $VENV"
    fi
    mkdir -p "$(R "$(dirname $BIN)")"
    [ "$(readlink "$(R $BIN)" 2>/dev/null)" = "$VENV/bin/thermiq" ] || { ln -sfn "$VENV/bin/thermiq" "$(R $BIN)"; say "linked $BIN"; }
}

install_etc() {
    mkd $ETC 750 root:thermiq
    mkd $STATE 750 thermiq:thermiq
    # The site file and the I/O list are the site's own configuration: installed once, never
    # overwritten (an upgrade leaves them alone; `thermiq check-config` reports what changed).
    if [ ! -e "$(R $ETC/site.toml)" ]; then
        sed -e 's|^io_list = .*|io_list = "/etc/thermiq/io_list.csv"|' "$SITE_SRC" | put_text $ETC/site.toml 640 root:thermiq
    fi
    [ -e "$(R $ETC/io_list.csv)" ] || put "$SRC/Schaltschrank/io_list.csv" $ETC/io_list.csv 640 root:thermiq
    # Miner password etc. (`miners[].password_env`): one KEY=value per line, filled in by hand.
    [ -e "$(R $ETC/thermiq.env)" ] || printf '# THERMIQ_MINER_PASSWORD=...\n' | put_text $ETC/thermiq.env 640 root:thermiq
}

install_mosquitto() {
    # Debian's /etc/mosquitto/mosquitto.conf already sets persistence_location (the same
    # /var/lib/mosquitto/) before include_dir, and Mosquitto 2.0 refuses a duplicate of it.
    grep -v '^persistence_location ' "$SRC/deploy/mosquitto/mosquitto.conf" | put_text $MQ_CONF 644 root:root
    put "$SRC/deploy/mosquitto/acl" $MQ_ACL 644 root:root
    put "$SRC/systemd/mosquitto.service.d/thermiq.conf" $MQ_DROPIN 644 root:root
    # One generated password per system user, kept in a file its client reads; a password is made
    # only when its file is missing, and written into the broker's file only when the user is absent.
    local user file group pw
    for spec in thermiq:$ETC/mqtt-thermiq.password:thermiq nodered:$ETC/mqtt-nodered.password:nodered \
                homeassistant:$ETC/mqtt-homeassistant.password:root; do
        IFS=: read -r user file group <<< "$spec"
        [ -e "$(R "$file")" ] || secret | put_text "$file" 640 "root:$group"
        if ! grep -q "^$user:" "$(R $MQ_PASSWD)" 2>/dev/null; then
            pw=$(head -n1 "$(R "$file")")
            mkdir -p "$(R $MQ)"
            (umask 077; [ -e "$(R $MQ_PASSWD)" ] || : > "$(R $MQ_PASSWD)")
            mosquitto_passwd -b "$(R $MQ_PASSWD)" "$user" "$pw"
            say "broker user $user added to $MQ_PASSWD"
        fi
    done
    chmod 600 "$(R $MQ_PASSWD)"
    sys chown mosquitto:root $MQ_PASSWD
    printf 'MQTT_USER=nodered\nMQTT_PASSWORD=%s\nMQTT_HOST=127.0.0.1\nMQTT_PORT=1883\n' \
        "$(head -n1 "$(R $ETC/mqtt-nodered.password)")" | put_text $ETC/node-red.env 640 root:nodered
    # TLS listener for the VPN: a private CA and a server certificate, made once (make-certs.sh).
    if [ ! -e "$(R $MQ_CERTS/server.crt)" ]; then
        [ ${#CERT_NAMES[@]} -gt 0 ] || CERT_NAMES=("$(hostname)" 10.8.0.1)
        sh "$SRC/deploy/mosquitto/make-certs.sh" "$(R $MQ_CERTS)" "${CERT_NAMES[@]}"
        # make-certs.sh keeps the CA key beside the certificates: move it off the PLC afterwards.
    fi
    sys chown mosquitto:root $MQ_CERTS/server.key
}

install_units() {
    put "$SRC/systemd/thermiq.service" $UNITDIR/thermiq.service 644 root:root
    put "$SRC/systemd/node-red.service" $UNITDIR/node-red.service 644 root:root
    # Node-RED and its dashboard, pinned by nodered/package-lock.json.
    sys sh -c "cd $OPT/nodered && npm ci --omit=dev --no-audit --no-fund"
    sys systemctl daemon-reload
    sys systemctl enable mosquitto.service thermiq.service node-red.service
    sys systemctl reload-or-restart mosquitto.service
    sys systemctl restart node-red.service
    # An upgrade restarts a running controller; a first install leaves it to the operator, who
    # starts it after `thermiq check-config` (docs/OPERATIONS.md).
    sys systemctl try-restart thermiq.service
}

uninstall() {
    sys systemctl disable --now node-red.service thermiq.service || true
    local p
    for p in $UNITDIR/thermiq.service $UNITDIR/node-red.service $MQ_DROPIN $MQ_CONF $MQ_ACL $MQ_PASSWD $BIN \
             $ETC/mqtt-thermiq.password $ETC/mqtt-nodered.password $ETC/mqtt-homeassistant.password \
             $ETC/node-red.env $ETC/thermiq.env; do
        [ -e "$(R "$p")" ] || [ -L "$(R "$p")" ] || continue
        rm -f "$(R "$p")"; say "removed $p"
    done
    rmdir "$(R $UNITDIR/mosquitto.service.d)" 2>/dev/null || true
    # only the broker certificates this script made: /etc/mosquitto/certs belongs to the package
    for p in $MQ_CERTS/ca.crt $MQ_CERTS/ca.srl $MQ_CERTS/server.crt $MQ_CERTS/server.key; do
        [ -e "$(R "$p")" ] || continue
        rm -f "$(R "$p")"; say "removed $p"
    done
    for p in $OPT $MQ_CERTS/private-ca $NR_STATE; do
        [ -e "$(R "$p")" ] || continue
        rm -rf "$(R "$p")"; say "removed $p"
    done
    # /var/lib/thermiq: everything but the latches and the audit log (and its rotated files).
    if [ -d "$(R $STATE)" ]; then
        find "$(R $STATE)" -mindepth 1 -maxdepth 1 ! -name latches.json ! -name 'audit.jsonl*' -exec rm -rf {} +
    fi
    if [ "$PURGE" = 1 ]; then
        rm -rf "$(R $ETC)" "$(R $STATE)"; say "purged $ETC $STATE"
        sys sh -c 'id -u thermiq >/dev/null 2>&1 && userdel thermiq || true'
    else
        say "kept $ETC/site.toml $ETC/io_list.csv $STATE/latches.json $STATE/audit.jsonl* (--purge removes them)"
    fi
    sys sh -c 'id -u nodered >/dev/null 2>&1 && userdel nodered || true'
    sys systemctl daemon-reload
    sys systemctl reload-or-restart mosquitto.service
    # a throwaway root: drop the directories the install made and left empty (never on a real /)
    [ -z "$ROOT" ] || find "$ROOT" -mindepth 1 -depth -type d -empty -delete
}

if [ "$MODE" = uninstall ]; then
    uninstall
else
    [ -f "$SITE_SRC" ] || { echo "install.sh: site file $SITE_SRC not found" >&2; exit 2; }
    command -v mosquitto_passwd >/dev/null || [ -z "$ROOT" ] || { echo "install.sh: mosquitto_passwd not found (apt install mosquitto)" >&2; exit 2; }
    install_system
    install_source
    install_etc
    install_mosquitto
    install_units
fi
say "done ($MODE${ROOT:+ into $ROOT})"
