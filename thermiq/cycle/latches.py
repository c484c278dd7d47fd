"""Persist latched trips across restarts (atomic write + fsync), so a restart is never a reset."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import MappingProxyType

from thermiq.interlocks.alarm import AlarmState, TripState
from thermiq.interlocks.evaluate import InterlockState


class LatchStore:
    """JSON file of the latched trips: {trip_id: {alarm, first_out, value}}.

    Monotonic times do not survive a reboot; a restored trip's ``since_s`` is the restore time.
    A corrupt or unreadable file, or one naming trips the site's table does not have (an instance
    was renamed), restores every trip of the table latched (fail safe) and says so.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._last: dict | None = None

    def load(self, now_s: float, trip_ids: tuple[str, ...]) -> tuple[InterlockState, str | None]:
        """Restored interlock state and a warning (None when the file was fine or absent)."""
        if not self.path.exists():
            return InterlockState(), None
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            unknown = sorted(tid for tid in doc["latched"] if tid not in trip_ids)
            if unknown:  # renamed instances or an older table: which row is which cannot be told
                raise ValueError(f"trips {unknown} are not in this site's trip table")
            trips = {
                tid: TripState(AlarmState(v["alarm"]), None, now_s, bool(v["first_out"]), v.get("value"))
                for tid, v in doc["latched"].items()
            }
            self._last = doc["latched"]
            return InterlockState(MappingProxyType(trips), 0), None
        except (OSError, ValueError, KeyError, TypeError) as err:
            trips = {tid: TripState(AlarmState.CLEARED_UNACK, None, now_s, False, None) for tid in trip_ids}
            return InterlockState(
                MappingProxyType(trips), 0
            ), f"{self.path}: latch file unreadable ({err}); all trips restored latched"

    def save(self, st: InterlockState) -> bool:
        """Write the latched trips if they changed; returns True when the file was written."""
        latched = {
            tid: {"alarm": t.alarm.value, "first_out": t.first_out, "value": t.value}
            for tid, t in st.trips.items()
            if t.latched
        }
        if latched == self._last:
            return False
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"latched": latched}, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        # the rename itself must survive a power cut: fsync the directory entry too (POSIX rename)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._last = latched
        return True
