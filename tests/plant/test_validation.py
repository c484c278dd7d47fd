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
from hardware_sim.plant.pv import SkyModel, pvgis_file_array
from hardware_sim.plant.pvgis_compare import binned_ratio, monthly_kwh, report
from hardware_sim.plant.pvgis_compare import main as compare_main
from hardware_sim.plant.weather import WeatherError, load_weather
from tests.plant.conftest import JAN_START_S
from tests.plant.openloop import rules
from tests.plant.signals import sensors

TMY_PATH = DATA_DIR / "tmy_48.351_10.164_2005_2023.csv"
PV_YIELD_TOLERANCE = 0.01  # issue 11, yearly; the same tolerance is asked of every month
# The bundled file's header does not state the mounting PVGIS was asked for. Its P is the chain of
# pv.py with PVGIS' building-integrated module temperature (U0 = 20.0, U1 = 3.2): +0.5 % a year
# and +0.4..+0.6 % in every month, flat over irradiance and wind; with free-standing modules
# (26.9, 6.2) the chain is +3.7 % and the excess grows with irradiance (hotter modules), see
# test_the_bundled_file_was_computed_for_building_integrated_modules. The same chain with
# free-standing modules reproduces a PVGIS-SARAH file of the same source (LAEND, 47.658 N
# 9.169 E, 2007-2016) within +0.5 % (README.md, "Validation").
BUNDLED_FILE_MOUNTING = "building-integrated"


@pytest.fixture(scope="module")
def sky():
    return SkyModel(load_weather(DEFAULT_WEATHER_PATH))


def test_pv_yield_of_the_bundled_file(sky):
    """Issue 11: the chain on the file's own system (header: 1 kWp c-Si, 14 % loss, 35°/-3°)
    within 1 % of the file's PVGIS ``P`` over the year, and in every month."""
    w = sky.weather
    array = pvgis_file_array(w, mounting=BUNDLED_FILE_MOUNTING)
    ac = sky.array_ac_w(array)
    assert w.pv_w_per_kwp.sum() / 1000.0 == pytest.approx(930.0, abs=1.0)  # SOURCES.md
    assert ac.sum() == pytest.approx(w.pv_w_per_kwp.sum(), rel=PV_YIELD_TOLERANCE)
    monthly = monthly_kwh(w.t_utc_s, ac) / monthly_kwh(w.t_utc_s, w.pv_w_per_kwp)
    assert np.all(np.abs(monthly - 1.0) < PV_YIELD_TOLERANCE), monthly
    assert np.corrcoef(ac, w.pv_w_per_kwp)[0, 1] > 0.995  # hour by hour


def test_the_bundled_file_was_computed_for_building_integrated_modules(sky):
    """Free-standing modules leave an excess that grows with irradiance at any wind speed (the
    signature of modules ~10 K cooler at 1000 W/m² than the file's); building-integrated ones
    leave none."""
    w = sky.weather
    free = sky.array_ac_w(pvgis_file_array(w))
    built = sky.array_ac_w(pvgis_file_array(w, mounting="building-integrated"))
    assert 1.03 < free.sum() / w.pv_w_per_kwp.sum() < 1.045
    poa = sum(sky.plane(35.0, 177.0)[:3])
    edges = [0.0, 200.0, 400.0, 600.0, 800.0, 1400.0]
    free_ratio = [r for *_, r in binned_ratio(w.pv_w_per_kwp, free, poa, edges)]
    built_ratio = [r for *_, r in binned_ratio(w.pv_w_per_kwp, built, poa, edges)]
    assert free_ratio[0] > 0.99 and free_ratio[-1] < 0.95 and np.all(np.diff(free_ratio) < 0.0)
    assert max(built_ratio) - min(built_ratio) < 0.02


def test_pvgis_compare_reports_both_mountings_and_refuses_a_file_without_p(capsys, sky):
    text = report(sky.weather)
    assert "free-standing" in text and "building-integrated" in text and "+0.46 %" in text
    assert compare_main([str(TMY_PATH)]) == 2
    assert "no P column" in capsys.readouterr().err


def test_pvgis_file_array_reads_the_header(tmp_path, sky):
    a = pvgis_file_array(sky.weather)
    assert (a.tilt_deg, a.azimuth_deg, a.kwp, a.losses_pct, a.mounting) == (35.0, 177.0, 1.0, 14.0, "free-standing")
    text = DEFAULT_WEATHER_PATH.read_text().replace("System losses (%):\t14.0\n", "")
    path = tmp_path / "no_loss_line.csv"
    path.write_text(text)
    with pytest.raises(WeatherError, match="System losses"):
        pvgis_file_array(load_weather(path))
    with pytest.raises(WeatherError, match="plane"):
        pvgis_file_array(load_weather(TMY_PATH))


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
    built = sky.array_ac_w(
        PvArrayParams(tilt_deg=35.0, azimuth_deg=180.0, kwp=10.0, inverter_limit_w=1e5, mounting="building-integrated")
    )
    assert 0.95 * south.sum() < built.sum() < 0.985 * south.sum()  # hotter modules


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
    """A seriescalc file with Gb(i), Gd(i), Gr(i) (PVGIS ``components=1``), written from the
    bundled year's own plane split: on its own plane the components are used as they are (the
    yield agrees to the rounding of the file), on another plane they go through DNI/DHI and
    Perez like any other weather."""
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
    assert again == pytest.approx(original, rel=1e-4)
    flat = PvArrayParams(tilt_deg=10.0, azimuth_deg=177.0, kwp=1.0, inverter_limit_w=1e5)
    via_components = SkyModel(comp).array_ac_w(flat).sum()
    via_gti = sky.array_ac_w(flat)[24 * 31 * 5 : 24 * 31 * 6].sum()
    assert via_components == pytest.approx(via_gti, rel=0.03)
    assert via_components > again  # June: the sun is high, 10° gets more than 35°


def test_grid_outage_schedule_from_the_parameters(params):
    outage = {"start_local": "2009-02-10T08:00", "hours": 4.0}
    p = type(params).model_validate(
        {**params.model_dump(), "electrical": {**params.electrical.model_dump(), "grid_outages": [outage]}}
    )
    series = BoundarySeries.from_files(p)
    start_utc = calendar.timegm((2009, 2, 10, 7, 0, 0))  # 08:00 CET
    assert series.at(start_utc - 1.0).grid_ok and not series.at(start_utc).grid_ok
    assert not series.at(start_utc + 4 * 3600 - 1.0).grid_ok and series.at(start_utc + 4 * 3600).grid_ok
