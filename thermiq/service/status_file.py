"""The daemon's status file: live values, trips and trip history for ``thermiq io`` / ``thermiq trips``.

Written by a runner observer at most every ``[service].status_every_s`` (atomic: temporary file +
rename, on tmpfs ``/run/thermiq`` in the cabinet so the SD card sees no wear), read by the
operator commands in the cabinet shell. Shape (JSON object)::

    {"wall_s": UNIX s, "now_s": monotonic s, "pid": int, "scans": int, "io_running": bool,
     "signals": {io_name: {"value": v, "age_s": s, "fault": str|null}},
     "devices": {"inverter"|"meter:<n>"|"miner:<n>": {"valid": bool, "age_s": s|null}},
     "outputs": {io_name: bool},
     "latched": [trip ids], "first_out": trip id|null,
     "trips": {trip id: {"state", "first_out", "value", "since_s"}}   (every trip not normal),
     "history": [{"wall_s", "trip", "old", "new", "value"}]          (newest last, bounded)}
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path


def _age(stamp_s: float | None, now_s: float) -> float | None:
    return None if stamp_s is None else round(max(0.0, now_s - stamp_s), 3)


class StatusFile:
    """Runner observer that keeps the status file current.

    Parameters
    ----------
    path : status file (its folder is created)
    every_s : least time between two writes, on the scan's monotonic clock [s]
    history : trip transitions kept
    """

    def __init__(self, path: str | Path, every_s: float = 1.0, history: int = 50):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.every_s = every_s
        self.history: deque[dict] = deque(maxlen=history)
        self._next_s: float | None = None

    def observe(self, runner, img, res, cost_s: float) -> None:
        """Record trip transitions every scan; write the file when due or when a trip changed."""
        for ev in res.events:
            self.history.append(
                {"wall_s": img.wall_s, "trip": ev.trip_id, "old": ev.old.value, "new": ev.new.value, "value": ev.value}
            )
        if res.events or self._next_s is None or img.now_s >= self._next_s:
            self._next_s = img.now_s + self.every_s
            self.write(self.document(runner, img, res))

    def document(self, runner, img, res) -> dict:
        """The status document of one scan (see the module docstring)."""
        now = img.now_s
        devices = {
            "inverter": {
                "valid": img.inverter.pv_power_w is not None or img.inverter.grid_power_w is not None,
                "age_s": _age(img.inverter.stamp_s, now),
            }
        }
        devices |= {
            f"meter:{n}": {"valid": m.power_w is not None, "age_s": _age(m.stamp_s, now)} for n, m in img.meters.items()
        }
        devices |= {f"miner:{n}": {"valid": m.reachable, "age_s": _age(m.stamp_s, now)} for n, m in img.miners.items()}
        locks = res.state.interlocks
        return {
            "wall_s": img.wall_s,
            "now_s": now,
            "pid": os.getpid(),
            "scans": runner.stats.scans,
            "io_running": bool(getattr(runner.image, "io_running", True)),
            "signals": {
                n: {"value": s.value, "age_s": round(s.age_s, 3), "fault": s.fault} for n, s in img.signals.items()
            },
            "devices": devices,
            "outputs": {n: bool(v) for n, v in res.outputs.digital.items()},
            "latched": list(locks.latched),
            "first_out": locks.first_out,
            "trips": {
                tid: {"state": t.alarm.value, "first_out": t.first_out, "value": t.value, "since_s": t.since_s}
                for tid, t in locks.trips.items()
                if t.alarm.value != "normal"
            },
            "history": list(self.history),
        }

    def write(self, doc: dict) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(doc, allow_nan=False, default=str), encoding="utf-8")
        os.replace(tmp, self.path)


def read_status(path: str | Path) -> dict:
    """The last status document.

    Raises
    ------
    FileNotFoundError : naming the file, when the daemon has not written one (not running).
    ValueError : the file is not a status document.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{p}: no status file (is thermiq running? systemctl status thermiq)") from None
    doc = json.loads(text)
    if not isinstance(doc, dict) or "signals" not in doc:
        raise ValueError(f"{p}: not a thermiq status file")
    return doc
