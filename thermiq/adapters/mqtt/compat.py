"""The only place that knows the paho-mqtt 1.5 / 2.x differences (docs/SOURCES.md S-MQTT).

* 2.x needs ``callback_api_version`` in the constructor (we use VERSION2); 1.5 has no such arg.
* on_connect/on_disconnect get an int rc in 1.5 and a ``ReasonCode`` (no ``int()``) in 2.x,
  with a different argument count; :func:`bind` hides both behind ``rc: int`` callbacks.
* paho 1.5 leaves Nagle's algorithm on; small QoS 1 publishes then wait for the peer's delayed
  ACK (about 40 ms on Linux, measured with bench/mqtt_latency.py). :func:`bind` sets TCP_NODELAY
  on every connect (2.x does this itself).
* ``loop_stop()`` has no ``force`` in 2.x; ``wait_for_publish`` has no timeout in 1.5 and raises
  in 2.x for messages queued while offline, so delivery is tracked with :func:`wait_published`.
* MQTT 5 (both versions since paho 1.5): no ``clean_session`` in the constructor; the session is
  kept with ``clean_start=False`` plus a Session Expiry Interval in the CONNECT properties
  (MQTT 5.0 §3.1.2.11.2: without it the session ends with the connection). On 1.5 the
  disconnect callback gets ``(rc, properties)`` for MQTT 5, on 2.x ``(flags, rc, properties)``.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

import paho.mqtt.client as mqtt

try:  # paho >= 2.0
    from paho.mqtt.enums import CallbackAPIVersion

    PAHO_V2 = True
except ImportError:  # paho 1.x
    CallbackAPIVersion = None
    PAHO_V2 = False

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

PAHO_VERSION = getattr(mqtt, "__version__", None) or __import__("paho.mqtt").mqtt.__version__
PROTOCOLS = {"3.1.1": mqtt.MQTTv311, "5": mqtt.MQTTv5}


def make_client(client_id: str, clean_session: bool = True, protocol: str = "3.1.1") -> mqtt.Client:
    """An MQTT client (``protocol`` "3.1.1" or "5") on either paho version (keyword arguments only).

    For MQTT 5 ``clean_session`` is applied at connect time (:func:`connect_async`)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"MQTT protocol must be one of {sorted(PROTOCOLS)}, got {protocol!r}")
    kw = dict(client_id=client_id, protocol=PROTOCOLS[protocol])
    if protocol == "3.1.1":
        kw["clean_session"] = clean_session
    if PAHO_V2:
        kw["callback_api_version"] = CallbackAPIVersion.VERSION2
    client = mqtt.Client(**kw)
    client.enable_logger(logging.getLogger("paho"))  # paho's log through the journal's JSON chain
    return client


def is_v5(client: mqtt.Client) -> bool:
    return getattr(client, "_protocol", None) == mqtt.MQTTv5


def connect_async(
    client: mqtt.Client, host: str, port: int, keepalive: int, clean_session: bool = True, session_expiry_s: int = 0
) -> None:
    """``connect_async`` with the session handling of the client's protocol.

    MQTT 5: ``clean_start=clean_session`` on every (re)connect and, for a kept session, the
    Session Expiry Interval ``session_expiry_s`` [s]. MQTT 3.1.1: the constructor's flag holds.
    """
    if not is_v5(client):
        client.connect_async(host, port, keepalive=keepalive)
        return
    props = Properties(PacketTypes.CONNECT)
    if not clean_session and session_expiry_s > 0:
        props.SessionExpiryInterval = int(session_expiry_s)
    client.connect_async(host, port, keepalive=keepalive, clean_start=bool(clean_session), properties=props)


def subscribe(client: mqtt.Client, topic: str, qos: int = 1, no_local: bool = False, retain_as_published: bool = False):
    """Subscribe; on MQTT 5 with the No Local and Retain As Published options (ignored on 3.1.1)."""
    if is_v5(client):
        return client.subscribe(
            topic, options=SubscribeOptions(qos=qos, noLocal=no_local, retainAsPublished=retain_as_published)
        )
    return client.subscribe(topic, qos)


def publish(
    client: mqtt.Client, topic: str, payload: bytes, qos: int = 0, retain: bool = False, expiry_s: int | None = None
):
    """Publish; on MQTT 5 with a Message Expiry Interval ``expiry_s`` [s] (ignored on 3.1.1)."""
    if expiry_s and is_v5(client):
        props = Properties(PacketTypes.PUBLISH)
        props.MessageExpiryInterval = int(expiry_s)
        return client.publish(topic, payload, qos=qos, retain=retain, properties=props)
    return client.publish(topic, payload, qos=qos, retain=retain)


def rc_value(rc) -> int:
    """Integer value of a paho return/reason code (int in 1.5, ReasonCode in 2.x)."""
    if isinstance(rc, int):
        return rc
    value = getattr(rc, "value", None)
    return value if isinstance(value, int) else 1


def bind(
    client: mqtt.Client,
    on_connect: Callable[[int], None],
    on_disconnect: Callable[[int], None],
    on_message: Callable[[mqtt.MQTTMessage], None],
) -> None:
    """Attach version-independent callbacks: ``on_connect(rc)``, ``on_disconnect(rc)``, ``on_message(msg)``."""

    def _connect(c, _u, _flags, rc, *_props):
        set_nodelay(c)
        on_connect(rc_value(rc))

    def _disconnect(_c, _u, *args):
        # 1.5: (rc,) or, MQTT 5, (rc, properties); 2.x VERSION2: (flags, reason_code, properties)
        on_disconnect(rc_value(args[1] if len(args) == 3 else args[0]))

    def _message(_c, _u, msg):
        on_message(msg)

    client.on_connect = _connect
    client.on_disconnect = _disconnect
    client.on_message = _message


def set_nodelay(client: mqtt.Client) -> None:
    """Disable Nagle's algorithm on the client's TCP socket (no-op for other transports)."""
    sock = client.socket()
    try:
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


def wait_published(info: mqtt.MQTTMessageInfo, timeout_s: float, monotonic: Callable[[], float] | None = None) -> bool:
    """Wait up to ``timeout_s`` [s] for a publish to complete; False on timeout or error.

    ``monotonic`` is the clock of the deadline [s] (default: the system's, which a network wait
    needs: a fake clock would never reach the deadline); polls every 5 ms of real time.
    """
    if monotonic is None:
        from thermiq.clock import SystemClock

        monotonic = SystemClock().monotonic
    deadline = monotonic() + timeout_s
    pause = threading.Event()
    while monotonic() < deadline:
        try:
            if info.is_published():
                return True
        except (RuntimeError, ValueError):
            return False
        pause.wait(0.005)
    return False
