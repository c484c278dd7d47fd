"""Boundary conditions of the plant (weather, PV, household load, DHW draws) at any UTC time.

:class:`BoundarySeries` precomputes everything when it is built, so :meth:`BoundarySeries.at`
is a few index operations (a few us; ``python -m hardware_sim.plant.bench``).
"""

from __future__ import annotations

import bisect
import calendar
import math
import time
from dataclasses import dataclass
from pathlib import Path

from hardware_sim.plant.params import PlantParams
from hardware_sim.plant.profiles import (
    DhwTapping,
    LoadProfileTable,
    dhw_day_variation,
    household_quarter_hours,
    load_bdew_table,
    tapping_cycle,
)
from hardware_sim.plant.pv import SkyModel, pv_ac_w
from hardware_sim.plant.weather import Weather, WeatherError, load_weather

__all__ = [
    "Boundary",
    "BoundarySeries",
    "load_weather",
    "Weather",
    "WeatherError",
    "DATA_DIR",
    "DEFAULT_WEATHER_PATH",
    "DEFAULT_LOAD_PATH",
]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_WEATHER_PATH = DATA_DIR / "Timeseries_48.642_9.958_CM_1kWp_crystSi_14_35deg_-3deg_2009.csv"
DEFAULT_LOAD_PATH = DATA_DIR / "bdew_h25.csv"
DAY_S = 86400.0
QUARTER_S = 900.0


@dataclass(frozen=True, slots=True)
class Boundary:
    """Boundary values at one instant (or means over one step, see ``BoundarySeries.at``).

    outdoor_temp_c : outdoor air temperature at the site [°C]
    pv_power_w : PV AC power of all arrays [W]
    household_load_w : household electricity demand (without miners, HP, pumps) [W]
    dhw_draw_kg_s : hot water flowing at the taps [kg/s] (mean over the step)
    dhw_tap_temp_c : temperature of that tap water [°C] (mass-weighted over the step)
    solar_gain_w : solar gains through the windows [W]
    grid_ok : the public grid is there (False during a scheduled outage)
    """

    outdoor_temp_c: float
    pv_power_w: float
    household_load_w: float
    dhw_draw_kg_s: float
    dhw_tap_temp_c: float = 40.0
    solar_gain_w: float = 0.0
    grid_ok: bool = True


class BoundarySeries:
    """Boundary values over the period of one weather file, precomputed once.

    Parameters
    ----------
    weather : Weather
        PVGIS seriescalc or TMY; PV (:mod:`pv`) and solar gains per hour, linearly interpolated.
        The air temperature is moved from the weather point's elevation to the site's with
        ``site.temperature_lapse_k_per_km`` (ICAO standard atmosphere 6.5 K/km);
        :attr:`weather_note` states distance, direction and height difference of the point.
    load_profile : LoadProfileTable
        BDEW table; scaled to ``params.electrical.household_annual_kwh`` per calendar year and
        held per quarter hour (local time, ``params.simulation.utc_offset_h``, no DST).
    dhw_profile : tuple of DhwTapping
        Daily tapping cycle in local time (see :func:`profiles.tapping_cycle`), varied per day.
    params : PlantParams
    """

    def __init__(
        self, weather: Weather, load_profile: LoadProfileTable, dhw_profile: tuple[DhwTapping, ...], params: PlantParams
    ) -> None:
        self.start_s: float = weather.start_s
        self.end_s: float = weather.end_s
        self._t0 = weather.start_s
        site = params.site
        sky = SkyModel(weather, site.albedo)
        self._pv_w = [float(v) for v in pv_ac_w(sky, params.electrical.pv_arrays)]
        self._gain_w = [float(v) for v in sky.solar_gains_w(params.house)]
        dz_m = (weather.elevation_m if weather.elevation_m is not None else site.elevation_m) - site.elevation_m
        lapse_k = site.temperature_lapse_k_per_km * dz_m / 1000.0
        self._temp_c = [float(v) + lapse_k for v in weather.outdoor_temp_c]
        self.weather_note = _weather_note(weather, params, dz_m, lapse_k)
        self._offset_s = params.simulation.utc_offset_h * 3600.0
        first_year = _local_year(self.start_s, self._offset_s)
        last_year = _local_year(self.end_s, self._offset_s)
        load: list[float] = []
        for year in range(first_year, last_year + 1):
            load.extend(
                float(v) for v in household_quarter_hours(load_profile, year, params.electrical.household_annual_kwh)
            )
        self._load_w = load
        self._load_t0 = calendar.timegm((first_year, 1, 1, 0, 0, 0, 0, 0, 0)) - self._offset_s
        self._build_draws(dhw_profile, params, first_year, last_year)
        self._outages = [_outage_utc(o.start_local, o.hours, self._offset_s) for o in params.electrical.grid_outages]
        self.weather_meta = dict(weather.meta)
        self.weather_meta["site_note"] = self.weather_note

    def _build_draws(self, cycle: tuple[DhwTapping, ...], params: PlantParams, first: int, last: int) -> None:
        """Tapping events over the whole series (UTC) and their cumulative mass and mass x temperature."""
        d0 = calendar.timegm((first, 1, 1, 0, 0, 0, 0, 0, 0)) - self._offset_s
        n_days = (calendar.timegm((last + 1, 1, 1, 0, 0, 0, 0, 0, 0)) - self._offset_s - d0) // DAY_S
        dp = params.dhw
        factor, shift = dhw_day_variation(int(n_days), dp.draw_day_sigma, dp.draw_shift_max_s, dp.draw_seed)
        starts, ends, rates, temps = [], [], [], []
        for d in range(int(n_days)):
            for tp in cycle:
                s0 = d0 + d * DAY_S + shift[d] + tp.start_s
                starts.append(s0)
                ends.append(s0 + tp.duration_s * factor[d])
                rates.append(tp.tap_kg_s)
                temps.append(tp.tap_temp_c)
        cum_m, cum_mt = [0.0], [0.0]
        for s0, s1, r, t in zip(starts, ends, rates, temps, strict=True):
            cum_m.append(cum_m[-1] + r * (s1 - s0))
            cum_mt.append(cum_mt[-1] + r * t * (s1 - s0))
        self._tap_start, self._tap_end, self._tap_kg_s, self._tap_c = starts, ends, rates, temps
        self._cum_m, self._cum_mt = cum_m, cum_mt

    def _drawn(self, t: float) -> tuple[float, float]:
        """Cumulative tap mass [kg] and mass x temperature [kg °C] up to UTC ``t``."""
        k = bisect.bisect_right(self._tap_start, t) - 1
        if k < 0:
            return 0.0, 0.0
        part = min(t, self._tap_end[k]) - self._tap_start[k]
        m = self._tap_kg_s[k] * part
        return self._cum_m[k] + m, self._cum_mt[k] + m * self._tap_c[k]

    def dhw_kg(self, t0_utc_s: float, t1_utc_s: float) -> float:
        """Tap water drawn between two instants [kg] (exact integral of the schedule)."""
        return self._drawn(t1_utc_s)[0] - self._drawn(t0_utc_s)[0]

    @classmethod
    def from_files(
        cls,
        params: PlantParams,
        weather_path: str | Path = DEFAULT_WEATHER_PATH,
        load_path: str | Path = DEFAULT_LOAD_PATH,
    ) -> BoundarySeries:
        """Build from the bundled (or given) PVGIS seriescalc/TMY and BDEW files and cycle M.

        Raises
        ------
        WeatherError, ProfileError
            When a file is missing or malformed.
        """
        dhw = params.dhw
        return cls(
            load_weather(weather_path),
            load_bdew_table(load_path),
            tapping_cycle(dhw.cold_water_temp_c, dhw.tap_temp_c, dishwashing_temp_c=dhw.dishwashing_tap_temp_c),
            params,
        )

    def at(self, t_utc_s: float, dt_s: float = 0.0) -> Boundary:
        """Boundary values at UTC time ``t_utc_s`` [s]; with ``dt_s`` > 0 the DHW draw is the
        exact mean over [t, t + dt_s] (so its energy does not depend on the step), else the
        instantaneous flow.

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
        gain = self._gain_w[i] + (self._gain_w[i + 1] - self._gain_w[i]) * f
        load = self._load_w[int((t_utc_s - self._load_t0) // QUARTER_S)]
        if dt_s > 0.0:
            m0, mt0 = self._drawn(t_utc_s)
            m1, mt1 = self._drawn(t_utc_s + dt_s)
            draw = (m1 - m0) / dt_s
            tap_c = (mt1 - mt0) / (m1 - m0) if m1 > m0 else 40.0
        else:
            k = bisect.bisect_right(self._tap_start, t_utc_s) - 1
            on = k >= 0 and t_utc_s < self._tap_end[k]
            draw = self._tap_kg_s[k] if on else 0.0
            tap_c = self._tap_c[k] if on else 40.0
        grid_ok = True
        for a, b in self._outages:
            if a <= t_utc_s < b:
                grid_ok = False
        return Boundary(temp, pv, load, draw, tap_c, gain, grid_ok)


def _outage_utc(start_local: str, hours: float, offset_s: float) -> tuple[float, float]:
    y, mo, d = (int(v) for v in start_local[:10].split("-"))
    h, mi = (int(v) for v in start_local[11:].split(":"))
    a = calendar.timegm((y, mo, d, h, mi, 0, 0, 0, 0)) - offset_s
    return a, a + hours * 3600.0


def _weather_note(weather: Weather, params: PlantParams, dz_m: float, lapse_k: float) -> str:
    """One sentence: where the weather point lies relative to the site and what is corrected."""
    site = params.site
    if weather.latitude_deg is None or weather.longitude_deg is None:
        return "weather point unknown (no latitude/longitude in the file)"
    lat1, lon1 = math.radians(site.latitude_deg), math.radians(site.longitude_deg)
    lat2, lon2 = math.radians(weather.latitude_deg), math.radians(weather.longitude_deg)
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371.0 * math.asin(math.sqrt(a))
    bearing = (
        math.degrees(
            math.atan2(
                math.sin(lon2 - lon1) * math.cos(lat2),
                math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1),
            )
        )
        % 360.0
    )
    compass = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")[int((bearing + 22.5) // 45) % 8]
    return (
        f"weather point {weather.latitude_deg:.3f} N {weather.longitude_deg:.3f} E is {km:.0f} km {compass} "
        f"of the site ({site.latitude_deg:.2f} N {site.longitude_deg:.2f} E) and {dz_m:+.0f} m above it; "
        f"air temperature corrected by {lapse_k:+.2f} K "
        f"({site.temperature_lapse_k_per_km:g} K/km), irradiance used as is"
    )


def _local_year(t_utc_s: float, offset_s: float) -> int:
    return time.gmtime(t_utc_s + offset_s).tm_year
