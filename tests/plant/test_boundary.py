"""Boundary series: PV scaling, household energy, DHW tapping energy, range checks; determinism."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from hardware_sim.plant import model
from hardware_sim.plant.boundary import DEFAULT_WEATHER_PATH
from hardware_sim.plant.model import Actuators
from hardware_sim.plant.profiles import (
    TAPPING_CYCLE_M,
    bavarian_holidays,
    day_type,
    easter_sunday,
    tapping_cycle,
)
from hardware_sim.plant.weather import load_weather
from tests.plant.conftest import JAN_START_S


def test_pv_is_pvgis_p_times_kwp(params, boundary):
    w = load_weather(DEFAULT_WEATHER_PATH)
    i = 4000
    assert boundary.at(float(w.t_utc_s[i])).pv_power_w == pytest.approx(w.pv_w_per_kwp[i] * 15.0)
    assert boundary.at(float(w.t_utc_s[i])).outdoor_temp_c == pytest.approx(w.outdoor_temp_c[i])
    mid = 0.5 * (w.t_utc_s[i] + w.t_utc_s[i + 1])
    assert boundary.at(mid).outdoor_temp_c == pytest.approx(0.5 * (w.outdoor_temp_c[i] + w.outdoor_temp_c[i + 1]))


def test_household_energy_over_a_year_is_the_configured_annual_energy(params, boundary):
    # quarter-hour values are held, so sampling mid-quarter integrates exactly
    start = calendar.timegm((2009, 1, 1, 0, 0, 0)) - 3600.0 + 450.0  # local midnight CET
    t_first = max(start, boundary.start_s)
    total_j = 0.0
    t = start
    while t < start + 365 * 86400:
        if boundary.start_s <= t <= boundary.end_s:
            total_j += boundary.at(t).household_load_w * 900.0
        t += 900.0
    # the first 55 minutes of the local year lie before the weather file starts (< 0.1 %)
    assert total_j / 3.6e6 == pytest.approx(params.electrical.household_annual_kwh, rel=2e-3)
    assert t_first > start


def test_dhw_draw_energy_per_day_is_tapping_cycle_m(params, boundary):
    dp = params.dhw
    day0 = JAN_START_S + 86400 - 3600.0  # a local midnight
    kg = sum(boundary.at(day0 + s).dhw_draw_kg_s for s in range(86400))
    energy_kwh = kg * 4186.0 * (dp.tap_temp_c - dp.cold_water_temp_c) / 3.6e6
    assert energy_kwh == pytest.approx(5.845, rel=0.01)
    assert sum(e for _, e, _ in TAPPING_CYCLE_M) == pytest.approx(5.845)
    assert len(TAPPING_CYCLE_M) == 23
    assert boundary.at(day0 + 7 * 3600 + 5 * 60 + 30).dhw_draw_kg_s == pytest.approx(0.1)  # shower 6 l/min
    assert boundary.at(day0 + 3 * 3600).dhw_draw_kg_s == 0.0


def test_tapping_cycle_rejects_bad_temperatures():
    with pytest.raises(ValueError, match="must exceed"):
        tapping_cycle(40.0, 40.0)


def test_out_of_range_time_is_an_error(boundary):
    with pytest.raises(ValueError, match="outside the boundary series"):
        boundary.at(boundary.start_s - 1.0)
    with pytest.raises(ValueError, match="outside"):
        boundary.at(boundary.end_s + 1.0)


def test_day_types_and_holidays():
    assert easter_sunday(2009) == dt.date(2009, 4, 12)
    assert easter_sunday(2024) == dt.date(2024, 3, 31)
    hol = bavarian_holidays(2009)
    assert dt.date(2009, 6, 11) in hol  # Corpus Christi 2009
    assert day_type(dt.date(2009, 1, 6), hol) == "FT"
    assert day_type(dt.date(2009, 1, 10), hol) == "SA"
    assert day_type(dt.date(2009, 1, 12), hol) == "WT"
    assert day_type(dt.date(2009, 12, 24), hol) == "SA"


def test_step_rejects_bad_input_and_changes_nothing(params, boundary):
    state = model.initial_state(params, 0.0, JAN_START_S)
    bnd = boundary.at(JAN_START_S)
    for bad_dt in (0.0, -1.0, float("nan"), 1e6):
        with pytest.raises(ValueError, match="dt_s"):
            model.step(state, Actuators(), bnd, params, bad_dt)
    with pytest.raises(ValueError, match="miner_target_w"):
        model.step(state, Actuators(miner_target_w=(float("inf"), 0.0)), bnd, params, 1.0)
    with pytest.raises(ValueError, match="outdoor_temp_c"):
        model.initial_state(params, float("nan"))
    with pytest.raises(IndexError):
        model.miner_view(state, 2)


def test_same_inputs_give_identical_results(params, boundary):
    def run():
        state = model.initial_state(params, boundary.at(JAN_START_S).outdoor_temp_c, JAN_START_S)
        out = []
        for k in range(8640):
            hour = k // 360
            act = Actuators(contactor=(hour % 3 != 0, True), miner_run=(True, True),
                            miner_target_w=(2500.0, 3250.0), p3=True, p4=True, p5=hour % 2 == 0,
                            rv1_to_dhw=hour == 7, rv2_to_dhw=hour == 18)
            state, flows = model.step(state, act, boundary.at(JAN_START_S + 10.0 * k), params, 10.0)
            out.append(flows)
        return state, out
    s1, f1 = run()
    s2, f2 = run()
    assert s1 == s2
    assert f1 == f2


def test_inverter_view_signs_and_counters(params, boundary):
    t0 = calendar.timegm((2009, 6, 20, 10, 0, 0))
    state = model.initial_state(params, boundary.at(t0).outdoor_temp_c, t0)
    for k in range(360):
        state, f = model.step(state, Actuators(), boundary.at(t0 + 10.0 * k), params, 10.0)
    view = model.inverter_view(state, f, params)
    assert view["pv_power_w"] > 5000.0  # June noon, 15 kWp
    assert view["battery_power_w"] == pytest.approx(f.battery_discharge_w - f.battery_charge_w)
    assert view["battery_power_w"] < 0.0  # charging
    assert view["grid_power_w"] == pytest.approx(f.grid_import_w - f.grid_export_w)
    assert view["load_power_w"] == pytest.approx(f.consumption_w)
    assert view["battery_soc_pct"] > 50.0
    assert view["pv_energy_today_kwh"] == pytest.approx(view["pv_energy_total_kwh"])
    assert 40.0 < view["battery_voltage_v"] < 60.0
