"""Judge one message from the command tree: validate it and, if accepted, put its request id on
disk before anyone can apply it (the MQTT bridge's paho thread calls this; no paho here).

The request-id memory (``thermiq.commands.RecentIds``) is kept in ``seen_ids_path`` beside the
latches; without a file it lives only in the process and every command issued before the start
is refused. Writing the memory and the audit/journal lines is I/O, so it lives in the adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import structlog

from thermiq.adapters.mqtt.seen_ids import SeenIdsFile
from thermiq.commands import AuditRecord, Command, RecentIds, Refusal, SetpointSpec, validate

log = logging.getLogger(__name__)
journal = structlog.get_logger("thermiq.commands")  # one line per command event (systemd journal)


class CommandIntake:
    """Validation plus the persistent duplicate memory.

    specs : writable setpoints; wall : UNIX clock [s]; max_age_s, max_future_s : age window [s];
    seen_ids_path : memory file or None.
    """

    def __init__(
        self,
        specs: Mapping[str, SetpointSpec],
        wall: Callable[[], float],
        max_age_s: float,
        max_future_s: float,
        seen_ids_path: str | Path | None = None,
    ):
        self.specs, self._wall = specs, wall
        self._max_age_s, self._max_future_s = max_age_s, max_future_s
        self._window_s = 2 * (max_age_s + max_future_s)
        self._file = SeenIdsFile(seen_ids_path) if seen_ids_path else None
        self.recent = RecentIds(self._window_s)

    def start(self) -> None:
        """Load the memory (or start with a lost one) and write it back at once."""
        if self._file is None:
            self.recent = RecentIds(self._window_s, not_before_s=self._wall())
            log.warning("no request-id memory file: commands issued before this start are refused")
            return
        self.recent, warning = self._file.load(self._window_s, self._wall())
        if warning:
            log.warning("%s", warning)
        try:  # from now on the file is the memory (also the "lost" horizon, if any)
            self._file.save(self.recent)
        except OSError as err:
            log.error("cannot write the request-id memory %s: %s", self._file.path, err)

    def judge(self, rel: str, payload: bytes, retained: bool) -> Command | Refusal:
        """The command to hand to the scan, or the refusal to ack. Never raises."""
        result, recent = validate(
            rel, payload, retained, self._wall(), self.specs, self.recent, self._max_age_s, self._max_future_s
        )
        if isinstance(result, Refusal):
            return result
        try:  # on disk before the scan can apply it: at most once, also across restarts
            if self._file is not None:
                self._file.save(recent)
        except OSError as err:
            return Refusal(
                rel, f"cannot record the request id ({err.strerror or err}): not applied", result.request_id, result.by
            )
        self.recent = recent
        return result


def write_audit(recs: Iterable[AuditRecord], path: Path | None) -> None:
    """One journal line per record (naming the sender) and the JSON lines appended to ``path``."""
    recs = list(recs)
    for r in recs:
        (journal.warning if r.outcome in ("refused", "rejected") else journal.info)(
            "command",
            outcome=r.outcome,
            by=r.by,
            request_id=r.request_id,
            topic=r.topic,
            reason=r.reason,
            value=r.value,
        )
    if not recs or path is None:
        return
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(r.to_json() + "\n" for r in recs))
    except OSError as err:
        log.error("cannot write the audit log %s: %s", path, err)
