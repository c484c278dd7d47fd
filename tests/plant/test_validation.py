"""Validation of the plant physics against data and analytic cases, each with its tolerance.

Elsewhere: tank cooling and house steady state (test_tank_house.py, < 1 %), heat-pump COP,
capacity and full-load power at every fitted point (test_heat_pump.py, < 5 %), DHW tap energy
independent of the boundary step (test_boundary.py, < 1 %).
"""

from __future__ import annotations

import calendar
import time
from dataclasses import replace

import numpy as np
import pytest

from hardware_sim.plant import model
from hardware_sim.plant.boundary import DATA_DIR, DEFAULT_WEATHER_PATH, Boundary, BoundarySeries
from hardware_sim.plant.model import Actuators
from hardware_sim.plant.params import PvArrayParams
from hardware_sim.plant.pv import SkyModel
from hardware_sim.plant.weather import load_weather
from tests.plant.conftest import JAN_START_S
from tests.plant.openloop import rules
from tests.plant.signals import sensors

TMY_PATH = DATA_DIR / "tmy_48.351_10.164_2005_2023.csv"
PV_YIELD_TOLERANCE_SEEN = 0.04  # the +3.5 % actually seen, plus margin (see test_pv_yield_of_the_bundled_file)
PV_YIELD_TOLERANCE = 0.01  # issue 11


@pytest.fixture(scope="module")
def sky():
    return SkyModel(load_weather(DEFAULT_WEATHER_PATH))


def _yields_kwh(sky):
    ac = sky.array_ac_w(PvArrayParams(tilt_deg=35.0, azimuth_deg=177.0, kwp=1.0, inverter_limit_w=1e5))
    return ac, ac.sum() / 1000.0, sky.weather.pv_w_per_kwp.sum() / 1000.0


def test_pv_yield_of_the_bundled_file_as_seen(sky):
    """Yearly yield of the file's own plane (35°, PVGIS -3° = pvlib 177°, 1 kWp, 14 % losses)
    through the pvlib chain against the PVGIS ``P`` column of the same file: +3.5 % for 2009
    (PVGIS 930 kWh/kWp, the chain 962 kWh/kWp). Tolerance = the figure seen plus margin; the
    1 % of issue 11 is the strict-xfail test below.
    """
    ac, model_kwh, pvgis_kwh = _yields_kwh(sky)
    assert pvgis_kwh == pytest.approx(930.0, abs=1.0)
    assert model_kwh == pytest.approx(pvgis_kwh, rel=PV_YIELD_TOLERANCE_SEEN)
    # hour by hour the shape follows PVGIS
    assert np.corrcoef(ac, sky.weather.pv_w_per_kwp)[0, 1] > 0.99


@pytest.mark.xfail(
    strict=True,
    reason="PVGIS' P is 7.4 % below Huld+Faiman on the file's own G(i); pvlib's "
    "Martin-Ruiz reflection explains ~4 %, the rest (spectral/temperature details) is not reproduced",
)
def test_pv_yield_of_the_bundled_file(sky):
    """Issue 11: within 1 % of the PVGIS figure of the bundled file. NOT reached.

    What was measured (2009 file, 930.0 kWh/kWp):

    * Huld (pvlib ``pvarray.huld``, PVGIS-5 c-Si coefficients) with Faiman module temperature
      (U0 = 26.9, U1 = 6.2, the file's T2m and WS10m) on the file's own G(i), times 0.86, is
      999 kWh: +7.4 %, and that excess is nearly flat over irradiance (+6.6 .. +8.4 % in every
      bin from 0-50 to 800+ W/m²), so the low-light and temperature terms of Huld match PVGIS.
    * The excess depends on the season (+5.7 % in December, +8.0 % in June): what is missing is
      a factor PVGIS applies that is not in the file (PVGIS' spectral correction for c-Si, from
      satellite spectral data, Huld & Gracia Amillo 2015, Energies 8:5159, ±6 %) and/or a hotter
      module temperature in summer than Faiman with WS10m gives.
    * Reflection (Martin & Ruiz 2001, a_r = 0.16) on the GTI-DIRINT decomposition of G(i) takes
      4.0 % off: the chain lands at +3.5 %.

    Closing the last 2.5 % would need a correction fitted to this very file (a hard-coded result),
    so it is left open.
    """
    _ac, model_kwh, pvgis_kwh = _yields_kwh(sky)
    assert model_kwh == pytest.approx(pvgis_kwh, rel=PV_YIELD_TOLERANCE)


def test_pv_arrays_orientation_and_inverter_limit(sky):
    south = sky.array_ac_w(PvArrayParams(tilt_deg=35.0, azimuth_deg=180.0, kwp=10.0, inverter_limit_w=1e5))
    east = sky.array_ac_w(PvArrayParams(tilt_deg=35.0, azimuth_deg=90.0, kwp=10.0, inverter_limit_w=1e5))
    west = sky.array_ac_w(PvArrayParams(tilt_deg=35.0, azimuth_deg=270.0, kwp=10.0, inverter_limit_w=1e5))
    assert 0.7 * south.sum() < east.sum() < 0.9 * south.sum()
    # east peaks in the morning, west in the afternoon (UTC hours of a June day)
    june = slice(24 * 170, 24 * 171)
    hours = np.arange(24)

    def centre(x):
        return (x[june] * hours).sum() / x[june].sum()

    assert centre(east) + 1.0 < centre(south) < centre(west) - 1.0
    clipped = sky.array_ac_w(PvArrayParams(tilt_deg=35.0, azimuth_deg=180.0, kwp=10.0, inverter_limit_w=5000.0))
    assert clipped.max() == pytest.approx(5000.0) and clipped.sum() < south.sum()


def test_tmy_file_runs_through_the_same_loader(params):
    w = load_weather(TMY_PATH)
    assert len(w.t_utc_s) == 8760 and np.all(np.diff(w.t_utc_s) == 3600.0)
    assert w.ghi_dni_dhi_w_m2[0].sum() / 1000.0 == pytest.approx(1217.0, abs=2.0)  # SOURCES.md
    series = BoundarySeries.from_files(params, TMY_PATH)
    assert "km" in series.weather_note and "492" not in series.weather_note
    yearly_kwh = sum(series.at(t).pv_power_w for t in w.t_utc_s[:-1]) / 1000.0
    assert 900.0 * 15.0 < yearly_kwh < 1300.0 * 15.0  # 15 kWp in Bavaria
    assert 7.0 < np.mean(w.outdoor_temp_c) < 11.0


def test_solar_gains_from_irradiance(params, boundary):
    w = load_weather(DEFAULT_WEATHER_PATH)
    gains = np.array([boundary.at(t).solar_gain_w for t in w.t_utc_s[:-1]])
    assert gains.min() == 0.0
    night = boundary.at(JAN_START_S + 0.5 * 3600).solar_gain_w
    assert night == 0.0
    # 26 m² of glazing x g 0.6 x 0.6 frame/shading ~ 9.4 m² x 500-800 kWh/(m² a) on vertical facades
    assert 3000.0 < gains.sum() / 1000.0 < 8000.0
    summer = gains[24 * 160 : 24 * 200].mean()
    winter = gains[24 * 0 : 24 * 40].mean()
    assert summer > winter > 0.0


def _year_params(params):
    """The ASP1 parameters with heavier miner/loop masses and 10 buffer layers so that 120 s
    substeps are stable: the bookkeeping (what this test checks) does not depend on those values,
    the run time does."""
    return params.model_copy(
        update={
            "buffer": params.buffer.model_copy(update={"layers": 10}),
            "simulation": params.simulation.model_copy(update={"max_substep_s": 120.0}),
            "miner_loop": params.miner_loop.model_copy(
                update={"miner_heat_capacity_j_k": 1.0e6, "water_volume_l": 400.0}
            ),
        }
    )


def test_yearly_energy_balance_closes(params, boundary):
    """A whole year (rule driver of tests/plant/openloop.py, 30 min steps): stated tolerance
    0.1 % of the heat throughput for the thermal balance, and the electrical balance per step."""
    p = type(params).model_validate(_year_params(params).model_dump())
    dt_s = 1800.0
    t0 = boundary.start_s
    state = model.initial_state(p, boundary.at(t0).outdoor_temp_c, t0)
    e0, b0 = model.stored_energy_j(state, p), state.battery_energy_j
    act = Actuators()
    heat_in = losses = batt = worst_elec = 0.0
    n = int((boundary.end_s - t0) // dt_s)
    for k in range(n):
        bnd = boundary.at(t0 + k * dt_s, dt_s)
        act = rules(act, sensors(state, p), {"battery_soc_pct": model.battery_soc_pct(state, p)}, bnd)
        state, f = model.step(state, act, bnd, p, dt_s)
        heat_in += (f.miner_heat_w + f.hp_heat_w + f.house_gain_w) * dt_s
        losses += (f.tank_loss_w + f.house_loss_w + f.dhw_draw_heat_w + f.loop_loss_w + f.dump_w) * dt_s
        batt += (f.battery_charge_w - f.battery_discharge_w - f.battery_loss_w) * dt_s
        sources = f.pv_power_w - f.pv_curtailed_w + f.grid_import_w + f.battery_discharge_w
        sinks = f.consumption_w + f.grid_export_w + f.battery_charge_w
        worst_elec = max(worst_elec, abs(sources - sinks))
    assert n * dt_s > 364 * 86400.0
    residual = heat_in - losses - (model.stored_energy_j(state, p) - e0)
    assert abs(residual) < 1e-3 * heat_in
    assert heat_in > 20_000 * 3.6e6  # a real heating year went through it
    assert worst_elec < 1e-6
    assert state.battery_energy_j - b0 == pytest.approx(batt, rel=1e-9, abs=1.0)


def test_dhw_energy_drawn_by_the_plant_does_not_depend_on_the_step(params, boundary):
    """Two days of draws from a hot DHW tank (HP blocked): 10 s and 60 s steps within 1 %."""
    day0 = JAN_START_S + 86400 - 3600.0
    drawn = {}
    for dt_s in (10.0, 60.0):
        state = model.initial_state(params, 0.0, day0)
        state = replace(state, dhw_c=(65.0,) * params.dhw.layers)
        total = 0.0
        for k in range(int(2 * 86400 / dt_s)):
            b = boundary.at(day0 + k * dt_s, dt_s)
            state, f = model.step(state, Actuators(sg_in1=True), b, params, dt_s)
            total += f.dhw_draw_heat_w * dt_s
        drawn[dt_s] = total
    assert drawn[10.0] == pytest.approx(drawn[60.0], rel=0.01)
    assert drawn[10.0] > 2 * 4.0 * 3.6e6


def test_grid_outage_keeps_the_house_on_battery_then_goes_dark(params):
    start = calendar.timegm((2009, 1, 20, 18, 0, 0))
    p = params.model_copy(update={"electrical": params.electrical.model_copy(update={"battery_capacity_kwh": 2.0})})
    state = model.initial_state(p, 0.0, start)
    act = Actuators(contactor=(True, True), miner_run=(True, True), miner_target_w=(1700.0, 1700.0), p3=True)
    dark_seen = False
    for _ in range(360):
        was_dark = state.dark
        bnd = Boundary(0.0, 0.0, 800.0, 0.0, grid_ok=False)
        state, f = model.step(state, act, bnd, p, 10.0)
        assert f.grid_import_w == 0.0 and f.grid_export_w == 0.0
        if was_dark:  # no power for the miners, pumps or the heat pump while dark
            assert f.miner_heat_w == 0.0 and f.pump_power_w == 0.0
        dark_seen |= state.dark
    assert dark_seen and f.unserved_w > 0.0
    state, f = model.step(state, act, Boundary(0.0, 0.0, 800.0, 0.0, grid_ok=True), p, 10.0)
    assert not state.dark and f.grid_import_w > 0.0


def test_dump_heat_sink_opens_above_its_temperature(params):
    p = params.model_copy(update={"dump": params.dump.model_copy(update={"enabled": True})})
    state = replace(model.initial_state(p, 0.0), loop_c=70.0)
    _, f = model.step(state, Actuators(), Boundary(0.0, 0.0, 0.0, 0.0), p, 10.0)
    assert f.dump_w > 0.8 * p.dump.ua_w_k * 70.0
    cool = replace(model.initial_state(p, 0.0), loop_c=40.0)
    _, f = model.step(cool, Actuators(), Boundary(0.0, 0.0, 0.0, 0.0), p, 10.0)
    assert f.dump_w == 0.0


def test_seriescalc_with_irradiance_components_round_trips(tmp_path, sky):
    """A seriescalc file with Gb(i), Gd(i), Gr(i) (PVGIS ``components=1``): written from the
    bundled year's own plane split, read back, inverted to DNI/DHI and transposed again onto the
    same plane, the array yield agrees within 2 %."""
    w = sky.weather
    beam, diffuse, ground, _ = sky.plane(35.0, 177.0)
    src = DEFAULT_WEATHER_PATH.read_text().splitlines()
    head = src[: src.index(next(x for x in src if x.startswith("time,")))]
    rows = []
    for k in range(24 * 31 * 5, 24 * 31 * 6):  # about June
        tm = time.gmtime(w.t_utc_s[k])
        rows.append(
            f"{tm.tm_year:04d}{tm.tm_mon:02d}{tm.tm_mday:02d}:{tm.tm_hour:02d}{tm.tm_min:02d},"
            f"{beam[k]:.2f},{diffuse[k]:.2f},{ground[k]:.2f},{w.outdoor_temp_c[k]},{w.wind_m_s[k]}"
        )
    path = tmp_path / "Timeseries_components.csv"
    path.write_text("\n".join(head + ["time,Gb(i),Gd(i),Gr(i),T2m,WS10m"] + rows) + "\n\nPVGIS (c) European Union\n")
    comp = load_weather(path)
    assert set(comp.poa_w_m2) == {"Gb(i)", "Gd(i)", "Gr(i)"} and comp.pv_w_per_kwp is None
    array = PvArrayParams(tilt_deg=35.0, azimuth_deg=177.0, kwp=1.0, inverter_limit_w=1e5)
    again = SkyModel(comp).array_ac_w(array).sum()
    original = sky.array_ac_w(array)[24 * 31 * 5 : 24 * 31 * 6].sum()
    assert again == pytest.approx(original, rel=0.02)


def test_grid_outage_schedule_from_the_parameters(params):
    outage = {"start_local": "2009-02-10T08:00", "hours": 4.0}
    p = type(params).model_validate(
        {**params.model_dump(), "electrical": {**params.electrical.model_dump(), "grid_outages": [outage]}}
    )
    series = BoundarySeries.from_files(p)
    start_utc = calendar.timegm((2009, 2, 10, 7, 0, 0))  # 08:00 CET
    assert series.at(start_utc - 1.0).grid_ok and not series.at(start_utc).grid_ok
    assert not series.at(start_utc + 4 * 3600 - 1.0).grid_ok and series.at(start_utc + 4 * 3600).grid_ok
