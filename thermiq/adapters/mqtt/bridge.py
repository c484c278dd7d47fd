"""The MQTT bridge: publishes the scan's status and collects validated commands, off the scan thread.

Threads: paho's network thread (connect, reconnect, receive, validate commands) and one worker
(publish-on-change, acks, discovery, audit file). The scan only calls :meth:`publish_status`,
:meth:`drain_commands` and :meth:`ack`, which copy data under a lock and return at once.

Remote operations you can trust (issues #5, #13):

* **Session**: MQTT 5 by default (``protocol="3.1.1"`` selectable), a fixed client id and a kept
  session (clean start off, Session Expiry ``session_expiry_s``), so QoS 1 commands published
  while the controller is away are queued by the broker and judged by their ``issued_at`` when
  they arrive. After a reconnect the bridge re-subscribes, publishes ``online``, republishes
  every retained state value and re-sends the HA discovery.
* **At most once**: accepted request ids are written to ``seen_ids_path`` (beside the latches)
  *before* the command reaches the scan; the memory is reloaded at start.
* **Retained never applies**: MQTT 5 subscriptions use Retain As Published, so a retained command
  shows its flag on live delivery too; it is refused, acked and cleared. On MQTT 3.1.1 the flag is
  lost for live subscribers, so every command topic is cleared after each message instead.
* **Every command answered**: every message on the command tree (``command_tree.COMMAND_FILTERS``)
  gets exactly one ack on ``<topic>/ack``, also empty payloads and unknown names; only the
  bridge's own clearing publishes are not answered (MQTT 5: No Local; 3.1.1: counted per topic).
* **Identity**: ``op/<user>/...`` topics carry the broker login (ACL ``pattern`` with ``%u``);
  ack, audit line and journal line name it (``by``).
"""

from __future__ import annotations

import json
import logging
import random
import ssl
import threading
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path

from thermiq.adapters.mqtt import compat
from thermiq.adapters.mqtt.command_tree import COMMAND_FILTERS, ack_topic, is_command_topic
from thermiq.adapters.mqtt.discovery import discovery_payload, discovery_topic
from thermiq.adapters.mqtt.intake import CommandIntake, write_audit
from thermiq.adapters.mqtt.publish_filter import DEFAULT_REFRESH_S, PublishFilter
from thermiq.adapters.mqtt.registry import HA_PREFIX, Registry
from thermiq.clock import SystemClock
from thermiq.commands import AuditRecord, Command, CommandResult, Refusal

log = logging.getLogger(__name__)
TICK_S = 0.5  # worker wake-up period when idle (refresh and delayed discovery resolution)
ACK_EXPIRY_S = 600  # MQTT 5 Message Expiry of an ack queued for an offline operator [s]


def _clock_fns(clock) -> tuple[Callable[[], float], Callable[[], float]]:
    """(monotonic seconds, UNIX seconds) from ``clock``.

    Accepts an object with ``now_s()``/``monotonic()`` and ``wall_s()``/``time()`` methods,
    (a :class:`thermiq.clock.Clock` has ``monotonic()`` and ``wall()``), or ``None`` for the system clocks.
    """
    if clock is None:
        clock = SystemClock()
    mono = next((getattr(clock, n) for n in ("now_s", "monotonic_s", "monotonic") if hasattr(clock, n)), None)
    wall = next((getattr(clock, n) for n in ("wall_s", "time", "wall") if hasattr(clock, n)), None)
    if mono is None or wall is None:
        raise TypeError("clock needs now_s()/monotonic() and wall_s()/time() methods")
    return mono, wall


class MqttBridge:
    """One controller connection to the broker.

    Parameters
    ----------
    site : str             site id (must equal ``registry.site``)
    host, port             broker address
    username, password     broker credentials (``None`` = anonymous)
    registry : Registry    topics and setpoint specs
    clock                  see :func:`_clock_fns`; monotonic time for filters, wall time for command age
    audit_path : path      JSON-lines audit log, appended (``None`` = no audit file), or a sink with
                           ``write_records(records)`` (:class:`thermiq.service.audit.AuditLog`)
    ha_writable : bool | None  HA discovery exposes setpoints as writable entities (None: as the site config says)
    refresh_s : float      republish unchanged values after this long [s]
    max_age_s, max_future_s : float  accepted command age window [s]
    tls_ca : path | None   CA file: connect with TLS
    protocol : "5" | "3.1.1"        MQTT version (5: retain-as-published, no-local, expiry)
    client_id : str        fixed id of the kept session (default ``thermiq-<site>``)
    clean_session : bool   False: the broker keeps the session and queues QoS 1 commands
    session_expiry_s : int MQTT 5 session expiry after a disconnect [s]
    seen_ids_path : path | None     request-id memory file (None: memory lost at every start)
    """

    def __init__(
        self,
        site: str,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        registry: Registry,
        clock=None,
        audit_path: str | Path | None = None,
        *,
        client_id: str | None = None,
        ha_discovery: bool = True,
        ha_writable: bool | None = None,
        refresh_s: float = DEFAULT_REFRESH_S,
        max_age_s: float = 30.0,
        max_future_s: float = 5.0,
        keepalive_s: int = 10,
        tls_ca: str | None = None,
        sw_version: str = "0.1.0",
        protocol: str = "5",
        clean_session: bool = False,
        session_expiry_s: int = 86400,
        seen_ids_path: str | Path | None = None,
    ):
        if site != registry.site:
            raise ValueError(f"site {site!r} does not match the registry's site {registry.site!r}")
        if not 0 < int(port) < 65536:
            raise ValueError(f"port must be 1..65535, got {port}")
        self.site, self.host, self.port = site, host, int(port)
        self.registry = registry
        self._mono, self._wall = _clock_fns(clock)
        # an object with ``write_records(records)`` (thermiq.service.audit.AuditLog) or a file path
        self._audit_sink = audit_path if hasattr(audit_path, "write_records") else None
        self._audit_path = Path(audit_path) if audit_path and self._audit_sink is None else None
        self._ha_discovery, self._ha_writable, self._sw = ha_discovery, ha_writable, sw_version
        self._keepalive_s = keepalive_s
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._latest: dict[str, object] = {}
        self._filter = PublishFilter(refresh_s)
        self._republish = False
        self._discovery_due: float | None = None
        self._commands: deque[Command] = deque()
        self._outbox: deque[tuple[str, bytes, int, bool]] = deque()
        self._audit: deque[AuditRecord] = deque()
        self._intake = CommandIntake(registry.specs, self._wall, max_age_s, max_future_s, seen_ids_path)
        self._by: dict[str, str] = {}  # request id -> sender, for the scan's acks
        self._own_clears: dict[str, int] = {}  # MQTT 3.1.1: our clearing publishes still to come back
        self._clean, self._session_expiry_s = clean_session, session_expiry_s
        self._connected = threading.Event()
        self._warned: set[str] = set()
        self.stats = {"published": 0, "received": 0, "refused": 0, "acked": 0, "connects": 0}
        self._client = compat.make_client(client_id or f"thermiq-{site}", clean_session, protocol)
        self._v5 = compat.is_v5(self._client)
        if username is not None:
            self._client.username_pw_set(username, password)
        if tls_ca:
            self._client.tls_set(ca_certs=tls_ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self._client.will_set(registry.full("status"), b"offline", qos=1, retain=True)
        self._client.reconnect_delay_set(min_delay=1, max_delay=10)
        compat.bind(self._client, self._on_connect, self._on_disconnect, self._on_message)
        self._worker = threading.Thread(target=self._run, name=f"thermiq-mqtt-{site}", daemon=True)
        self._set_filters = tuple(f"{registry.base}/{f}" for f in COMMAND_FILTERS)

    # ---------------------------------------------------------------- scan-side API (non-blocking)
    @property
    def connected(self) -> bool:
        """True while the broker connection is up."""
        return self._connected.is_set()

    def publish_status(self, status: Mapping[str, object]) -> None:
        """Hand the scan's status mapping to the worker (copies it; never blocks on the network)."""
        with self._lock:
            self._latest.update(status)
        self._wake.set()

    def drain_commands(self) -> list[Command]:
        """Validated commands received since the last call, oldest first."""
        with self._lock:
            out = list(self._commands)
            self._commands.clear()
        return out

    def ack(self, result: CommandResult) -> None:
        """Queue the ack of ``result`` on ``<command topic>/ack`` (QoS 1, not retained) and audit it."""
        with self._lock:
            pending = self._by.pop(result.request_id, None) if result.request_id else None
            by = result.by or pending
        if by != result.by:
            result = CommandResult(
                result.topic, result.request_id, result.accepted, result.reason, result.value_in_force, by
            )
        rec = AuditRecord(
            self._wall(),
            result.topic,
            "accepted" if result.accepted else "rejected",
            result.request_id,
            result.reason,
            result.value_in_force,
            by,
        )
        self._queue_ack(result, rec)

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Load the request-id memory, connect in the background (retrying until the broker
        answers) and start the worker."""
        self._intake.start()
        compat.connect_async(self._client, self.host, self.port, self._keepalive_s, self._clean, self._session_expiry_s)
        self._client.loop_start()
        self._worker.start()

    def wait_connected(self, timeout_s: float) -> bool:
        """Block up to ``timeout_s`` [s] until connected (for start-up and tests, not for the scan)."""
        return self._connected.wait(timeout_s)

    def stop(self, timeout_s: float = 2.0) -> None:
        """Flush, publish ``offline`` (a clean DISCONNECT discards the will), disconnect, join threads."""
        self._stop.set()
        self._wake.set()
        if self._worker.is_alive():
            self._worker.join(timeout_s)
        if self.connected:
            info = self._client.publish(self.registry.full("status"), b"offline", qos=1, retain=True)
            compat.wait_published(info, timeout_s)
        self._client.disconnect()
        self._client.loop_stop()
        self._flush_audit()

    # ---------------------------------------------------------------- paho thread
    def _on_connect(self, rc: int) -> None:
        if rc != 0:
            log.warning("MQTT connect to %s:%s refused, rc=%s", self.host, self.port, rc)
            return
        self.stats["connects"] += 1
        for f in self._set_filters:
            compat.subscribe(self._client, f, qos=1, no_local=True, retain_as_published=True)
        self._client.subscribe(f"{HA_PREFIX}/status", qos=1)
        self._client.publish(self.registry.full("status"), b"online", qos=1, retain=True)
        with self._lock:
            self._republish = True
            self._discovery_due = self._mono() if self._ha_discovery else None
        self._connected.set()
        self._wake.set()
        log.info("MQTT connected to %s:%s", self.host, self.port)

    def _on_disconnect(self, rc: int) -> None:
        self._connected.clear()
        if rc != 0:
            log.warning("MQTT connection lost (rc=%s); paho reconnects", rc)

    def _on_message(self, msg) -> None:
        if msg.topic == f"{HA_PREFIX}/status":
            if msg.payload == b"online" and self._ha_discovery:
                with self._lock:  # HA docs: answer the birth after a small random delay
                    self._discovery_due = self._mono() + random.uniform(0.1, 0.5)
                self._wake.set()
            return
        rel = self.registry.relative(msg.topic)
        if rel is None or not is_command_topic(rel):
            return
        if not msg.payload:
            with self._lock:
                if self._own_clears.get(rel, 0) > 0:  # MQTT 3.1.1: our own clear came back
                    self._own_clears[rel] -= 1
                    return
        retained = bool(msg.retain)
        result = self._intake.judge(rel, msg.payload, retained)
        if msg.payload and (retained or not self._v5):
            # MQTT 5 shows the retain flag (retain-as-published); 3.1.1 hides it from live
            # subscribers, so there every command topic is cleared after use.
            with self._lock:
                if not self._v5:
                    self._own_clears[rel] = self._own_clears.get(rel, 0) + 1
            self._client.publish(msg.topic, b"", qos=1, retain=True)
        with self._lock:
            if not isinstance(result, Refusal):
                self._commands.append(result)
                self._by[result.request_id] = result.by
                self.stats["received"] += 1
                self._audit.append(
                    AuditRecord(
                        self._wall(),
                        rel,
                        "received",
                        result.request_id,
                        None,
                        getattr(result, "value", getattr(result, "target", None)),
                        result.by,
                    )
                )
        if isinstance(result, Refusal):
            self.stats["refused"] += 1
            rec = AuditRecord(self._wall(), rel, "refused", result.request_id, result.reason, None, result.by)
            self._queue_ack(CommandResult.refused(result), rec)
        self._wake.set()

    # ---------------------------------------------------------------- worker thread
    def _queue_ack(self, result: CommandResult, rec: AuditRecord) -> None:
        rel = ack_topic(result.topic)
        try:
            payload = json.dumps(result.payload(), separators=(",", ":"), allow_nan=False).encode()
        except (TypeError, ValueError) as err:
            rel, why = None, f"ack payload not JSON-able: {err}"
        else:
            why = f"{result.topic!r} is not a command topic"
        with self._lock:
            self._audit.append(rec)
            if rel is not None:
                self._outbox.append((self.registry.full(rel), payload, 1, False))
        if rel is None:  # never publish onto a command topic by accident
            log.error("ack of request %r not published: %s", result.request_id, why)
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(TICK_S)
            self._wake.clear()
            try:
                self._work()
            except Exception:  # the worker must survive anything; the scan never sees it
                log.exception("MQTT worker step failed")
        self._work()

    def _work(self) -> None:
        now = self._mono()
        with self._lock:
            outbox = list(self._outbox)
            self._outbox.clear()
            if self._republish and self.connected:
                self._filter, self._republish = self._filter.forget(), False
            status = dict(self._latest)
            due = self._discovery_due is not None and now >= self._discovery_due and self.connected
            if due:
                self._discovery_due = None
        for topic, payload, qos, retain in outbox:
            compat.publish(self._client, topic, payload, qos=qos, retain=retain, expiry_s=ACK_EXPIRY_S)
            self.stats["acked"] += 1
        if due:
            body = discovery_payload(self.registry, self._ha_writable, self._sw)
            self._client.publish(discovery_topic(self.registry), json.dumps(body).encode(), qos=1, retain=False)
        if self.connected and status:
            sel, self._filter = self._filter.select(self.registry, status, now)
            for path, data in sel.publish:
                t = self.registry[path]
                self._client.publish(self.registry.full(path), data, qos=t.qos, retain=t.retained)
            self.stats["published"] += len(sel.publish)
            for path in sel.unknown + tuple(p for p, _ in sel.invalid):
                if path not in self._warned:
                    self._warned.add(path)
                    log.warning(
                        "status key %r not published: %s",
                        path,
                        dict(sel.invalid).get(path, "not in the topic registry"),
                    )
        self._flush_audit()

    def _flush_audit(self) -> None:
        with self._lock:
            recs = list(self._audit)
            self._audit.clear()
        if recs and self._audit_sink is not None:  # the daemon's AuditLog: file + one journal line per outcome
            self._audit_sink.write_records(recs)
            return
        write_audit(recs, self._audit_path)
