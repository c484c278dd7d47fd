"""Helpers for the MQTT tests: a recording probe client and the command envelope builder."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass

from thermiq.adapters.mqtt import compat


@dataclass
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool

    @property
    def json(self):
        return json.loads(self.payload)


class Probe:
    """A test MQTT client that records everything it receives on its subscriptions."""

    def __init__(
        self,
        port: int,
        username: str | None = None,
        password: str | None = None,
        *,
        protocol: str = "3.1.1",
        client_id: str | None = None,
        clean_session: bool = True,
        tls_ca: str | None = None,
        wait: bool = True,
    ):
        self.protocol = protocol
        self.client = compat.make_client(client_id or f"probe-{uuid.uuid4().hex[:8]}", clean_session, protocol)
        if username:
            self.client.username_pw_set(username, password)
        if tls_ca:
            import ssl

            self.client.tls_set(ca_certs=tls_ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.messages: list[Received] = []
        self.cond = threading.Condition()
        self.rc: int | None = None
        self.connects = 0
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        compat.bind(self.client, self._conn, lambda rc: None, self._msg)
        compat.connect_async(self.client, "127.0.0.1", port, 10, clean_session, 3600)
        self.client.loop_start()
        if wait:
            with self.cond:
                self.cond.wait_for(lambda: self.rc is not None, 5)

    def _conn(self, rc):
        with self.cond:
            self.rc = rc
            self.connects += rc == 0
            self.cond.notify_all()

    def _msg(self, msg):
        with self.cond:
            self.messages.append(Received(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain)))
            self.cond.notify_all()

    def subscribe(self, topic: str, qos: int = 1) -> None:
        compat.subscribe(self.client, topic, qos)
        time.sleep(0.05)  # SUBACK round trip on loopback; retained delivery follows

    def publish(self, topic: str, payload, qos: int = 1, retain: bool = False, wait: bool = True):
        """Publish (JSON-encode non-bytes); ``wait``: until the broker has it (PUBACK)."""
        if not isinstance(payload, (bytes, bytearray)):
            payload = json.dumps(payload).encode()
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if wait:
            assert compat.wait_published(info, 5), f"publish to {topic} not completed"
        return info

    def wait_for(self, topic: str, pred=lambda m: True, timeout_s: float = 5.0) -> Received:
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while True:
                for m in self.messages:
                    if m.topic == topic and pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({m.topic for m in self.messages})
                    raise AssertionError(f"no message on {topic} within {timeout_s} s; seen: {seen[:20]}")
                self.cond.wait(left)

    def on(self, topic: str) -> list[Received]:
        with self.cond:
            return [m for m in self.messages if m.topic == topic]

    def clear(self) -> None:
        with self.cond:
            self.messages.clear()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def envelope(value=None, *, target=None, rid=None, issued_at=None, **extra) -> dict:
    """A command payload; ``target`` for safety commands, else ``value``."""
    body = {"request_id": rid or uuid.uuid4().hex, "issued_at": time.time() if issued_at is None else issued_at}
    if target is not None:
        body["target"] = target
    else:
        body["value"] = value
    body.update(extra)
    return body
