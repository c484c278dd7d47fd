"""Build the controller's MQTT bridge from the site configuration (``[service.broker]``).

The broker's host, port, user, password file and TLS CA come from the site file; ``host_port``
(``thermiq run --mqtt HOST:PORT``, ``thermiq sim --mqtt``) overrides the address for bench runs.
Without a ``[service.broker]`` user, ``THERMIQ_MQTT_USER`` / ``THERMIQ_MQTT_PASSWORD`` and
``THERMIQ_MQTT_CA`` are still honoured for bench runs, and so they are with ``host_port`` (a
bench broker, not the cabinet's), like ``THERMIQ_MQTT_PROTOCOL`` (``5`` or ``3.1.1``) without a
``[service.broker]``; the cabinet's unit sets none of them. The request-id memory lives beside
the latch file.
"""

from __future__ import annotations

import os
from pathlib import Path

from thermiq.adapters.mqtt.bridge import MqttBridge
from thermiq.adapters.mqtt.registry import build_registry
from thermiq.adapters.mqtt.seen_ids import beside_latches
from thermiq.config.schema import ThermiqConfig
from thermiq.iomap.io_list import load_io_list

REPO = Path(__file__).resolve().parents[3]


def parse_host_port(text: str) -> tuple[str, int]:
    """``"host:port"`` -> (host, port); raises ValueError naming the bad part."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"--mqtt {text!r}: expected HOST:PORT")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--mqtt {text!r}: port must be 1..65535")
    return host, int(port)


def read_password(path: str) -> str:
    """First line of the broker password file (without the newline).

    Raises
    ------
    ValueError : naming the file when it is missing, unreadable or empty.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"broker password_file {path}: {err.strerror}") from None
    line = text.splitlines()[0].strip() if text.strip() else ""
    if not line:
        raise ValueError(f"broker password_file {path} is empty")
    return line


def build_bridge(
    cfg: ThermiqConfig, host_port: str | None = None, clock=None, audit=None, latches_path: str | Path | None = None
) -> MqttBridge:
    """The bridge for ``cfg``'s site (not yet started).

    Parameters
    ----------
    host_port : ``"HOST:PORT"`` of a bench broker instead of ``[service.broker]`` (credentials
        then from the environment only)
    audit : audit sink or path handed to :class:`MqttBridge` (default ``$THERMIQ_AUDIT_LOG``)
    latches_path : the latch file; the request-id memory is kept beside it

    Raises
    ------
    ValueError : no broker configured and no ``host_port``; bad ``host_port``; unreadable password file.
    """
    broker = cfg.service.broker
    if host_port is not None:
        host, port = parse_host_port(host_port)
    elif broker is not None:
        host, port = broker.host, broker.port
    else:
        raise ValueError("the site file has no [service.broker] and no --mqtt HOST:PORT was given")
    if host_port is None and broker is not None and broker.username is not None:
        user, password, ca = broker.username, read_password(broker.password_file), broker.tls_ca_file
    else:
        user, password = os.environ.get("THERMIQ_MQTT_USER"), os.environ.get("THERMIQ_MQTT_PASSWORD")
        ca = (broker.tls_ca_file if broker is not None else None) or os.environ.get("THERMIQ_MQTT_CA")
    io_path = Path(cfg.process_image.io_list)
    io_list = load_io_list(io_path if io_path.is_absolute() else REPO / io_path)
    registry = build_registry(cfg, io_list.points)
    site_protocol = broker.protocol if broker is not None else "5"
    protocol = os.environ.get("THERMIQ_MQTT_PROTOCOL", site_protocol) if host_port is not None else site_protocol
    return MqttBridge(
        cfg.site.name,
        host,
        port,
        user,
        password,
        registry,
        clock,
        audit if audit is not None else os.environ.get("THERMIQ_AUDIT_LOG"),
        tls_ca=ca,
        client_id=broker.client_id if broker is not None else None,
        protocol=protocol,
        seen_ids_path=beside_latches(latches_path) if latches_path else None,
    )
