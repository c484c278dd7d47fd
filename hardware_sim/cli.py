"""Simulator entry points: ``thermiq sim`` (closed loop + report) and ``thermiq-plant`` (plant process).

``thermiq-plant`` runs only the plant against a file-backed process image in (scaled) real time,
beside a separate ``thermiq run`` process, as in the cabinet: the two share nothing but the image.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import PlantParamsError, load_plant_params
from hardware_sim.plant.weather import WeatherError
from hardware_sim.sim_args import check_out_dir, parse_day, sim_period

REPO = Path(__file__).resolve().parents[1]


def _start_utc_s(text: str) -> float:
    return parse_day(text)


def _progress(quiet: bool):
    shown = {"pct": -1}

    def report(frac: float) -> None:
        pct = int(frac * 100)
        if not quiet and pct != shown["pct"] and pct % 5 == 0:
            shown["pct"] = pct
            print(f"\rsimulating ... {pct:3d} %", end="" if pct < 100 else "\n", file=sys.stderr, flush=True)

    return report


def run_sim(args) -> int:
    """``thermiq sim``: closed loop on real weather, report folder. Returns the exit code.

    Every option is checked before the run (:mod:`hardware_sim.sim_args`): one line on stderr,
    exit code 2, nothing written.
    """
    from hardware_sim.harness import simulate
    from hardware_sim.report import write_report
    from hardware_sim.study import finish_study, study_inputs, study_operator
    from thermiq.config.load import load_config

    try:
        out = check_out_dir(args.out)
        cfg = load_config(args.config)
        params = load_plant_params(args.plant) if args.plant else load_plant_params()
        boundary = (
            BoundarySeries.from_files(params, args.weather) if args.weather else BoundarySeries.from_files(params)
        )
        period = sim_period(
            args.start, args.days, getattr(args, "year", False), args.period, boundary.start_s, boundary.end_s
        )
    except (WeatherError, PlantParamsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if getattr(args, "compare", None):  # both runs and the comparison (hardware_sim.study)
        from hardware_sim.study import compare_cli

        return compare_cli(args, period.start_utc_s, period.duration_s, period.period_s)
    bridge = None
    if args.mqtt:
        from thermiq.adapters.mqtt.factory import build_bridge

        bridge = build_bridge(cfg, args.mqtt)
        bridge.start()
    t0 = time.perf_counter()
    try:
        result = simulate(
            cfg,
            params,
            boundary,
            period.start_utc_s,
            period.duration_s,
            period.period_s,
            sample_s=period.sample_s,
            progress=_progress(args.quiet),
            bridge=bridge,
            inputs=study_inputs(cfg, params, boundary),
            operator=study_operator(params),
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        if bridge is not None:
            bridge.stop()
    wall_s = time.perf_counter() - t0
    result.meta.update(
        wall_s=wall_s,
        weather_file=str(args.weather or boundary.weather_meta.get("source")),
        speed=period.duration_s / wall_s,
        config=str(args.config),
    )
    finish_study(result, cfg, params)
    summary = write_report(out, result.series, result.meta)
    print(
        f"report written to {summary} ({period.days:g} days in {wall_s:.1f} s, "
        f"{period.duration_s / wall_s:,.0f}x real time)"
    )
    return 0


def run_plant(args) -> int:
    """Plant process: write sensors, read outputs, step; in real time scaled by ``--speed``.

    No miner protocol in this mode: an energised miner mines at its configured nominal power.
    """
    from hardware_sim.harness import site_io
    from hardware_sim.loop.driver import NominalMiners, PlantDriver
    from hardware_sim.plant.state import initial_state
    from hardware_sim.process_image import PlantProcessImage
    from thermiq.adapters.revpi.process_image import make_procimg_file
    from thermiq.config.load import load_config

    cfg = load_config(args.config)
    params = load_plant_params(args.plant) if args.plant else load_plant_params()
    boundary = BoundarySeries.from_files(params)
    io_list, rsc = site_io(cfg, Path(args.procimg).resolve().parent)
    rsc = args.configrsc or str(rsc)
    make_procimg_file(args.procimg, rsc)
    image = PlantProcessImage(io_list, args.procimg, rsc)
    t_utc = _start_utc_s(args.start) if args.start else boundary.start_s + 9 * 86400
    state = initial_state(params, boundary.at(t_utc).outdoor_temp_c, t_utc, len(cfg.miners))
    if args.room_c is not None:
        state = state.__class__(
            **{**{f: getattr(state, f) for f in state.__slots__}, "room_c": args.room_c, "mass_c": args.room_c}
        )
    driver = PlantDriver(cfg, params, boundary, state, image, NominalMiners(cfg))
    log = open(args.log, "a", encoding="utf-8") if args.log else None
    dt_plant = args.period * args.speed
    next_t = time.monotonic()
    end = next_t + args.duration
    try:
        while time.monotonic() < end:
            driver.sense()
            flows = driver.advance(dt_plant)
            if log:
                log.write(
                    json.dumps(
                        {
                            "t_utc_s": driver.state.t_utc_s,
                            "outputs": dict(image.read_outputs()),
                            "sensors": driver.sensor_values(),
                            "hp_heat_w": flows.hp_heat_w,
                            "house_heat_w": flows.house_heat_w,
                        }
                    )
                    + "\n"
                )
                log.flush()
            next_t += args.period
            time.sleep(max(0.0, next_t - time.monotonic()))
    finally:
        image.close()
        if log:
            log.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="thermiq-plant", description="ASP1 plant model on a file-backed process image")
    ap.add_argument("--procimg", required=True, help="4096-byte process image file shared with `thermiq run`")
    ap.add_argument("--configrsc", help="piCtory configuration (default: Schaltschrank/config.rsc)")
    ap.add_argument("--plant", help="plant parameters TOML")
    ap.add_argument(
        "--config",
        default=str(REPO / "thermiq" / "sites" / "asp1.toml"),
        help="site configuration TOML (default: ASP1); binds the plant to its signals",
    )
    ap.add_argument("--period", type=float, default=0.2, help="real seconds between plant steps")
    ap.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    ap.add_argument("--duration", type=float, default=3600.0, help="real seconds to run")
    ap.add_argument("--start", help="simulated start day (YYYY-MM-DD within the weather year)")
    ap.add_argument("--room-c", type=float, help="initial room temperature [°C]")
    ap.add_argument("--log", help="append one JSON line per step (outputs seen, sensors)")
    args = ap.parse_args(argv)
    return run_plant(args)


if __name__ == "__main__":
    sys.exit(main())
