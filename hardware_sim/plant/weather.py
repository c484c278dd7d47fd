"""Read a PVGIS *seriescalc* hourly CSV (PV power per kWp and air temperature) into arrays.

The format is the one PVGIS (https://re.jrc.ec.europa.eu/pvg_tools/) writes for "hourly data"
with PV calculation: a few ``key:\\tvalue`` header lines, the column line
``time,P,G(i),H_sun,T2m,WS10m,Int`` (with ``components=1`` the irradiance columns are
``Gb(i),Gd(i),Gr(i)``), hourly rows stamped ``YYYYMMDD:HHMM`` in UTC, then a legend and the
footer ``PVGIS (c) European Union, 2001-20xx``. Only ``time``, ``P`` and ``T2m`` are used.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REQUIRED_COLUMNS = ("time", "P", "T2m")
HOUR_S = 3600.0


class WeatherError(ValueError):
    """A weather file that cannot be used; the message names the file, line and column."""


@dataclass(frozen=True)
class Weather:
    """Hourly weather of one PVGIS seriescalc file.

    Attributes
    ----------
    t_utc_s : numpy.ndarray
        UTC UNIX time of each row [s], strictly increasing, exactly 3600 s apart.
    pv_w_per_kwp : numpy.ndarray
        PVGIS column ``P``: AC power of a 1 kWp system incl. the file's system losses [W/kWp].
    outdoor_temp_c : numpy.ndarray
        PVGIS column ``T2m``: 2 m air temperature [°C].
    meta : dict
        Header lines (``key: value``) of the file, plus ``source`` (the path).
    """

    t_utc_s: np.ndarray
    pv_w_per_kwp: np.ndarray
    outdoor_temp_c: np.ndarray
    meta: dict

    @property
    def start_s(self) -> float:
        """First stamp [UTC s]."""
        return float(self.t_utc_s[0])

    @property
    def end_s(self) -> float:
        """Last stamp [UTC s]."""
        return float(self.t_utc_s[-1])


def _parse_stamp(text: str) -> float:
    """``YYYYMMDD:HHMM`` (UTC) to UNIX seconds; raises ValueError on anything else."""
    if len(text) != 13 or text[8] != ":" or not (text[:8] + text[9:]).isdigit():
        raise ValueError(f"time {text!r} is not YYYYMMDD:HHMM")
    year, month, day = int(text[0:4]), int(text[4:6]), int(text[6:8])
    hour, minute = int(text[9:11]), int(text[11:13])
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
            and hour < 24 and minute < 60):
        raise ValueError(f"time {text!r} is not a valid date/time")
    return float(calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0)))


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise WeatherError(f"{where}: value {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise WeatherError(f"{where}: value {text.strip()!r} is not finite")
    return value


def parse_seriescalc(lines: list[str], source: str = "<text>") -> Weather:
    """Parse the lines of a PVGIS seriescalc CSV.

    Raises
    ------
    WeatherError
        No column line, a missing column (``time``, ``P``, ``T2m``), a short row, a
        non-numeric value, an unparsable/unsorted/duplicate time, a gap (rows must be exactly
        one hour apart), or no data rows. The message names ``source:line`` and the column.
    """
    meta: dict = {"source": source}
    header_idx = None
    for idx, line in enumerate(lines):
        if line.startswith("time,") or line.strip() == "time":
            header_idx = idx
            break
        if ":" in line:
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    if header_idx is None:
        raise WeatherError(f"{source}: no column line starting with 'time,' (is this a PVGIS seriescalc CSV?)")
    columns = [c.strip() for c in lines[header_idx].rstrip("\r\n").split(",")]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise WeatherError(
            f"{source}:{header_idx + 1}: column line lacks {', '.join(missing)} (has {', '.join(columns)})"
        )
    i_time, i_p, i_t = (columns.index(c) for c in REQUIRED_COLUMNS)
    n_cols = len(columns)
    stamps: list[float] = []
    pv: list[float] = []
    temp: list[float] = []
    for idx in range(header_idx + 1, len(lines)):
        line = lines[idx].rstrip("\r\n")
        if not line.strip():
            break  # the legend block follows the first blank line
        fields = line.split(",")
        lineno = idx + 1
        if len(fields) != n_cols:
            if not stamps and not fields[0][:1].isdigit():
                break
            raise WeatherError(f"{source}:{lineno}: {len(fields)} fields, the column line has {n_cols}")
        try:
            stamp = _parse_stamp(fields[i_time].strip())
        except ValueError as err:
            raise WeatherError(f"{source}:{lineno}: column time: {err}") from None
        if stamps:
            step = stamp - stamps[-1]
            if step <= 0.0:
                kind = "duplicate" if step == 0.0 else "unsorted"
                raise WeatherError(f"{source}:{lineno}: column time: {kind} time {fields[i_time].strip()}")
            if step != HOUR_S:
                raise WeatherError(
                    f"{source}:{lineno}: column time: gap of {step / HOUR_S:g} h before {fields[i_time].strip()}"
                    " (rows must be hourly)"
                )
        stamps.append(stamp)
        pv.append(_number(fields[i_p], f"{source}:{lineno}: column P"))
        temp.append(_number(fields[i_t], f"{source}:{lineno}: column T2m"))
    if not stamps:
        raise WeatherError(f"{source}: no data rows after the column line (line {header_idx + 1})")
    if min(pv) < 0.0:
        bad = next(i for i, v in enumerate(pv) if v < 0.0)
        raise WeatherError(f"{source}:{header_idx + 2 + bad}: column P: negative PV power {pv[bad]}")
    return Weather(np.array(stamps), np.array(pv), np.array(temp), meta)


def load_weather(path: str | Path) -> Weather:
    """Load a PVGIS seriescalc CSV file.

    Parameters
    ----------
    path : str or Path
        The CSV file (e.g. ``data/Timeseries_..._2009.csv``).

    Returns
    -------
    Weather

    Raises
    ------
    WeatherError
        The file is missing, unreadable or malformed (see :func:`parse_seriescalc`).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except FileNotFoundError:
        raise WeatherError(f"{path}: file not found") from None
    except UnicodeDecodeError as err:
        raise WeatherError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not text.strip():
        raise WeatherError(f"{path}: file is empty")
    return parse_seriescalc(text.splitlines(), str(path))
