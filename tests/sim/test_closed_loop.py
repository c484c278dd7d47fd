"""The closed loop over real weather: energy balance, determinism, refused inputs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest

from hardware_sim.harness import simulate
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import load_plant_params
from tests.core.conftest import REPO

HEAT_IN = ("miner_heat_w", "hp_heat_w", "house_gain_w")
HEAT_OUT = ("tank_loss_w", "house_loss_w", "dhw_draw_heat_w", "loop_loss_w")


@pytest.fixture(scope="module")
def plant():
    params = load_plant_params()
    return params, BoundarySeries.from_files(params)


def _jan(boundary, day):
    year = dt.datetime.fromtimestamp(boundary.start_s + 86400, dt.UTC).year
    return dt.datetime(year, 1, day, tzinfo=dt.UTC).timestamp()


@pytest.fixture(scope="module")
def week(cfg, plant):
    params, boundary = plant
    return simulate(cfg, params, boundary, _jan(boundary, 10), 7 * 86400.0, 10.0, sample_s=600.0)


def test_energy_balance_of_a_closed_loop_week_closes_to_0_1_percent(week):
    s, dt_s = week.series, week.meta["sample_s"]
    heat_in = sum(s[k].sum() for k in HEAT_IN) * dt_s
    heat_out = sum(s[k].sum() for k in HEAT_OUT) * dt_s
    stored = week.meta["stored_energy_end_j"] - week.meta["stored_energy_start_j"]
    assert abs(heat_in - heat_out - stored) < 1e-3 * heat_in
    # electrical side: sources = uses, every sample
    src = s["pv_power_w"] + s["grid_import_w"] + s["battery_discharge_w"]
    use = s["consumption_w"] + s["grid_export_w"] + s["battery_charge_w"]
    np.testing.assert_allclose(src, use, rtol=0, atol=1e-6 * max(1.0, src.max()))
    # the week actually exercised the plant: miners ran on PV, the heat pump ran, the house was heated
    assert s["miner_heat_w"].sum() > 0 and s["hp_heat_w"].sum() > 0 and s["house_heat_w"].sum() > 0


def test_miners_run_only_on_surplus_with_battery_above_priority(week, cfg):
    s = week.series
    running = s["miner_power_w"] > 100.0
    assert running.any()
    # miners never run at night (no PV): at most a stop delay's worth of tail into PV = 0 samples
    night = s["pv_power_w"] < 1.0
    assert (running & night).sum() <= 2


def test_two_runs_give_identical_time_series(cfg, plant):
    params, boundary = plant
    a = simulate(cfg, params, boundary, _jan(boundary, 14), 86400.0, 10.0)
    b = simulate(cfg, params, boundary, _jan(boundary, 14), 86400.0, 10.0)
    assert a.series.keys() == b.series.keys()
    for name in a.series:
        if name == "scan_cost_s":  # measured wall-clock cost of the scan, not a simulated value
            continue
        np.testing.assert_array_equal(a.series[name], b.series[name], err_msg=name)
    assert a.meta["trip_events"] == b.meta["trip_events"]


@pytest.mark.parametrize(
    "mangle, expected",
    [
        (lambda lines: [l for l in lines if not l.startswith("time,")], "column"),
        (
            lambda lines: [l.replace(",", ",x", 1) if l.startswith("2009011") else l for l in lines],
            "column p: value 'x0.0' is not a number",
        ),
    ],
)
def test_malformed_weather_is_refused_and_nothing_runs(tmp_path, mangle, expected):
    src = next((REPO / "data").glob("Timeseries_*.csv"))
    bad = tmp_path / "weather.csv"
    bad.write_text("\n".join(mangle(src.read_text().splitlines())) + "\n")
    out = tmp_path / "report"
    proc = subprocess.run(
        [sys.executable, "-m", "thermiq", "sim", "--weather", str(bad), "--days", "1", "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "error:" in proc.stderr and expected in proc.stderr.lower()
    assert not out.exists()


def test_malformed_config_is_refused_by_sim(tmp_path):
    cfg = tmp_path / "site.toml"
    cfg.write_text((REPO / "thermiq" / "sites" / "asp1.toml").read_text().replace("[heating]", "[heating]\nfoo = 1"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "thermiq",
            "sim",
            "--config",
            str(cfg),
            "--days",
            "1",
            "--out",
            str(tmp_path / "r"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 2 and "heating.foo: Extra inputs are not permitted" in proc.stderr
    assert not (tmp_path / "r").exists()
