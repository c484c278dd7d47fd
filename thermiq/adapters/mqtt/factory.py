"""Build the controller's MQTT bridge from the site configuration and a ``HOST:PORT`` string.

Credentials come from the environment (never from the command line or the config file):
``THERMIQ_MQTT_USER`` / ``THERMIQ_MQTT_PASSWORD``; ``THERMIQ_MQTT_CA`` switches TLS on;
``THERMIQ_MQTT_PROTOCOL`` is ``5`` (default) or ``3.1.1``; ``THERMIQ_AUDIT_LOG`` names the
command audit log (JSON lines). The request-id memory lives beside the latch file.
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


def build_bridge(cfg: ThermiqConfig, host_port: str, clock=None, latches_path: str | Path | None = None) -> MqttBridge:
    """The bridge for ``cfg``'s site on the broker at ``host_port`` (not yet started); with
    ``latches_path`` the request-id memory is kept beside the latch file."""
    host, port = parse_host_port(host_port)
    io_path = Path(cfg.process_image.io_list)
    io_list = load_io_list(io_path if io_path.is_absolute() else REPO / io_path)
    registry = build_registry(cfg, io_list.points)
    return MqttBridge(cfg.site.name, host, port, os.environ.get("THERMIQ_MQTT_USER"),
                      os.environ.get("THERMIQ_MQTT_PASSWORD"), registry, clock,
                      os.environ.get("THERMIQ_AUDIT_LOG"), tls_ca=os.environ.get("THERMIQ_MQTT_CA"),
                      protocol=os.environ.get("THERMIQ_MQTT_PROTOCOL", "5"),
                      seen_ids_path=beside_latches(latches_path) if latches_path else None)
