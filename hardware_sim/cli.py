"""Simulator entry points: ``thermiq sim`` (closed loop + report) and ``thermiq-plant`` (plant process).

``thermiq-plant`` runs only the plant against a file-backed process image in (scaled) real time,
beside a separate ``thermiq run`` process, as in the cabinet: the two share nothing but the image.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import PlantParamsError, load_plant_params
from hardware_sim.plant.weather import WeatherError

REPO = Path(__file__).resolve().parents[1]


def _start_utc_s(text: str) -> float:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--start {text!r} is not a date (YYYY-MM-DD)") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def _progress(quiet: bool):
    shown = {"pct": -1}

    def report(frac: float) -> None:
        pct = int(frac * 100)
        if not quiet and pct != shown["pct"] and pct % 5 == 0:
            shown["pct"] = pct
            print(f"\rsimulating ... {pct:3d} %", end="" if pct < 100 else "\n", file=sys.stderr, flush=True)
    return report


def run_sim(args) -> int:
    """``thermiq sim``: closed loop on real weather, report folder. Returns the exit code."""
    from hardware_sim.harness import simulate
    from hardware_sim.report import write_report
    from thermiq.config.load import load_config

    try:
        cfg = load_config(args.config)
        params = load_plant_params(args.plant) if args.plant else load_plant_params()
        boundary = (BoundarySeries.from_files(params, args.weather) if args.weather
                    else BoundarySeries.from_files(params))
        year = dt.datetime.fromtimestamp(boundary.start_s + 86400, dt.timezone.utc).year
        start = _start_utc_s(args.start or f"{year}-01-10")
        if args.days <= 0:
            raise ValueError("--days must be positive")
    except (WeatherError, PlantParamsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not boundary.start_s <= start <= boundary.end_s - args.days * 86400.0:
        # a date outside the weather file's year: take the same calendar day of that year
        day = dt.date.fromisoformat(args.start).replace(year=year)
        print(f"note: {args.start} is outside the weather file; simulating {day.isoformat()} instead", file=sys.stderr)
        start = _start_utc_s(day.isoformat())
    bridge = None
    if args.mqtt:
        from thermiq.adapters.mqtt.factory import build_bridge
        bridge = build_bridge(cfg, args.mqtt)
        bridge.start()
    t0 = time.perf_counter()
    try:
        result = simulate(cfg, params, boundary, start, args.days * 86400.0, args.period,
                          progress=_progress(args.quiet), bridge=bridge)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        if bridge is not None:
            bridge.stop()
    wall_s = time.perf_counter() - t0
    result.meta.update(wall_s=wall_s, weather_file=str(args.weather or boundary.weather_meta.get("source")),
                       speed=args.days * 86400.0 / wall_s, config=str(args.config))
    out = write_report(Path(args.out), result.series, result.meta)
    print(f"report written to {out} ({args.days:g} days in {wall_s:.1f} s, "
          f"{args.days * 86400.0 / wall_s:,.0f}x real time)")
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
        state = state.__class__(**{**{f: getattr(state, f) for f in state.__slots__}, "room_c": args.room_c, "mass_c": args.room_c})
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
                log.write(json.dumps({"t_utc_s": driver.state.t_utc_s, "outputs": dict(image.read_outputs()),
                                      "sensors": driver.sensor_values(),
                                      "hp_heat_w": flows.hp_heat_w, "house_heat_w": flows.house_heat_w}) + "\n")
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
    ap.add_argument("--config", default=str(REPO / "thermiq" / "sites" / "asp1.toml"),
                    help="site configuration TOML (default: ASP1); binds the plant to its signals")
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
