"""Miner dispatch through the real scan: never import for the miners, follow the surplus, pause fast.

Each row: starting inputs, a time leap, a change, a second leap, expected outputs.
"""

from __future__ import annotations

import pytest

from tests.control.bench import Bench

MARGIN_W = 100.0  # energy.grid_import_margin_w
RAMP_DOWN_S = (3600.0 - 1700.0) / 30.0  # the bench miner's ramp from max to min [s]


def test_sunny_full_battery_both_miners_follow_the_surplus_without_import(cfg):
    b = Bench(cfg).set(pv_w=8000.0, load_w=500.0)
    b.leap(900.0)
    assert all(b.contactor(i) and b.run(i) for i in (0, 1))
    assert 1700.0 <= b.target(0) <= 3600.0 and 1700.0 <= b.target(1) <= 3600.0
    assert b.grid_w <= 0.0, "the miners take the surplus, not more"


@pytest.mark.parametrize(
    "pv_after_w, both_pause",
    [
        (3000.0, False),  # a thin cloud: one miner can stay at a lower power
        (600.0, True),  # a thick cloud: nothing left, both pause
    ],
)
def test_a_cloud_passing_drops_the_target_in_one_scan_and_pauses_without_dropping_the_contactor(
    cfg, pv_after_w, both_pause
):
    b = Bench(cfg).set(pv_w=8000.0, load_w=500.0)
    b.leap(900.0)
    before = b.target(0) + b.target(1)
    b.set(pv_w=pv_after_w)
    b.leap(1.0)  # one scan later
    surplus = sum(b.power.values()) - b.grid_w
    running = [b.target(i) for i in (0, 1) if b.run(i)]
    assert sum(running) < before
    # cut to what the surplus allows, or to the minimum (Braiins floor) until the pause delay ends
    above_min = [t for t in running if t > 1700.0]
    assert sum(above_min) <= max(surplus - MARGIN_W, 0.0) + 1e-6
    b.leap(cfg.dispatch.pause_delay_s + 1.0)
    paused = [not b.run(i) for i in (0, 1)]
    assert all(paused) == both_pause and any(paused)
    assert b.contactor(0) and b.contactor(1), "a pause is not a contactor drop (min on time protects contactors)"
    b.leap(RAMP_DOWN_S)
    assert b.grid_w <= 0.0 or b.grid_w <= b.load_w - b.pv_w + 1.0, "after the ramp-down no import caused by the miners"
    # the cloud passes: the miners resume without the contactor having opened
    b.set(pv_w=8000.0)
    b.leap(cfg.energy.start_delay_s + 5.0)
    assert b.run(0) and b.run(1)
    assert all(t_res.outputs.digital[cfg.miners[0].contactor_output] for _, t_res in b.history[-200:])


def test_a_long_cloud_opens_the_contactor_after_the_hold_time(cfg):
    b = Bench(cfg).set(pv_w=8000.0)
    b.leap(900.0)
    b.set(pv_w=0.0)
    b.leap(cfg.dispatch.pause_delay_s + 5.0)
    assert not b.run(0) and b.contactor(0)
    b.leap(cfg.dispatch.contactor_hold_s + cfg.energy.min_on_s)
    assert not b.contactor(0) and not b.contactor(1)


@pytest.mark.parametrize(
    "soc_pct, from_above, runs",
    [
        (90.0, False, True),  # exactly at the priority SoC: the miners may take the charge power
        (89.9, False, False),  # just below, coming from below: the battery charges first
        (87.0, True, True),  # inside the hysteresis band, coming from above: keeps running
        (84.9, True, False),  # below priority - hysteresis: stops
    ],
)
def test_soc_at_the_threshold(cfg, soc_pct, from_above, runs):
    b = Bench(cfg).set(pv_w=8000.0, load_w=500.0, battery_w=0.0, soc_pct=95.0 if from_above else soc_pct)
    b.leap(600.0 if from_above else 1.0)
    # with the battery below priority, the inverter charges it with all of the PV surplus (no export)
    b.set(soc_pct=soc_pct, battery_w=0.0 if soc_pct >= 90.0 or from_above and soc_pct > 85.0 else 7500.0)
    b.leap(600.0)
    assert (b.run(0) or b.run(1)) == runs


def test_below_the_priority_soc_the_miners_take_only_the_export_beyond_the_battery_charge(cfg):
    # 7.5 kW of surplus, the battery charges at its 5 kW limit, 2.5 kW would be exported (evcc prioritySoc)
    b = Bench(cfg).set(pv_w=8000.0, load_w=500.0, battery_w=5000.0, soc_pct=30.0)
    for _ in range(900):
        b.leap(1.0)
        assert sum(b.target(i) for i in (0, 1) if b.run(i)) <= 2500.0 - MARGIN_W + 1e-6
    assert b.run(0) and not b.run(1)
    assert b.target(0) <= 2500.0 - MARGIN_W + 1e-6 and b.grid_w < 0.0


def test_a_miner_still_ramping_keeps_its_share_the_second_does_not_start_on_it(cfg):
    b = Bench(cfg).set(pv_w=4500.0, load_w=500.0)  # 4 kW surplus: room for one miner only
    for _ in range(900):
        b.leap(1.0)
        targets = sum(b.target(i) for i in (0, 1) if b.run(i))
        assert not b.run(1), "the second miner never starts on power the first one is ramping into"
        if b.run(0):
            assert targets <= 4000.0 - MARGIN_W + 1e-6
    assert b.run(0) and b.target(0) == pytest.approx(3600.0, abs=cfg.energy.power_deadband_w)


def test_the_target_rises_by_the_rate_limit_and_ignores_changes_inside_the_deadband(cfg):
    b = Bench(cfg).set(pv_w=2700.0, load_w=500.0)  # 2.2 kW surplus: one miner near its minimum
    b.leap(600.0)
    t0 = b.target(0)
    goal = sum(b.power.values()) - b.grid_w - MARGIN_W
    assert 0.0 <= goal - t0 < cfg.energy.power_deadband_w, "settled inside the deadband below the goal"
    b.set(pv_w=2700.0 + (cfg.energy.power_deadband_w - (goal - t0)) - 5.0)  # goal moves, still inside the band
    b.leap(30.0)
    assert b.target(0) == t0
    b.set(pv_w=5000.0)
    b.leap(10.0)
    assert b.target(0) - t0 <= cfg.energy.power_ramp_w_per_s * 11.0 + 1e-6


def test_invalid_inverter_data_pauses_the_miners(cfg):
    b = Bench(cfg).set(pv_w=8000.0)
    b.leap(900.0)
    b.pv_w = float("nan")
    orig = b._image

    def no_grid():
        img = orig()
        from dataclasses import replace

        return replace(img, inverter=replace(img.inverter, grid_power_w=None))

    b._image = no_grid
    b.leap(2.0)
    assert not b.run(0) and not b.run(1), "blind to the grid: no miner may hash"
