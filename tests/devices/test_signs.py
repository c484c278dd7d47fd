"""Inverter sign normalisation: grid import +, battery discharge +, per-site corrections."""

from __future__ import annotations

import pytest

from thermiq.adapters.inverter.signs import SignConvention, normalise

RAW = {
    "grid_power": -2300,
    "grid_ct_power": 2300,
    "battery_power": -1500,
    "load_power": 1400,
    "battery_soc": 87,
    "pv1_power": 2600,
    "pv2_power": 2601,
    "battery_voltage": 53.12,
    "total_grid_import": 12345.6,
}


def test_deye_signs_pass_through_by_default():
    snap = normalise(RAW, SignConvention(), 7.0)
    assert (snap.grid_power_w, snap.battery_power_w, snap.load_power_w) == (-2300.0, -1500.0, 1400.0)
    assert snap.pv_power_w == 5201.0
    assert snap.battery_soc_pct == 87.0
    assert snap.stamp_s == 7.0
    assert snap.extra == {"battery_voltage_v": 53.12, "grid_import_energy_kwh": 12345.6}


def test_ct_source_and_inversions():
    snap = normalise(RAW, SignConvention("ct", invert_grid=True, invert_battery=True, invert_load=True), 1.0)
    assert snap.grid_power_w == -2300.0
    assert snap.battery_power_w == 1500.0
    assert snap.load_power_w == -1400.0


def test_missing_values_stay_none_never_zero():
    snap = normalise({"pv1_power": 100, "pv2_power": None}, SignConvention(), 1.0)
    assert snap.pv_power_w is None
    assert snap.grid_power_w is None and snap.battery_power_w is None and snap.battery_soc_pct is None


def test_summed_pv_sensor_wins_over_strings():
    assert normalise({"pv_power": 3500, "pv1_power": 1}, SignConvention(), 1.0).pv_power_w == pytest.approx(3500.0)
