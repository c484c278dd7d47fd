"""Check every ``thermiq sim`` option before the run starts (one-line errors, nothing runs).

The simulated period must lie inside the weather file (a start day before the file's first
stamp begins at that stamp: PVGIS hourly stamps sit at hh:10 or so, not at midnight), the
scan period must be positive, at most the schema's 10 s and divide the report's sample
interval, and the report folder must be creatable and writable.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

DAY_S = 86400.0
SAMPLE_S = 300.0
MAX_PERIOD_S = 10.0  # ScanConfig.period_s bound
MIN_PERIOD_S = 0.01


class SimArgsError(ValueError):
    """An unusable ``thermiq sim`` option; the message is one line naming it."""


@dataclass(frozen=True)
class SimPeriod:
    """What to simulate: first instant [UNIX s, UTC], length [s], scan period [s], sample interval [s]."""

    start_utc_s: float
    duration_s: float
    period_s: float
    sample_s: float

    @property
    def days(self) -> float:
        return self.duration_s / DAY_S


def _day(t_s: float) -> str:
    return dt.datetime.fromtimestamp(t_s, dt.UTC).strftime("%Y-%m-%d")


def _stamp(t_s: float) -> str:
    return dt.datetime.fromtimestamp(t_s, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def parse_day(text: str, option: str = "--start") -> float:
    """UNIX s of 00:00 UTC of ``text`` (YYYY-MM-DD); SimArgsError otherwise."""
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise SimArgsError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def check_period_s(period_s: float, sample_s: float = SAMPLE_S) -> float:
    """The scan period [s], checked: finite, in [0.01, 10] s, dividing ``sample_s``."""
    if (
        not (isinstance(period_s, (int, float)) and math.isfinite(period_s))
        or not MIN_PERIOD_S <= period_s <= MAX_PERIOD_S
    ):
        raise SimArgsError(f"--period {period_s:g} must be between {MIN_PERIOD_S:g} and {MAX_PERIOD_S:g} s")
    n = round(sample_s / period_s)
    if abs(n * period_s - sample_s) > 1e-9 * sample_s:
        raise SimArgsError(f"--period {period_s:g} must divide the {sample_s:g} s report interval")
    return float(period_s)


def check_out_dir(out: str | Path) -> Path:
    """The report folder, checked writable before the run.

    It may exist (a directory) or not (then its nearest existing parent must be a directory).
    Writability is tried, not inferred from permission bits (root, read-only mounts, /proc):
    a temporary file is created in the nearest existing directory and removed at once; nothing
    else is created.
    """
    path = Path(out).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise SimArgsError(f"--out {out}: exists and is not a directory")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise SimArgsError(f"--out {out}: cannot create it ({probe} is not a directory)")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as err:
        raise SimArgsError(f"--out {out}: {probe} is not writable ({err.strerror or err})") from None
    return path


def sim_period(
    start: str | None, days: float | None, year: bool, period_s: float, weather_start_s: float, weather_end_s: float
) -> SimPeriod:
    """Resolve ``--start``/``--days``/``--year``/``--period`` against the weather file's span.

    Default: 7 days from 10 January of the weather year. ``year``: the whole file.

    Raises
    ------
    SimArgsError
        A date outside the file, ``--days`` not positive or running past the file's end,
        ``--year`` with ``--start``/``--days``, or a bad ``--period``.
    """
    period_s = check_period_s(period_s)
    span = f"{_day(weather_start_s)} .. {_day(weather_end_s)}"
    if year:
        if start is not None or days is not None:
            raise SimArgsError("--year simulates the whole weather file: leave out --start and --days")
        return SimPeriod(weather_start_s, _whole(weather_end_s - weather_start_s, period_s), period_s, SAMPLE_S)
    if days is None:
        days = 7.0
    if not (math.isfinite(days) and days > 0):
        raise SimArgsError(f"--days {days:g} must be a positive number of days")
    first_day = dt.datetime.fromtimestamp(weather_start_s, dt.UTC).year
    t0 = parse_day(start) if start is not None else parse_day(f"{first_day}-01-10")
    if not (parse_day(_day(weather_start_s)) <= t0 <= weather_end_s):
        raise SimArgsError(f"--start {start} is outside the weather file ({span})")
    t0 = max(t0, weather_start_s)
    duration = _whole(days * DAY_S, period_s)
    if t0 + duration > weather_end_s:
        left = (weather_end_s - t0) / DAY_S
        raise SimArgsError(
            f"--days {days:g} from {_stamp(t0)} runs past the end of the weather file "
            f"({_stamp(weather_end_s)}): at most {math.floor(left * 100) / 100:g} days"
        )
    return SimPeriod(t0, duration, period_s, SAMPLE_S)


def _whole(duration_s: float, period_s: float) -> float:
    """``duration_s`` cut to a whole number of report samples (each a whole number of scans)."""
    return math.floor(duration_s / SAMPLE_S + 1e-9) * SAMPLE_S
