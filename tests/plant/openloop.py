"""A crude rule-based driver for looking at the plant model without the ThermIQ controller.

Not the controller: simple bang-bang rules with hysteresis, enough to produce plausible runs
for charts and sanity checks (``python -m tests.plant.openloop OUT_DIR [days]``).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from hardware_sim.plant import model
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.model import Actuators
from hardware_sim.plant.params import load_plant_params
from hardware_sim.report import write_report
from tests.plant.signals import sensors

JAN_START_S = 1231545600.0  # 2009-01-10 00:00 UTC


def rules(prev: Actuators, sen: dict, inv: dict, bnd) -> Actuators:
    """One decision: miners on PV surplus (or when the buffer is cold), HP in normal mode."""
    surplus_w = bnd.pv_power_w - bnd.household_load_w
    cold_buffer = sen["buffer_top_temp_c"] < 38.0
    room_for_heat = sen["buffer_top_temp_c"] < 60.0 and sen["miner_loop_supply_temp_c"] < 65.0
    miners_on = ((inv["battery_soc_pct"] > 80.0 and surplus_w > 1500.0) or cold_buffer) and room_for_heat
    target = 3250.0 if cold_buffer else min(3600.0, max(1700.0, surplus_w / 2.0))
    p5 = sen["room_temp_c"] < (21.2 if prev.p5 else 20.8)
    dhw_low = sen["dhw_temp_c"] < (55.0 if prev.rv1_to_dhw else 45.0)
    return Actuators(
        contactor=(miners_on, miners_on),
        miner_run=(miners_on, miners_on),
        miner_target_w=(target, target),
        p3=miners_on or sen["miner_loop_supply_temp_c"] > 45.0,
        p4=True,
        p5=p5,
        rv1_to_dhw=miners_on and dhw_low,
        rv2_to_dhw=sen["dhw_temp_c"] < (49.0 if prev.rv2_to_dhw else 44.0),
    )


def run(params, boundary, start_s: float, days: float, dt_s: float = 10.0, sample_s: float = 60.0):
    """Simulate and return report columns sampled every ``sample_s`` (powers averaged)."""
    state = model.initial_state(params, boundary.at(start_s).outdoor_temp_c, start_s)
    act = Actuators()
    cols: dict[str, list] = {}
    acc: dict[str, float] = {}
    per = int(round(sample_s / dt_s))
    for k in range(int(days * 86400 / dt_s)):
        t = start_s + k * dt_s
        bnd = boundary.at(t, dt_s)
        sen = sensors(state, params)
        t0 = time.perf_counter()
        act = rules(act, sen, {"battery_soc_pct": model.battery_soc_pct(state, params)}, bnd)
        cost = time.perf_counter() - t0
        state, flows = model.step(state, act, bnd, params, dt_s)
        for name, v in model.flows_columns(flows).items():
            acc[name] = acc.get(name, 0.0) + v / per
        if (k + 1) % per == 0:
            sen = sensors(state, params)
            row = dict(
                acc,
                t_utc_s=t + dt_s,
                battery_soc_pct=model.battery_soc_pct(state, params),
                scan_cost_s=cost,
                trips_latched=int(not state.safety_chain_ok),
            )
            row.update(
                {
                    n: sen[n]
                    for n in (
                        "buffer_top_temp_c",
                        "buffer_mid_temp_c",
                        "buffer_bottom_temp_c",
                        "dhw_temp_c",
                        "room_temp_c",
                        "outdoor_temp_c",
                        "miner_loop_supply_temp_c",
                    )
                }
            )
            for name, v in row.items():
                cols.setdefault(name, []).append(v)
            acc = {}
    return {name: np.asarray(v, dtype=float) for name, v in cols.items()}


def main(argv: list[str]) -> None:
    out_dir = argv[1] if len(argv) > 1 else "/tmp/plant_report"
    days = float(argv[2]) if len(argv) > 2 else 7.0
    params = load_plant_params()
    boundary = BoundarySeries.from_files(params)
    series = run(params, boundary, JAN_START_S, days)
    meta = {
        "site": "asp1 (open-loop rules, not ThermIQ)",
        "weather_file": "PVGIS 2009 (bundled)",
        "scan_period_s": 10.0,
        "trip_events": [],
        "cycle_stats": {"rule driver": "openloop.py"},
    }
    write_report(out_dir, series, meta)


if __name__ == "__main__":
    main(sys.argv)
