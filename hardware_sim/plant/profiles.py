"""Household electricity (BDEW H25) and DHW tapping (EU 814/2013 cycle "M") profiles.

Household load
    BDEW standard load profile H25 (2025), as shipped by oemof/demandlib
    (``src/demandlib/bdew/bdew_data/h25.csv``, MIT; copy in ``data/bdew_h25.csv``): 96
    quarter-hour energies [kWh] per month and day type, normalised to 1,000,000 kWh/a.
    Day types: ``WT`` Monday-Friday, ``SA`` Saturday and also 24 and 31 December (BDEW
    convention), ``FT`` Sunday and public holidays (the nationwide German holidays plus the
    Bavarian ones: 6 Jan, Corpus Christi, 15 Aug, 1 Nov). H25 is a *dynamic* profile: each
    day is multiplied by the BDEW dynamisation polynomial
    ``F(t) = -3.92e-10 t^4 + 3.2e-7 t^3 - 7.02e-5 t^2 + 2.1e-3 t + 1.24`` (t = day of year),
    as demandlib does; the series is then rescaled so that each calendar year sums to the
    configured annual energy exactly.

DHW draws
    The 24 h tapping cycle "M" of Commission Regulation (EU) No 814/2013, Annex III, Table 1
    (also EN 16147): 23 tappings, 5.845 kWh/day of useful energy, at the standard's flow rates
    (3 l/min small/cleaning, 4 l/min dishwashing, 6 l/min shower). Each tapping delivers its
    energy at its tap temperature from cold water at ``cold_water_temp_c`` (EN 16147: 10 °C):
    dishwashing at its peak temperature 55 °C (Table 1 "Tp"), the others at the mixer setting
    ``tap_temp_c`` (40 °C, *assumed*), so its tap mass is ``E / (c_p (T_tap - T_cold))``.
    Day-to-day variation (*assumed*, reproducible from ``draw_seed``): every day's energies are
    scaled by a log-normal factor (sigma ``draw_day_sigma``, renormalised so the mean over the
    series is exactly 1, clipped to [0.4, 1.8]) and the whole day is shifted by a uniform
    offset within +/- ``draw_shift_max_s``. Times are local time.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hardware_sim.plant.params import WATER_CP_J_KG_K

DAY_TYPES = ("SA", "FT", "WT")

# (local time "HH:MM", energy [kWh], flow [l/min]) - EU 814/2013 Annex III Table 1, profile M.
TAPPING_CYCLE_M: tuple[tuple[str, float, float], ...] = (
    ("07:00", 0.105, 3.0),
    ("07:05", 1.400, 6.0),
    ("07:30", 0.105, 3.0),
    ("08:01", 0.105, 3.0),
    ("08:15", 0.105, 3.0),
    ("08:30", 0.105, 3.0),
    ("08:45", 0.105, 3.0),
    ("09:00", 0.105, 3.0),
    ("09:30", 0.105, 3.0),
    ("10:30", 0.105, 3.0),
    ("11:30", 0.105, 3.0),
    ("11:45", 0.105, 3.0),
    ("12:45", 0.315, 4.0),
    ("14:30", 0.105, 3.0),
    ("15:30", 0.105, 3.0),
    ("16:30", 0.105, 3.0),
    ("18:00", 0.105, 3.0),
    ("18:15", 0.105, 3.0),
    ("18:30", 0.105, 3.0),
    ("19:00", 0.105, 3.0),
    ("20:30", 0.735, 4.0),
    ("21:15", 0.105, 3.0),
    ("21:30", 1.400, 6.0),
)


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and line."""


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def bavarian_holidays(year: int) -> set[dt.date]:
    """Public holidays in Bavaria (nationwide ones plus 6 Jan, Corpus Christi, 15 Aug, 1 Nov)."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (1, 6), (5, 1), (8, 15), (10, 3), (11, 1), (12, 25), (12, 26)]
    movable = [-2, 1, 39, 50, 60]  # Good Friday, Easter Monday, Ascension, Whit Monday, Corpus Christi
    days = {dt.date(year, m, d) for m, d in fixed}
    days.update(easter + dt.timedelta(days=o) for o in movable)
    return days


def day_type(day: dt.date, holidays: set[dt.date]) -> str:
    """BDEW day type of a date: ``WT``, ``SA`` or ``FT`` (see module docstring)."""
    if day.weekday() == 6 or day in holidays:
        return "FT"
    if day.weekday() == 5 or (day.month == 12 and day.day in (24, 31)):
        return "SA"
    return "WT"


def dynamisation_factor(day_of_year: int) -> float:
    """BDEW dynamisation polynomial F(t) for day ``t`` of the year (1-based) [-]."""
    t = float(day_of_year)
    return -3.92e-10 * t**4 + 3.2e-7 * t**3 - 7.02e-5 * t**2 + 2.1e-3 * t + 1.24


@dataclass(frozen=True)
class LoadProfileTable:
    """BDEW typical-day table: ``kwh[month-1, day_type_index, quarter]`` [kWh per 15 min]."""

    kwh: np.ndarray
    source: str


def load_bdew_table(path: str | Path) -> LoadProfileTable:
    """Read ``bdew_h25.csv`` (demandlib layout: 2 header rows, 96 rows x 36 columns).

    Raises
    ------
    ProfileError
        Missing file, wrong header/shape or a non-numeric value (names line and column).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ProfileError(f"{path}: file not found") from None
    if len(lines) < 98:
        raise ProfileError(f"{path}: expected 2 header rows and 96 quarter-hour rows, got {len(lines)} lines")
    kinds = [c.strip() for c in lines[1].split(",")[1:]]
    if kinds != list(DAY_TYPES) * 12:
        raise ProfileError(f"{path}:2: day-type row must be SA,FT,WT repeated for 12 months")
    table = np.zeros((12, 3, 96))
    for q in range(96):
        fields = lines[2 + q].split(",")
        if len(fields) != 37:
            raise ProfileError(f"{path}:{q + 3}: {len(fields)} fields, expected 37")
        for col in range(36):
            try:
                table[col // 3, col % 3, q] = float(fields[col + 1])
            except ValueError:
                raise ProfileError(f"{path}:{q + 3}: column {col + 2}: {fields[col + 1]!r} is not a number") from None
    return LoadProfileTable(table, str(path))


def household_quarter_hours(table: LoadProfileTable, year: int, annual_kwh: float) -> np.ndarray:
    """Quarter-hour mean household power for one local calendar year [W].

    Returns an array of ``days_in_year * 96`` values, index 0 = 1 January 00:00-00:15 local
    time, summing (x 0.25 h) to ``annual_kwh`` exactly.
    """
    holidays = bavarian_holidays(year)
    n_days = 366 if calendar.isleap(year) else 365
    start = dt.date(year, 1, 1)
    rows = []
    for d in range(n_days):
        day = start + dt.timedelta(days=d)
        kind = DAY_TYPES.index(day_type(day, holidays))
        rows.append(table.kwh[day.month - 1, kind] * dynamisation_factor(d + 1))
    kwh = np.concatenate(rows)
    total = kwh.sum()
    if total <= 0.0:
        raise ProfileError(f"{table.source}: profile sums to zero")
    return kwh * (annual_kwh / total) * 4000.0  # kWh per 15 min -> W


DISHWASHING_FLOW_L_MIN = 4.0


@dataclass(frozen=True)
class DhwTapping:
    """One tapping: local start [s after midnight], duration [s], tap mass flow [kg/s],
    tap temperature [°C]."""

    start_s: float
    duration_s: float
    tap_kg_s: float
    tap_temp_c: float = 40.0


def tapping_cycle(
    cold_water_temp_c: float,
    tap_temp_c: float,
    cycle: tuple[tuple[str, float, float], ...] = TAPPING_CYCLE_M,
    dishwashing_temp_c: float | None = None,
    scale: float = 1.0,
) -> tuple[DhwTapping, ...]:
    """Convert a tapping cycle to tap mass flows (see module docstring).

    ``dishwashing_temp_c`` (None = ``tap_temp_c``) applies to the 4 l/min tappings; ``scale``
    multiplies every tapping's energy (its duration, the flow rate is the standard's).

    Raises
    ------
    ValueError
        A tap temperature not above ``cold_water_temp_c``, or tappings that overlap.
    """
    dish_c = tap_temp_c if dishwashing_temp_c is None else dishwashing_temp_c
    if min(tap_temp_c, dish_c) <= cold_water_temp_c:
        raise ValueError(f"tap temperatures must exceed cold_water_temp_c {cold_water_temp_c}")
    out = []
    for hhmm, energy_kwh, flow_l_min in cycle:
        hour, minute = (int(x) for x in hhmm.split(":"))
        temp = dish_c if flow_l_min == DISHWASHING_FLOW_L_MIN else tap_temp_c
        mass_kg = scale * energy_kwh * 3.6e6 / (WATER_CP_J_KG_K * (temp - cold_water_temp_c))
        kg_s = flow_l_min / 60.0  # 1 l of tap water ~ 1 kg
        out.append(DhwTapping(hour * 3600.0 + minute * 60.0, mass_kg / kg_s, kg_s, temp))
    for a, b in zip(out, out[1:], strict=False):
        if a.start_s + a.duration_s > b.start_s:
            raise ValueError(f"tapping at {a.start_s / 3600:.2f} h overlaps the next one")
    return tuple(out)


def dhw_day_variation(n_days: int, sigma: float, shift_max_s: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-day energy factors (mean exactly 1) and time shifts [s] (see module docstring)."""
    rng = np.random.default_rng(seed)
    factor = rng.lognormal(0.0, sigma, n_days) if sigma > 0.0 else np.ones(n_days)
    factor = np.clip(factor / factor.mean(), 0.4, 1.8)
    factor = factor / factor.mean()
    shift = rng.uniform(-shift_max_s, shift_max_s, n_days) if shift_max_s > 0.0 else np.zeros(n_days)
    return factor, shift
