"""Boundary conditions of the plant (weather, PV, household load, DHW draws) at any UTC time.

:class:`BoundarySeries` precomputes everything when it is built, so :meth:`BoundarySeries.at`
is a few index operations (about 1 us; ``python -m hardware_sim.plant.bench``).
"""

from __future__ import annotations

import bisect
import calendar
import time
from dataclasses import dataclass
from pathlib import Path

from hardware_sim.plant.params import PlantParams
from hardware_sim.plant.profiles import (
    DhwTapping,
    LoadProfileTable,
    household_quarter_hours,
    load_bdew_table,
    tapping_cycle,
)
from hardware_sim.plant.weather import Weather, WeatherError, load_weather

__all__ = ["Boundary", "BoundarySeries", "load_weather", "Weather", "WeatherError", "DATA_DIR",
           "DEFAULT_WEATHER_PATH", "DEFAULT_LOAD_PATH"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_WEATHER_PATH = DATA_DIR / "Timeseries_48.642_9.958_CM_1kWp_crystSi_14_35deg_-3deg_2009.csv"
DEFAULT_LOAD_PATH = DATA_DIR / "bdew_h25.csv"
DAY_S = 86400.0
QUARTER_S = 900.0


@dataclass(frozen=True, slots=True)
class Boundary:
    """Boundary values at one instant.

    outdoor_temp_c : outdoor air temperature [°C]
    pv_power_w : PV AC power of the whole array [W] (PVGIS P x kWp)
    household_load_w : household electricity demand (without miners, HP, pumps) [W]
    dhw_draw_kg_s : hot water flowing at the taps, at ``dhw.tap_temp_c`` [kg/s]
    grid_ok : the public grid is there (False: an outage, scenario files)
    """

    outdoor_temp_c: float
    pv_power_w: float
    household_load_w: float
    dhw_draw_kg_s: float
    grid_ok: bool = True


class BoundarySeries:
    """Boundary values over the period of one weather file.

    Parameters
    ----------
    weather : Weather
        Hourly PV [W/kWp] and temperature [°C]; linearly interpolated between stamps.
    load_profile : LoadProfileTable
        BDEW table; scaled to ``params.electrical.household_annual_kwh`` per calendar year and
        held per quarter hour (local time, ``params.simulation.utc_offset_h``, no DST).
    dhw_profile : tuple of DhwTapping
        Daily tapping cycle in local time (see :func:`profiles.tapping_cycle`).
    params : PlantParams
        For the PV peak power, annual household energy and the UTC offset.
    """

    def __init__(self, weather: Weather, load_profile: LoadProfileTable,
                 dhw_profile: tuple[DhwTapping, ...], params: PlantParams) -> None:
        self.start_s: float = weather.start_s
        self.end_s: float = weather.end_s
        self._t0 = weather.start_s
        kwp = params.electrical.pv_peak_kwp
        self._pv_w = [float(v) * kwp for v in weather.pv_w_per_kwp]
        self._temp_c = [float(v) for v in weather.outdoor_temp_c]
        self._offset_s = params.simulation.utc_offset_h * 3600.0
        first_year = _local_year(self.start_s, self._offset_s)
        last_year = _local_year(self.end_s, self._offset_s)
        load: list[float] = []
        for year in range(first_year, last_year + 1):
            load.extend(float(v) for v in household_quarter_hours(
                load_profile, year, params.electrical.household_annual_kwh))
        self._load_w = load
        self._load_t0 = calendar.timegm((first_year, 1, 1, 0, 0, 0, 0, 0, 0)) - self._offset_s
        self._tap_start = [tp.start_s for tp in dhw_profile]
        self._tap_end = [tp.start_s + tp.duration_s for tp in dhw_profile]
        self._tap_kg_s = [tp.tap_kg_s for tp in dhw_profile]
        self.weather_meta = dict(weather.meta)

    @classmethod
    def from_files(cls, params: PlantParams, weather_path: str | Path = DEFAULT_WEATHER_PATH,
                   load_path: str | Path = DEFAULT_LOAD_PATH) -> "BoundarySeries":
        """Build from the bundled (or given) PVGIS and BDEW files and tapping cycle M.

        Raises
        ------
        WeatherError, ProfileError
            When a file is missing or malformed.
        """
        dhw = params.dhw
        return cls(load_weather(weather_path), load_bdew_table(load_path),
                   tapping_cycle(dhw.cold_water_temp_c, dhw.tap_temp_c), params)

    def at(self, t_utc_s: float) -> Boundary:
        """Boundary values at UTC time ``t_utc_s`` [s].

        Raises
        ------
        ValueError
            ``t_utc_s`` outside ``[start_s, end_s]``.
        """
        if not self.start_s <= t_utc_s <= self.end_s:
            raise ValueError(f"t_utc_s={t_utc_s} outside the boundary series [{self.start_s}, {self.end_s}]")
        x = (t_utc_s - self._t0) / 3600.0
        i = int(x)
        if i >= len(self._pv_w) - 1:
            i = len(self._pv_w) - 2
        f = x - i
        pv = self._pv_w[i] + (self._pv_w[i + 1] - self._pv_w[i]) * f
        temp = self._temp_c[i] + (self._temp_c[i + 1] - self._temp_c[i]) * f
        load = self._load_w[int((t_utc_s - self._load_t0) // QUARTER_S)]
        tod = (t_utc_s + self._offset_s) % DAY_S
        k = bisect.bisect_right(self._tap_start, tod) - 1
        draw = self._tap_kg_s[k] if k >= 0 and tod < self._tap_end[k] else 0.0
        return Boundary(temp, pv, load, draw)


def _local_year(t_utc_s: float, offset_s: float) -> int:
    return time.gmtime(t_utc_s + offset_s).tm_year
