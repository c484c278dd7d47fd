"""Trip events as readable lines: time, trip id, transition and the value that caused it."""

from __future__ import annotations

import datetime as dt


def trip_line(event, utc_offset_h: float = 1.0) -> str:
    """``2009-01-10 10:00:20 (UTC+1) I3.miner1: normal -> active_unack (value 66.2)``; a text event as is."""
    if not isinstance(event, dict):
        return str(event)
    when = dt.datetime.fromtimestamp(event["t_utc_s"] + utc_offset_h * 3600.0, dt.UTC)
    value = event.get("value")
    shown = "" if value is None else f" (value {value:.1f})" if isinstance(value, float) else f" (value {value})"
    return (
        f"{when:%Y-%m-%d %H:%M:%S} (UTC{utc_offset_h:+g}) {event.get('trip', '?')}: "
        f"{event.get('from', '?')} -> {event.get('to', '?')}{shown}"
    )


def trip_lines(events, utc_offset_h: float = 1.0, limit: int = 200) -> list[str]:
    """Readable lines of the first ``limit`` events, and a line saying how many were left out."""
    lines = [trip_line(e, utc_offset_h) for e in list(events)[:limit]]
    if len(events) > limit:
        lines.append(f"... and {len(events) - limit} more events")
    return lines
