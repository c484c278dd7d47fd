"""The command audit log (always on) and the one journal event per command.

Every command, from MQTT or from the cabinet shell, ends in exactly one *outcome* record:
``refused`` (validation said no: malformed, retained, duplicate, expired, out of limits),
``accepted`` or ``rejected`` (the scan's answer, e.g. a trip whose cause is still present).
Valid commands also leave a ``received`` record when the bridge hands them to the scan.

* Audit file: every record, one JSON line (:class:`thermiq.commands.AuditRecord` plus ``user``),
  appended (``O_APPEND``), never rewritten; rotated by size with stdlib
  :class:`logging.handlers.RotatingFileHandler` (``audit.jsonl`` -> ``audit.jsonl.1`` ...).
* Journal: one structlog event ``command`` per outcome record, with topic, request id, user
  (also as ``by``, the sender field of issue 13), accepted, outcome and reason; info when
  accepted, warning when refused or rejected. ``received`` records stay out of the journal.

Thread-safe: the MQTT worker thread and the scan thread both write here.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import structlog

from thermiq.commands import AuditRecord

OUTCOMES = ("refused", "accepted", "rejected")
_USERS_KEPT = 1024


class AuditLog:
    """Append-only, size-rotated JSON-lines audit file plus the journal's command events.

    Parameters
    ----------
    path : audit file; its folder is created
    max_bytes : rotate before the file would pass this size [bytes]
    backups : rotated files kept

    Raises
    ------
    OSError : the file cannot be opened for appending (the daemon refuses to start then).
    """

    def __init__(self, path: str | Path, max_bytes: int = 5_000_000, backups: int = 10):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handler = logging.handlers.RotatingFileHandler(
            self.path, mode="a", maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        self._handler.setFormatter(logging.Formatter("%(message)s"))
        self._lock = threading.Lock()
        self._users: OrderedDict[str, str | None] = OrderedDict()
        self._log = structlog.get_logger("thermiq.command")

    def note_user(self, request_id: str | None, user: str | None) -> None:
        """Remember who issued ``request_id`` (bounded: the last 1024 ids); ``None`` never
        overwrites a known user."""
        if request_id is None:
            return
        with self._lock:
            if user is None and self._users.get(request_id) is not None:
                return
            self._users[request_id] = user
            self._users.move_to_end(request_id)
            while len(self._users) > _USERS_KEPT:
                self._users.popitem(last=False)

    def _user(self, rec) -> str | None:
        user = getattr(rec, "user", None) or getattr(rec, "by", None)  # the sender, where the record names it
        if user is None and rec.request_id is not None:
            with self._lock:
                user = self._users.get(rec.request_id)
        return user

    def write(self, rec: AuditRecord, user: str | None = None) -> None:
        """Append ``rec`` (with ``user``, else the one noted for its request id) and log an outcome."""
        user = user if user is not None else self._user(rec)
        doc = asdict(rec) | {"user": user}
        line = json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False, default=str)
        with self._lock:
            self._handler.emit(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))
        if rec.outcome in OUTCOMES:
            (self._log.info if rec.outcome == "accepted" else self._log.warning)(
                "command",
                topic=rec.topic,
                request_id=rec.request_id,
                user=user,
                by=user,
                accepted=rec.outcome == "accepted",
                outcome=rec.outcome,
                reason=rec.reason,
                value=rec.value,
            )

    def write_records(self, records: Iterable[AuditRecord]) -> None:
        """:meth:`write` each record (the MQTT bridge's audit sink)."""
        for rec in records:
            self.write(rec)

    def close(self) -> None:
        with self._lock:
            self._handler.close()


def read_audit(path: str | Path) -> list[dict]:
    """Every record of the current audit file (not the rotated ones), oldest first."""
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
