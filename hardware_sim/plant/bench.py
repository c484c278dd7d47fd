"""Benchmark of the plant model: ``python -m hardware_sim.plant.bench`` prints the figures.

Measures BoundarySeries.at() and step() for dt_s = 0.1, 1 and 10 s with everything running
(miners, P3/P4/P5, heat pump), and the resulting speed-up over real time. Figures only; no
assertions (timing does not belong in tests). Each figure is given as CPU time of this process
(``time.process_time``: what one free core would take) and as wall time (inflated when the
machine is shared); boundary values are built before the timed loop, so ``step`` is timed alone.
"""

from __future__ import annotations

import sys
import time

from hardware_sim.plant import model
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.model import Actuators
from hardware_sim.plant.params import load_plant_params


def main() -> None:
    params = load_plant_params()
    t0 = time.perf_counter()
    boundary = BoundarySeries.from_files(params)
    build_s = time.perf_counter() - t0
    start = boundary.start_s + 9 * 86400.0
    n = 200_000
    t0 = time.perf_counter()
    for k in range(n):
        boundary.at(start + 0.37 * k, 10.0)
    at_us = (time.perf_counter() - t0) / n * 1e6
    out = sys.stdout
    out.write(f"BoundarySeries build: {build_s * 1000:.1f} ms; at(): {at_us:.2f} us/call\n")
    act = Actuators(
        contactor=(True, True), miner_run=(True, True), miner_target_w=(3250.0, 3250.0), p3=True, p4=True, p5=True
    )
    for dt_s, steps in ((0.1, 20_000), (1.0, 20_000), (10.0, 20_000)):
        bnds = [boundary.at(start + k * dt_s, dt_s) for k in range(steps)]
        state = model.initial_state(params, bnds[0].outdoor_temp_c, start)
        t0, c0 = time.perf_counter(), time.process_time()
        for bnd in bnds:
            state, _ = model.step(state, act, bnd, params, dt_s)
        cpu = (time.process_time() - c0) / steps
        wall = (time.perf_counter() - t0) / steps
        out.write(
            f"step(dt_s={dt_s:>4}): {cpu * 1e6:7.1f} us/step CPU ({wall * 1e6:.1f} wall), "
            f"{params.substeps(dt_s)} substep(s), {dt_s / cpu:,.0f}x real time, "
            f"one year = {365 * 86400 / dt_s * cpu / 60:.1f} min CPU\n"
        )


if __name__ == "__main__":
    main()
