"""Closed loop in lockstep: plant -> process image -> the controller's real scan -> process image -> plant.

Per scan: the plant writes its sensors into the file-backed image through revpimodio2's simulator
mode, the unchanged ``thermiq`` runner scans (read, freeze, interlocks, controllers, arbitrate,
write), the plant reads the outputs back from the image and steps one scan period. The
controller's monotonic clock is the simulated time since the start.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hardware_sim.devices.inproc import PlantDevices
from hardware_sim.loop.driver import PlantDriver
from hardware_sim.loop.memory_image import MemoryImage
from hardware_sim.operator import OperatorPolicy, OperatorState, operator_step
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.model import reset_safety
from hardware_sim.plant.params import PlantParams
from hardware_sim.plant.state import FlowSums, PlantState, initial_state
from hardware_sim.plant.views import readings, stored_energy_j
from hardware_sim.process_image import PlantProcessImage
from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
from thermiq.clock import FakeClock, SystemClock
from thermiq.config.schema import ThermiqConfig
from thermiq.cycle.runner import Runner
from thermiq.cycle.scan import SafetyCommand
from thermiq.iomap.io_list import load_io_list
from thermiq.iomap.pictory import build_rsc, dump_rsc

REPO = Path(__file__).resolve().parents[1]
CONFIG_RSC = REPO / "Schaltschrank" / "config.rsc"
#: report columns (names of the design study, not signals) <- plant readings
TEMPS = {
    "buffer_top_temp_c": "buffer_top_c",
    "buffer_mid_temp_c": "buffer_mid_c",
    "buffer_bottom_temp_c": "buffer_bottom_c",
    "dhw_temp_c": "dhw_sensor_c",
    "room_temp_c": "room_c",
    "outdoor_temp_c": "outdoor_c",
    "miner_loop_supply_temp_c": "loop_supply_c",
    "heating_flow_temp_c": "heating_flow_c",
}


def site_io(cfg: ThermiqConfig, workdir: Path):
    """(I/O list, piCtory file) of a site: its ``process_image.io_list`` (relative to the
    repository), with the committed ``Schaltschrank/config.rsc`` for the cabinet's own list and
    a piCtory file generated into ``workdir`` for any other list."""
    path = Path(cfg.process_image.io_list)
    path = path if path.is_absolute() else REPO / path
    io_list = load_io_list(path)
    if path.resolve() == (REPO / "Schaltschrank" / "io_list.csv").resolve():
        return io_list, CONFIG_RSC
    rsc = workdir / "config.rsc"
    rsc.write_text(dump_rsc(build_rsc(io_list)), encoding="utf-8")
    return io_list, rsc


@dataclass
class SimResult:
    """Sampled time series (equal-length numpy columns) and run metadata."""

    series: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)


def simulate(
    cfg: ThermiqConfig,
    params: PlantParams,
    boundary: BoundarySeries,
    start_utc_s: float,
    duration_s: float,
    period_s: float,
    sample_s: float = 300.0,
    workdir: str | Path | None = None,
    progress: Callable[[float], None] | None = None,
    bridge=None,
    faults: Callable[[float], dict[str, str]] | None = None,
    keep_costs: bool = False,
    file_image: bool = False,
    start_state: Callable[[PlantState], PlantState] | None = None,
    grid_ok: Callable[[float], bool] | None = None,
    inputs: Callable[[float], Mapping[str, object]] | None = None,
    operator: OperatorPolicy | None = None,
) -> SimResult:
    """Run the closed loop for ``duration_s`` seconds of simulated time.

    Parameters
    ----------
    cfg : controller site configuration (its scan period is replaced by ``period_s``)
    params, boundary : plant parameters and boundary series (weather, load, DHW draws)
    start_utc_s : first instant [UNIX s, UTC]; must lie within the boundary series
    period_s : scan period = plant step [s]
    sample_s : time-series sample interval [s]; flows are averaged over it (energy-exact)
    faults : optional ``t_s -> {signal: "open"|"short"}`` sensor-fault injection
    keep_costs : put every scan's measured cost [s] into ``meta["scan_costs_s"]`` (benchmarks)
    start_state : optional ``state -> state`` applied to the warm initial state (scenario files)
    grid_ok : optional ``t_s -> bool``: False while the public grid is out (scenario files)
    file_image : run the image through a file and revpimodio2 (as ``thermiq run`` on a laptop)
        instead of in memory (``hardware_sim.loop.memory_image``: same layout, binding and codec)
    inputs : optional ``t_utc_s -> {setpoint: value}`` outside inputs (forecast, price; hardware_sim.inputs)
    operator : optional simulated operator (hardware_sim.operator; off by default)

    Raises
    ------
    ValueError : the period is not covered by the weather, or ``sample_s`` is not a multiple of ``period_s``
    """
    if start_utc_s < boundary.start_s or start_utc_s + duration_s > boundary.end_s:
        raise ValueError(
            f"simulated period {start_utc_s:.0f}..{start_utc_s + duration_s:.0f} s lies outside the "
            f"weather file ({boundary.start_s:.0f}..{boundary.end_s:.0f} s)"
        )
    per_sample = int(round(sample_s / period_s))
    if per_sample < 1 or abs(per_sample * period_s - sample_s) > 1e-9:
        raise ValueError(f"sample_s ({sample_s}) must be a whole multiple of period_s ({period_s})")
    cfg = cfg.model_copy(update={"scan": cfg.scan.model_copy(update={"period_s": period_s})})
    tmp = tempfile.TemporaryDirectory() if workdir is None else None
    work = Path(workdir or tmp.name)
    io_list, rsc = site_io(cfg, work)
    clock = FakeClock(0.0, start_utc_s)
    if file_image:
        img = make_procimg_file(work / "procimg.bin", rsc)
        plant_io = PlantProcessImage(io_list, str(img), str(rsc))
        ctrl_io = RevPiProcessImage(io_list, str(img), str(rsc), clock=clock)
    else:
        mem = MemoryImage(io_list, rsc, clock=clock)
        plant_io, ctrl_io = mem.plant, mem.controller
    devices = PlantDevices.for_site(cfg)
    runner = Runner(
        cfg,
        io_list,
        ctrl_io,
        devices.inverter,
        devices.meters,
        devices.miners,
        clock=clock,
        cost_clock=SystemClock(),
        bridge=bridge,
        publish_every=max(1, int(round(60.0 / period_s))),
    )
    state = initial_state(params, boundary.at(start_utc_s).outdoor_temp_c, start_utc_s, len(cfg.miners))
    if start_state is not None:
        state = start_state(state)
    driver = PlantDriver(cfg, params, boundary, state, plant_io, devices)
    driver.grid_ok = grid_ok
    sp_local, op = runner.defaults, OperatorState()
    in_force: Mapping[str, object] | None = None  # the outside inputs behind runner.defaults
    switchings: dict[str, int] = {}
    last_outs: dict[str, bool] = {}
    stored_start_j = stored_energy_j(state, params)
    hp_was_on, sample_starts = state.hp.running, 0  # heat-pump compressor starts in the sample
    n_steps = int(round(duration_s / period_s))
    n_samples = n_steps // per_sample
    cols: dict[str, list] = {}
    sums = FlowSums(len(cfg.miners))
    trips: list[dict] = []
    cost_max = 0.0
    all_costs = np.empty(n_steps)
    try:
        for k in range(n_steps):
            now_s = k * period_s
            t_utc = start_utc_s + now_s
            clock.advance_to(now_s)
            driver.sense(faults(now_s) if faults else None)
            if inputs is not None:
                values = inputs(t_utc)
                if values != in_force:  # new outside inputs (once a day for the forecast)
                    runner.defaults, in_force = sp_local.with_values(values), dict(values)
            if operator is not None and operator.enabled:
                op, cmds = operator_step(operator, op, runner.state.interlocks.trips, now_s)
                for action, tid in cmds:
                    runner.submit_safety_command(SafetyCommand(action, tid, f"operator-{k}"))
                    if tid == "I13_safety_chain":
                        driver.state = reset_safety(driver.state, params)
            res = runner.scan_once()
            cost = all_costs[k] = runner.stats.last_cost_s
            cost_max = cost if cost > cost_max else cost_max
            for ev in res.events:
                trips.append(
                    {"t_utc_s": t_utc, "trip": ev.trip_id, "from": ev.old.value, "to": ev.new.value, "value": ev.value}
                )
            outs = plant_io.read_outputs()
            for name, on in outs.items():
                if on != last_outs.get(name, on):
                    switchings[name] = switchings.get(name, 0) + 1
            last_outs = dict(outs)
            devices.apply_commands(now_s)
            flows = driver.advance(period_s, outs)
            hp_on = driver.state.hp.running
            sample_starts += hp_on and not hp_was_on
            hp_was_on = hp_on
            sums.add(flows)
            if (k + 1) % per_sample == 0:
                row = sums.means(per_sample)
                row["t_utc_s"] = t_utc + period_s
                rd = readings(driver.state, params)
                row.update({name: rd[key] for name, key in TEMPS.items()})
                row["battery_soc_pct"] = devices.inverter.snapshot().battery_soc_pct
                row["scan_cost_s"] = cost_max
                row["hp_starts"], sample_starts = float(sample_starts), 0
                row["trips_latched"] = len(res.state.interlocks.latched)
                row["sg_block"] = float(res.state.sg_state.value == "block")
                cost_max = 0.0
                for name, value in row.items():
                    cols.setdefault(name, []).append(value)
                if progress is not None:
                    progress(len(cols["t_utc_s"]) / max(1, n_samples))
    finally:
        plant_io.close()
        ctrl_io.close()
        if tmp is not None:
            tmp.cleanup()
    costs = all_costs
    meta = {
        "site": cfg.site.name,
        "start_utc_s": start_utc_s,
        "duration_s": duration_s,
        "scan_period_s": period_s,
        "sample_s": sample_s,
        "scans": runner.stats.scans,
        "trip_events": trips,
        "scan_cost_median_s": float(np.median(costs)) if costs.size else None,
        "scan_cost_p99_s": float(np.percentile(costs, 99)) if costs.size else None,
        "scan_cost_max_s": float(costs.max()) if costs.size else None,
        "weather": boundary.weather_meta,
        "stored_energy_start_j": stored_start_j,
        "stored_energy_end_j": stored_energy_j(driver.state, params),
        "miners": len(cfg.miners),
        "miner_target_changes": devices.target_changes(),
        "operator_resets": list(op.resets),
        "output_switchings": switchings,
    }
    if keep_costs:
        meta["scan_costs_s"] = costs
    return SimResult({k: np.asarray(v, dtype=float) for k, v in cols.items()}, meta)
