"""Operator commands for the cabinet shell: ``thermiq io``, ``thermiq trips``, ``thermiq ack|reset``.

* ``thermiq io``: every I/O-list point by name, read from the running process image now (the same
  bytes and decoding the daemon uses: ``/dev/piControl0`` in the cabinet, the image file on a
  laptop), with validity, fault and age; then the outputs as last written and the field devices
  with validity and age, from the daemon's status file.
* ``thermiq trips``: latched trips with their state and value, the first-out, and the recent
  transitions, from the daemon's status file (falling back to the latch file when the daemon is
  not running).
* ``thermiq ack|reset TRIP|all``: through the daemon's command spool (same validation and interlock
  phase as MQTT), audited with the local user; prints the outcome.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from thermiq.clock import SystemClock
from thermiq.service.status_file import read_status


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def image_age_s(procimg: str) -> float:
    """Seconds since the image was last written: a file's mtime; 0 for the piControl device,
    which piControl refreshes every I/O cycle."""
    st = os.stat(procimg)
    if not Path(procimg).is_file():
        return 0.0
    return max(0.0, SystemClock().wall() - st.st_mtime)


def live_io(io_list, procimg: str, configrsc: str, status_path: str | Path | None) -> list[str]:
    """Lines of ``thermiq io``: name, value, valid, fault, age [s] (image points, then devices)."""
    from thermiq.adapters.revpi.process_image import RevPiProcessImage

    image = RevPiProcessImage(io_list, procimg, configrsc)
    image._cycle = None  # read only: leave the daemon's piControl freshness mark (RevPiIOCycle) alone
    try:
        signals = image.read()
        running = image.io_running
    finally:
        image.close()
    age = image_age_s(procimg)
    lines = [
        f"process image {procimg}: piControl {'running' if running else 'NOT running'}, age {age:.1f} s",
        f"{'name':30} {'value':>9} {'valid':>5} {'fault':>6} {'age_s':>7}",
    ]
    for p in io_list.inputs:
        s = signals.get(p.signal)
        if s is None:
            continue
        lines.append(
            f"{p.signal:30} {_fmt(s.value):>9} {'yes' if s.ok else 'NO':>5} {s.fault or '-':>6} {s.age_s + age:7.1f}"
        )
    if status_path is not None:
        try:
            doc = read_status(status_path)
        except (FileNotFoundError, ValueError) as err:
            lines.append(f"field devices: {err}")
        else:
            since = max(0.0, SystemClock().wall() - doc["wall_s"])
            lines.append(f"outputs as last written (status of scan {doc['scans']}, {since:.1f} s ago):")
            for name, value in doc["outputs"].items():
                lines.append(f"{name:30} {_fmt(value):>9} {'yes':>5} {'-':>6} {since:7.1f}")
            lines.append("field devices:")
            for name, d in doc["devices"].items():
                dev_age = None if d["age_s"] is None else d["age_s"] + since
                lines.append(
                    f"{name:30} {'':>9} {'yes' if d['valid'] else 'NO':>5} {'-':>6} "
                    f"{'never' if dev_age is None else f'{dev_age:7.1f}':>7}"
                )
    return lines


def _utc(wall_s: float) -> str:
    return datetime.fromtimestamp(wall_s, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def trips_report(status_path: str | Path, latch_path: str | Path) -> list[str]:
    """Lines of ``thermiq trips``: latched trips, first-out, recent history."""
    try:
        doc = read_status(status_path)
    except (FileNotFoundError, ValueError) as err:
        lines = [f"daemon status unavailable ({err}); latch file {latch_path}:"]
        p = Path(latch_path)
        latched = json.loads(p.read_text(encoding="utf-8"))["latched"] if p.exists() else {}
        if not latched:
            return lines + ["no latched trips"]
        for tid, t in latched.items():
            lines.append(
                f"{tid:28} {t['alarm']:14} value {_fmt(t.get('value'))}{'  FIRST-OUT' if t['first_out'] else ''}"
            )
        return lines
    lines = [f"status of scan {doc['scans']} at {_utc(doc['wall_s'])}"]
    if not doc["trips"]:
        lines.append("no trips latched or active")
    for tid, t in doc["trips"].items():
        lines.append(f"{tid:28} {t['state']:14} value {_fmt(t['value'])}{'  FIRST-OUT' if t['first_out'] else ''}")
    lines.append(f"first-out: {doc['first_out'] or '-'}")
    lines.append("recent transitions (newest last):")
    for h in doc["history"] or []:
        lines.append(f"  {_utc(h['wall_s'])} {h['trip']:28} {h['old']} -> {h['new']} value {_fmt(h['value'])}")
    if not doc["history"]:
        lines.append("  none since start")
    return lines
