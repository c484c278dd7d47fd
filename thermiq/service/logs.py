"""Journal logging: one JSON object per line on stdout, for structlog and stdlib loggers alike.

Under systemd stdout goes to the journal (``StandardOutput=journal``, the default), one entry per
line; ``journalctl -u thermiq -o cat | jq`` reads it back. Every line carries ``event``,
``level``, ``logger`` and ``timestamp`` (ISO 8601, UTC). Libraries that log through the standard
:mod:`logging` module (paho-mqtt via ``enable_logger``, the MQTT bridge, grpc) are rendered by the
same processor chain (structlog's ``ProcessorFormatter``), so the journal holds JSON only.

What the daemon logs (issue 9): start and stop, every trip transition with the trip's value,
every command (topic, request id, user, accepted or refused and why), every mode or setpoint
change; nothing per scan.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_journal_logging(stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Route structlog and the stdlib root logger to JSON lines on ``stream`` (default stdout).

    Idempotent: a second call replaces the handler. ``level`` filters both.
    """
    stream = stream or sys.stdout
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True, default=str),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.set_name("thermiq-journal")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "thermiq-journal"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # paho logs every PINGREQ/PUBLISH at DEBUG: keep its warnings and errors only
    logging.getLogger("paho").setLevel(logging.WARNING)
