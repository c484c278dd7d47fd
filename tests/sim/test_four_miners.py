"""Issue 8, done-when 5: a four-miner site through the one closed-loop path.

A simulated week of a four-miner site closes its energy balance to 0.1 %, and the simulated
miners obey the cabinet's command policy (``thermiq.adapters.braiins.policy``): a power-target
change inside the rate-limit window is deferred, a target below the Braiins minimum is clamped,
a stop is a pause.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hardware_sim.devices.inproc import PlantDevices
from hardware_sim.harness import simulate
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import load_plant_params
from hardware_sim.plant.state import initial_state
from tests.core.conftest import REPO
from thermiq.config.load import load_config
from thermiq.cycle.image import MinerCommand

pytestmark = pytest.mark.timeout(1200)  # the week is 60,480 scans of the real controller
SITE = REPO / "tests" / "sim" / "sites" / "four_miners.toml"
HEAT_IN = ("miner_heat_w", "hp_heat_w", "house_gain_w")
HEAT_OUT = ("tank_loss_w", "house_loss_w", "dhw_draw_heat_w", "loop_loss_w")


@pytest.fixture(scope="module")
def site():
    return load_config(SITE)


@pytest.fixture(scope="module")
def plant4():
    params = load_plant_params()
    # four miners need a bigger loop pump than ASP1's two (same 1/N share per miner as two at 0.3 kg/s)
    params = params.model_copy(update={"miner_loop": params.miner_loop.model_copy(update={"p3_flow_kg_s": 0.6})})
    return params, BoundarySeries.from_files(params)


@pytest.fixture(scope="module")
def week4(site, plant4):
    params, boundary = plant4
    start = dt.datetime(2009, 4, 6, tzinfo=dt.UTC).timestamp()  # a sunny April week
    return simulate(site, params, boundary, start, 7 * 86400.0, 10.0, sample_s=600.0)


def test_a_four_miner_week_closes_its_energy_balance_to_0_1_percent(week4):
    s, dt_s = week4.series, week4.meta["sample_s"]
    assert week4.meta["miners"] == 4
    heat_in = sum(s[k].sum() for k in HEAT_IN) * dt_s
    heat_out = sum(s[k].sum() for k in HEAT_OUT) * dt_s
    stored = week4.meta["stored_energy_end_j"] - week4.meta["stored_energy_start_j"]
    assert abs(heat_in - heat_out - stored) < 1e-3 * heat_in
    src = s["pv_power_w"] + s["grid_import_w"] + s["battery_discharge_w"]
    use = s["consumption_w"] + s["grid_export_w"] + s["battery_charge_w"]
    np.testing.assert_allclose(src, use, rtol=0, atol=1e-6 * max(1.0, src.max()))
    # every miner is a plant instance with its own power column, and the columns add up
    per_miner = [s[f"miner{i}_power_w"] for i in range(1, 5)]
    np.testing.assert_allclose(sum(per_miner), s["miner_power_w"], rtol=1e-12, atol=1e-9)
    assert s["miner_power_w"].max() > 1000.0  # the week did mine


def test_simulated_miners_keep_the_rate_limit_and_the_braiins_range_all_week(week4, site):
    changes = week4.meta["miner_target_changes"]
    interval = site.fieldbus.miner_link.min_change_interval_s
    assert changes, "no power-target change reached a miner"
    by_miner: dict[str, list[tuple[float, float]]] = {}
    for t_s, name, target_w in changes:
        by_miner.setdefault(name, []).append((t_s, target_w))
    for m in site.miners:
        times = [t for t, _ in by_miner.get(m.name, [])]
        assert all(b - a >= interval for a, b in zip(times, times[1:])), m.name
        assert all(m.power_min_w <= w <= m.power_max_w for _, w in by_miner.get(m.name, [])), m.name


def _booted(site, params, devices, now_s: float):
    """All four miners energised and past boot: the devices see the plant report them mining."""
    state = initial_state(params, 10.0, 0.0, len(site.miners))
    units = tuple(u.__class__(3000.0, 3000.0, True, 600.0, 40.0, u.board_temps_c, True, False) for u in state.miners)
    state = state.__class__(**{**{f: getattr(state, f) for f in state.__slots__}, "miners": units})
    from hardware_sim.plant.model import Flows

    flows = Flows(*([0.0] * 7), (3000.0,) * 4, *([0.0] * 15))
    devices.update(state, flows, params, 10.0, now_s)


def test_a_target_change_inside_the_rate_limit_window_is_deferred(site):
    params = load_plant_params()
    devices = PlantDevices.for_site(site)
    m1 = devices.miners[site.miners[0].name]
    window = site.fieldbus.miner_link.min_change_interval_s
    _booted(site, params, devices, 0.0)
    m1.command(MinerCommand(True, 2500.0))
    devices.apply_commands(0.0)
    assert m1.target_w == 2500.0 and m1.calls["set_target"] == 1
    _booted(site, params, devices, 10.0)
    m1.command(MinerCommand(True, 3000.0))
    devices.apply_commands(10.0)  # 10 s after the last change: held back
    assert m1.target_w == 2500.0 and m1.calls["set_target"] == 1
    assert any("rate limit" in n for n in m1.notes)
    _booted(site, params, devices, window)
    devices.apply_commands(window)  # the window has passed: sent
    assert m1.target_w == 3000.0 and m1.calls["set_target"] == 2
    assert devices.commands()[1][0] == 3000.0  # and the plant takes the target in force


def test_a_target_below_the_braiins_minimum_is_clamped_and_a_stop_is_a_pause(site):
    params = load_plant_params()
    devices = PlantDevices.for_site(site)
    name = site.miners[3].name
    m4 = devices.miners[name]
    _booted(site, params, devices, 0.0)
    m4.command(MinerCommand(True, 500.0))
    devices.apply_commands(0.0)
    assert m4.target_w == site.miners[3].power_min_w
    assert any("clamped" in n for n in m4.notes)
    m4.command(MinerCommand(False, None))
    devices.apply_commands(1.0)
    run, _ = devices.commands()
    assert run == (True, True, True, False) and m4.calls["pause"] == 1
