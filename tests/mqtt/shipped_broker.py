"""A real Mosquitto running the shipped deploy/mosquitto configuration, users and certificates.

Only what cannot be shipped as-is is rewritten: file locations (into a temp dir), the two
listener ports (free loopback ports; the VPN listener binds 127.0.0.1 instead of all
interfaces) and the log destination. Every rewrite must hit exactly once, so a change of the
shipped file's shape fails the tests instead of silently testing something else.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.mqtt.testbroker import BrokerError, Mosquitto, free_port
from tests.support import unavailable
from thermiq.adapters.mqtt.registry import REPO

DEPLOY = REPO / "deploy/mosquitto"
SYSTEM_PW = {"thermiq": "ctl-pw", "nodered": "nr-pw", "homeassistant": "ha-pw"}


def run_script(name: str, *args, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run(
        ["sh", str(DEPLOY / name), *map(str, args)],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check:
        assert r.returncode == 0, f"{name} failed: {r.stderr}"
    return r


def make_certs(out: Path, *names: str) -> Path:
    """Certificates by the shipped make-certs.sh; returns the directory."""
    try:
        run_script("make-certs.sh", out, *names)
    except (AssertionError, FileNotFoundError) as err:
        unavailable(f"make-certs.sh/openssl: {err}")
    return out


def shipped_conf(tmp: Path, passwd: Path, certs: Path, plain_port: int, tls_port: int) -> str:
    text = (DEPLOY / "mosquitto.conf").read_text()
    rewrites = [
        ("password_file /etc/mosquitto/thermiq.passwd", f"password_file {passwd}"),
        ("acl_file /etc/mosquitto/thermiq.acl", f"acl_file {DEPLOY / 'acl'}"),
        ("listener 1883 127.0.0.1\n", f"listener {plain_port} 127.0.0.1\n"),
        ("listener 8883\n", f"listener {tls_port} 127.0.0.1\n"),
        ("/etc/mosquitto/certs/", f"{certs}/"),
        ("persistence_location /var/lib/mosquitto/", "persistence_location {dir}/"),
        ("log_dest syslog", "log_dest file {dir}/mosquitto.log"),
    ]
    for old, new in rewrites:
        n = text.count(old)
        assert n == (3 if old.endswith("certs/") else 1), f"shipped mosquitto.conf: {old!r} found {n} times"
        text = text.replace(old, new)
    return text


@dataclass
class ShippedBroker:
    broker: Mosquitto
    tls_port: int
    certs: Path
    passwords: dict

    @property
    def port(self) -> int:
        return self.broker.port

    @property
    def ca(self) -> str:
        return str(self.certs / "ca.crt")

    def close(self) -> None:
        self.broker.close()


def start_shipped(tmp: Path, operators: dict[str, str]) -> ShippedBroker:
    """The shipped broker with the system users and ``operators`` (login -> password)."""
    certs = make_certs(tmp / "certs", "127.0.0.1", "localhost")
    passwd = tmp / "passwd"
    run_script("create-users.sh", passwd, env={f"THERMIQ_MQTT_PW_{u.upper()}": pw for u, pw in SYSTEM_PW.items()})
    for name, pw in operators.items():
        run_script("add-operator.sh", name, passwd, env={"THERMIQ_OPERATOR_PASSWORD": pw})
    plain, tls = free_port(), free_port()
    try:
        b = Mosquitto(port=plain, conf_text=shipped_conf(tmp, passwd, certs, plain, tls)).start()
    except BrokerError as err:
        unavailable(str(err))
    return ShippedBroker(b, tls, certs, {**SYSTEM_PW, **operators})
