"""The only place that knows the paho-mqtt 1.5 / 2.x differences (reference/mqtt_nodered.md §2).

* 2.x needs ``callback_api_version`` in the constructor (we use VERSION2); 1.5 has no such arg.
* on_connect/on_disconnect get an int rc in 1.5 and a ``ReasonCode`` (no ``int()``) in 2.x,
  with a different argument count; :func:`bind` hides both behind ``rc: int`` callbacks.
* paho 1.5 leaves Nagle's algorithm on; small QoS 1 publishes then wait for the peer's delayed
  ACK (about 40 ms on Linux, measured with bench/mqtt_latency.py). :func:`bind` sets TCP_NODELAY
  on every connect (2.x does this itself).
* ``loop_stop()`` has no ``force`` in 2.x; ``wait_for_publish`` has no timeout in 1.5 and raises
  in 2.x for messages queued while offline, so delivery is tracked with :func:`wait_published`.
"""

from __future__ import annotations

import socket
import threading
from typing import Callable

import paho.mqtt.client as mqtt

try:  # paho >= 2.0
    from paho.mqtt.enums import CallbackAPIVersion

    PAHO_V2 = True
except ImportError:  # paho 1.x
    CallbackAPIVersion = None
    PAHO_V2 = False

PAHO_VERSION = getattr(mqtt, "__version__", None) or __import__("paho.mqtt").mqtt.__version__


def make_client(client_id: str, clean_session: bool = True) -> mqtt.Client:
    """An MQTT 3.1.1 client on either paho version (keyword arguments only)."""
    kw = dict(client_id=client_id, clean_session=clean_session, protocol=mqtt.MQTTv311)
    if PAHO_V2:
        kw["callback_api_version"] = CallbackAPIVersion.VERSION2
    return mqtt.Client(**kw)


def rc_value(rc) -> int:
    """Integer value of a paho return/reason code (int in 1.5, ReasonCode in 2.x)."""
    if isinstance(rc, int):
        return rc
    value = getattr(rc, "value", None)
    return value if isinstance(value, int) else 1


def bind(client: mqtt.Client, on_connect: Callable[[int], None], on_disconnect: Callable[[int], None],
         on_message: Callable[[mqtt.MQTTMessage], None]) -> None:
    """Attach version-independent callbacks: ``on_connect(rc)``, ``on_disconnect(rc)``, ``on_message(msg)``."""

    def _connect(c, _u, _flags, rc, *_props):
        set_nodelay(c)
        on_connect(rc_value(rc))

    def _disconnect(_c, _u, *args):
        # 1.5: (rc,)  2.x VERSION2: (flags, reason_code, properties)
        on_disconnect(rc_value(args[0] if len(args) == 1 else args[1]))

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
