"""Read PVGIS weather files into arrays: *seriescalc* hourly CSVs and *TMY* CSVs.

seriescalc (https://re.jrc.ec.europa.eu/pvg_tools/, "hourly data"): a few ``key:\\tvalue``
header lines (latitude, longitude, elevation, slope and azimuth of the plane), the column line,
e.g. ``time,P,G(i),H_sun,T2m,WS10m,Int`` (with ``components=1`` the plane-of-array irradiance
is split into ``Gb(i),Gd(i),Gr(i)``; ``P`` only with a PV calculation), hourly rows stamped
``YYYYMMDD:HHMM`` in UTC, then a legend and the footer ``PVGIS (c) European Union, 2001-20xx``.
Needed: ``time``, ``T2m`` and either ``G(i)`` or the three components; ``P``, ``WS10m`` are
kept when present. The plane is read from ``Slope:`` / ``Azimuth:`` (PVGIS azimuth: 0 = south,
-90 = east; pvlib's is that + 180).

TMY (PVGIS "typical meteorological year"): read with ``pvlib.iotools.read_pvgis_tmy``;
columns ``G(h), Gb(n), Gd(h)`` (GHI, DNI, DHI), ``T2m``, ``WS10m``. The months come from
different years; the rows are re-stamped onto one calendar year ``tmy_year`` (non-leap).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REQUIRED_COLUMNS = ("time", "T2m")
COMPONENTS = ("Gb(i)", "Gd(i)", "Gr(i)")
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
    pv_w_per_kwp : numpy.ndarray or None
        PVGIS column ``P``: AC power of a 1 kWp system incl. the file's system losses [W/kWp].
    outdoor_temp_c : numpy.ndarray
        PVGIS column ``T2m``: 2 m air temperature [°C].
    meta : dict
        Header lines (``key: value``) of the file, plus ``source`` (the path).
    wind_m_s : 10 m wind speed [m/s] or None
    poa_w_m2 : seriescalc plane-of-array irradiance [W/m²]: ``{"G(i)": ...}`` or the components
    plane_deg : (tilt, azimuth) of that plane, pvlib convention (azimuth 180 = south)
    ghi_dni_dhi_w_m2 : TMY global horizontal, direct normal, diffuse horizontal [W/m²]
    latitude_deg, longitude_deg, elevation_m : the weather point (from the header)
    """

    t_utc_s: np.ndarray
    pv_w_per_kwp: np.ndarray | None
    outdoor_temp_c: np.ndarray
    meta: dict
    wind_m_s: np.ndarray | None = None
    poa_w_m2: dict | None = None
    plane_deg: tuple[float, float] | None = None
    ghi_dni_dhi_w_m2: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    latitude_deg: float | None = None
    longitude_deg: float | None = None
    elevation_m: float | None = None

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
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1] and hour < 24 and minute < 60):
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
    has_poa = "G(i)" in columns or all(c in columns for c in COMPONENTS)
    if not has_poa and "P" not in columns:
        raise WeatherError(
            f"{source}:{header_idx + 1}: column line lacks G(i) (or Gb(i),Gd(i),Gr(i)) and P (has {', '.join(columns)})"
        )
    wanted = [c for c in ("P", "G(i)", *COMPONENTS, "T2m", "WS10m") if c in columns]
    i_time = columns.index("time")
    idx_of = {c: columns.index(c) for c in wanted}
    n_cols = len(columns)
    stamps: list[float] = []
    values: dict[str, list[float]] = {c: [] for c in wanted}
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
        for c, i in idx_of.items():
            values[c].append(_number(fields[i], f"{source}:{lineno}: column {c}"))
    if not stamps:
        raise WeatherError(f"{source}: no data rows after the column line (line {header_idx + 1})")
    pv = values.get("P")
    if pv and min(pv) < 0.0:
        bad = next(i for i, v in enumerate(pv) if v < 0.0)
        raise WeatherError(f"{source}:{header_idx + 2 + bad}: column P: negative PV power {pv[bad]}")
    poa = {c: np.array(values[c]) for c in ("G(i)", *COMPONENTS) if c in values} if has_poa else None
    plane = None
    if poa is not None:
        try:
            tilt = float(meta["Slope"].split()[0])
            azimuth = float(meta["Azimuth"].split()[0]) + 180.0
        except (KeyError, ValueError, IndexError):
            raise WeatherError(f"{source}: irradiance columns need the 'Slope:' and 'Azimuth:' header lines") from None
        plane = (tilt, azimuth % 360.0)
    return Weather(
        np.array(stamps),
        np.array(pv) if pv else None,
        np.array(values["T2m"]),
        meta,
        wind_m_s=np.array(values["WS10m"]) if "WS10m" in values else None,
        poa_w_m2=poa,
        plane_deg=plane,
        latitude_deg=_meta_float(meta, "Latitude (decimal degrees)"),
        longitude_deg=_meta_float(meta, "Longitude (decimal degrees)"),
        elevation_m=_meta_float(meta, "Elevation (m)"),
    )


def _meta_float(meta: dict, key: str) -> float | None:
    try:
        return float(meta[key].split()[0])
    except (KeyError, ValueError, IndexError):
        return None


def load_tmy(path: str | Path, tmy_year: int = 2023) -> Weather:
    """Load a PVGIS TMY CSV (pvlib reader) re-stamped onto ``tmy_year``.

    Raises
    ------
    WeatherError
        Missing file, not a PVGIS TMY, a leap ``tmy_year``, or not 8760 hourly rows.
    """
    import pandas as pd
    from pvlib.iotools import read_pvgis_tmy

    if calendar.isleap(tmy_year):
        raise WeatherError(f"tmy_year {tmy_year} is a leap year; a TMY has 8760 hours")
    try:
        data, meta = read_pvgis_tmy(str(path), map_variables=True)[:2]
    except FileNotFoundError:
        raise WeatherError(f"{path}: file not found") from None
    except Exception as err:  # pvlib raises ValueError/KeyError/IndexError on foreign files
        raise WeatherError(f"{path}: not a PVGIS TMY CSV ({type(err).__name__}: {err})") from None
    need = ("temp_air", "ghi", "dni", "dhi")
    missing = [c for c in need if c not in data.columns]
    if missing or len(data) != 8760:
        raise WeatherError(
            f"{path}: TMY needs 8760 rows with {', '.join(need)} (got {len(data)} rows, "
            f"missing {', '.join(missing) or 'nothing'})"
        )
    idx = data.index
    stamps = np.array(
        [calendar.timegm((tmy_year, m, d, h, 0, 0)) for m, d, h in zip(idx.month, idx.day, idx.hour, strict=True)],
        dtype=float,
    )
    order = np.argsort(stamps, kind="stable")
    if not np.all(np.diff(stamps[order]) == HOUR_S):
        raise WeatherError(f"{path}: TMY rows do not form one continuous hourly year")
    col = {c: data[c].to_numpy(dtype=float)[order] for c in data.columns if pd.api.types.is_numeric_dtype(data[c])}
    inputs = meta.get("inputs", {}) if isinstance(meta, dict) else {}
    flat = {
        "source": str(path),
        "format": "PVGIS TMY",
        "tmy_year": tmy_year,
        "months_selected": meta.get("months_selected") if isinstance(meta, dict) else None,
        **inputs,
    }
    return Weather(
        stamps[order],
        None,
        col["temp_air"],
        flat,
        wind_m_s=col.get("wind_speed"),
        ghi_dni_dhi_w_m2=(np.clip(col["ghi"], 0, None), np.clip(col["dni"], 0, None), np.clip(col["dhi"], 0, None)),
        latitude_deg=inputs.get("latitude"),
        longitude_deg=inputs.get("longitude"),
        elevation_m=inputs.get("elevation"),
    )


def is_tmy(path: str | Path) -> bool:
    """Whether the file looks like a PVGIS TMY (its column line starts with ``time(UTC),``)."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as fh:
            return any(line.startswith("time(UTC),") for _, line in zip(range(40), fh, strict=False))
    except OSError:
        return False


def load_weather(path: str | Path) -> Weather:
    """Load a PVGIS seriescalc or TMY CSV file (TMY recognised by its column line).

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
    if is_tmy(path):
        return load_tmy(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except FileNotFoundError:
        raise WeatherError(f"{path}: file not found") from None
    except UnicodeDecodeError as err:
        raise WeatherError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not text.strip():
        raise WeatherError(f"{path}: file is empty")
    return parse_seriescalc(text.splitlines(), str(path))
