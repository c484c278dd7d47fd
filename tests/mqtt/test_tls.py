"""Remote access only over TLS with a valid certificate: the shipped broker configuration
(deploy/mosquitto/mosquitto.conf) with certificates from the shipped make-certs.sh, on a real
Mosquitto; plus the shape of the shipped file (plaintext bound to loopback only)."""

from __future__ import annotations

import re
import ssl
import time

import pytest

from tests.mqtt.miniscan import MiniScan
from tests.mqtt.mqtt_helpers import Probe, envelope
from tests.mqtt.shipped_broker import DEPLOY, make_certs, start_shipped
from thermiq.adapters.mqtt.bridge import MqttBridge
from thermiq.commands import SetpointStore

BASE = "thermiq/asp1"


@pytest.fixture
def shipped(tmp_path, registry):
    sb = start_shipped(tmp_path, {"alice": "a-secret"})
    ctl = MqttBridge("asp1", "127.0.0.1", sb.port, "thermiq", sb.passwords["thermiq"], registry)
    ctl.start()
    assert ctl.wait_connected(5)
    scan = MiniScan(ctl, SetpointStore.from_specs(registry.specs)).start()
    yield sb, scan
    scan.stop()
    ctl.stop()
    sb.close()


def test_shipped_config_has_plaintext_on_loopback_only_and_tls_elsewhere():
    text = (DEPLOY / "mosquitto.conf").read_text()
    blocks = re.split(r"(?m)^(?=listener )", text)[1:]
    assert len(blocks) == 2
    for block in blocks:
        words = block.split("\n")[0].split()
        tls = all(re.search(rf"(?m)^{k} /\S+", block) for k in ("cafile", "certfile", "keyfile"))
        if not tls:
            assert words[2:] == ["127.0.0.1"], f"plaintext listener not on loopback: {words}"
        else:
            assert re.search(r"(?m)^tls_version tlsv1\.[23]$", block)
    assert sum("certfile" in b for b in blocks) == 1
    assert re.search(r"(?m)^allow_anonymous false$", text) and re.search(r"(?m)^persistence true$", text)


def test_remote_command_over_tls_with_valid_certificate(shipped):
    sb, scan = shipped
    op = Probe(sb.tls_port, "alice", "a-secret", protocol="5", tls_ca=sb.ca)
    try:
        assert op.rc == 0
        op.subscribe(f"{BASE}/op/alice/#")
        body = envelope(57.0)
        op.publish(f"{BASE}/op/alice/setpoints/dhw_setpoint_c/set", body)
        ack = op.wait_for(f"{BASE}/op/alice/setpoints/dhw_setpoint_c/set/ack")
        assert ack.json["accepted"] is True and ack.json["by"] == "alice"
        assert scan.store.value("dhw_setpoint_c", time.monotonic()) == 57.0
    finally:
        op.close()


def test_plaintext_on_the_tls_port_is_refused(shipped):
    sb, scan = shipped
    op = Probe(sb.tls_port, "alice", "a-secret", wait=False)
    try:
        time.sleep(2.0)
        assert op.connects == 0
    finally:
        op.close()


def test_certificate_from_another_ca_is_refused(shipped, tmp_path):
    sb, scan = shipped
    other = make_certs(tmp_path / "other", "127.0.0.1")  # an attacker's CA for the same address
    op = Probe(sb.tls_port, "alice", "a-secret", tls_ca=str(other / "ca.crt"), wait=False)
    try:
        time.sleep(2.0)
        assert op.connects == 0
    finally:
        op.close()
    # and the server certificate really is what decides: verifying it directly fails too
    ctx = ssl.create_default_context(cafile=str(other / "ca.crt"))
    import socket

    with socket.create_connection(("127.0.0.1", sb.tls_port), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def test_tls_with_a_wrong_password_is_refused(shipped):
    sb, scan = shipped
    op = Probe(sb.tls_port, "alice", "wrong", tls_ca=sb.ca)
    try:
        assert op.rc not in (None, 0) and op.connects == 0
    finally:
        op.close()
