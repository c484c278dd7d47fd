"""Run study variants: one closed-loop run per variant, spread over local cores or a Dask cluster.

``run_variant(spec)`` is a plain top-level function of a picklable :class:`RunSpec`, so the
same call runs in this process, in a ``ProcessPoolExecutor`` on local cores, or on the workers
of a Dask distributed cluster (``executor(scheduler="tcp://host:8786")``; the workers need this
repository and the files the spec names at the same paths).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from hardware_sim.variants import Variant, build

SAMPLE_S = 300.0


@dataclass(frozen=True)
class RunSpec:
    """A variant and the simulated period: first instant [UNIX s, UTC], length [s], scan period [s]."""

    variant: Variant
    start_utc_s: float
    duration_s: float
    period_s: float
    weather: str | None = None
    sample_s: float = SAMPLE_S


def run_variant(spec: RunSpec):
    """Simulate one variant; returns the harness's SimResult with the report's meta filled in
    (prices from the site configuration, room set point, local-time offset, variant, wall time)."""
    from hardware_sim.harness import simulate
    from hardware_sim.plant.boundary import BoundarySeries

    cfg, params = build(spec.variant)
    boundary = BoundarySeries.from_files(params, spec.weather) if spec.weather else BoundarySeries.from_files(params)
    t0 = time.perf_counter()
    result = simulate(
        cfg,
        params,
        boundary,
        spec.start_utc_s,
        spec.duration_s,
        spec.period_s,
        sample_s=spec.sample_s,
        inputs=study_inputs(cfg, params, boundary),
        operator=study_operator(params),
    )
    wall_s = time.perf_counter() - t0
    finish_study(result, cfg, params)
    result.meta.update(
        variant=spec.variant.label,
        config=spec.variant.config,
        weather_file=str(spec.weather or boundary.weather_meta.get("source")),
        wall_s=wall_s,
        speed=spec.duration_s / wall_s if wall_s > 0 else 0.0,
        overrides=[f"{k}={v}" for k, v in spec.variant.overrides],
    )
    return result


def study_inputs(cfg, params, boundary):
    """The controller's outside inputs in a study: tomorrow's PV forecast from the weather file
    (plant ``[forecast]``), or None when the plant file turns it off."""
    from hardware_sim.inputs import forecast_inputs

    fc = params.forecast
    if not fc.enabled:
        return None
    return forecast_inputs(boundary, params.simulation.utc_offset_h, sigma=fc.sigma, bias=fc.bias, seed=fc.seed)


def study_operator(params):
    """The simulated operator of the plant file's ``[operator]`` section (off by default)."""
    from hardware_sim.operator import OperatorPolicy

    return OperatorPolicy(params.operator.enabled, params.operator.delay_s)


def finish_study(result, cfg, params) -> None:
    """Complete a run for the report (in place): the meta of :func:`study_meta`, the prices and
    the room target in force per sample (``grid_price_eur_kwh``, ``feed_in_eur_kwh`` from the
    site's tariff; ``room_target_c`` from its first zone's schedule, else the room set point),
    and the switchings per pump and per miner contactor (``pump_switchings``,
    ``contactor_switchings``: instance name -> count)."""
    import numpy as np

    from thermiq.control.tariff import feed_in_eur_kwh, grid_price_eur_kwh
    from thermiq.control.zones import zone_target_c

    result.meta.update(study_meta(cfg, params))
    s, sample_s = result.series, result.meta["sample_s"]
    mid = np.asarray(s["t_utc_s"], dtype=float) - sample_s / 2.0  # each row averages (t - sample, t]
    dispatch = getattr(cfg, "dispatch", None)
    if dispatch is not None:
        tariff = dispatch.tariff
        price = np.array([grid_price_eur_kwh(tariff, None, t) for t in mid])
        s["grid_price_eur_kwh"] = price
        s["feed_in_eur_kwh"] = np.array([feed_in_eur_kwh(tariff, p) for p in price])
        if dispatch.zones:
            zone = dispatch.zones[0]
            s["room_target_c"] = np.array([zone_target_c(zone, t, tariff.utc_offset_h) for t in mid])
    sw = result.meta.get("output_switchings", {})
    result.meta["pump_switchings"] = {p.name: int(sw.get(p.output, 0)) for p in cfg.pumps}
    result.meta["contactor_switchings"] = {m.name: int(sw.get(m.contactor_output, 0)) for m in cfg.miners}


def study_meta(cfg, params) -> dict:
    """What the report needs from the configuration: prices, room set point, local-time offset."""
    from hardware_sim.report.economics import prices_from_config

    return {
        "prices": prices_from_config(cfg).as_dict(),
        "room_setpoint_c": cfg.heating.room_setpoint_c,
        "utc_offset_h": params.simulation.utc_offset_h,
        "night_setback": _night_setback(params),
    }


def _night_setback(params) -> tuple[float, float, float] | None:
    house = params.house
    if not hasattr(house, "night_setback_k"):
        return None
    return (house.night_setback_k, house.night_start_h, house.night_end_h)


def run_kpis(spec: RunSpec) -> dict:
    """KPIs of one variant's run (a small dict: what a sweep sends back from a worker)."""
    from hardware_sim.report.kpis import compute_kpis

    result = run_variant(spec)
    return {
        "label": spec.variant.label,
        "kpis": compute_kpis(result.series, result.meta),
        "wall_s": result.meta["wall_s"],
    }


@contextmanager
def executor(scheduler: str | None = None, workers: int | None = None) -> Iterator[Executor]:
    """A ``concurrent.futures`` executor: the Dask cluster at ``scheduler`` (its
    ``Client.get_executor()``), else a process pool of ``workers`` (default: the local cores)."""
    if scheduler:
        from distributed import Client

        client = Client(scheduler, timeout="30s")
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
    else:
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            yield pool


def run_all(fn, specs: list[RunSpec], scheduler: str | None = None, workers: int | None = None) -> list:
    """``fn(spec)`` for every spec, in parallel; results in the order of ``specs``."""
    with executor(scheduler, workers) as ex:
        futures = [ex.submit(fn, spec) for spec in specs]
        return [f.result() for f in futures]


def resolve_period(
    start: str | None, days: float | None, year: bool, weather_start_s: float, weather_end_s: float
) -> tuple[float, float]:
    """(first instant [UNIX s], length [s]) of ``--start``/``--days``/``--year`` inside the weather
    file (default 7 days from 10 January), cut to whole report samples. ValueError: outside the file."""
    import datetime as dt
    import math

    if year:
        if start is not None or days is not None:
            raise ValueError("--year simulates the whole weather file: leave out --start and --days")
        return weather_start_s, math.floor((weather_end_s - weather_start_s) / SAMPLE_S) * SAMPLE_S
    days = 7.0 if days is None else days
    if not (math.isfinite(days) and days > 0):
        raise ValueError(f"--days {days:g} must be a positive number of days")
    year0 = dt.datetime.fromtimestamp(weather_start_s, dt.UTC).year
    try:
        day = dt.date.fromisoformat(start or f"{year0}-01-10")
    except ValueError:
        raise ValueError(f"--start {start!r} is not a date (YYYY-MM-DD)") from None
    raw = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
    t0 = max(weather_start_s, raw)
    duration = math.floor(days * 86400.0 / SAMPLE_S) * SAMPLE_S
    if raw < weather_start_s - 86400.0 or t0 + duration > weather_end_s or duration <= 0:
        raise ValueError(f"--start {day} with --days {days:g} is outside the weather file")
    return t0, duration


def compare_cli(args, start_utc_s: float, duration_s: float, period_s: float) -> int:
    """``thermiq sim --compare VARIANT [--compare VARIANT ...]``: the site as configured and each
    variant, run in parallel over the same period; each run's report and the comparison go to
    ``--out``. Every variant is built (checked) before any run starts. Returns the exit code."""
    import sys

    from hardware_sim.plant.params import PlantParamsError
    from hardware_sim.report.compare import write_comparison
    from hardware_sim.variants import parse_variant
    from thermiq.config.load import ConfigError

    base = Variant("as configured", args.config, args.plant)
    texts = [args.compare] if isinstance(args.compare, str) else list(args.compare)
    variants = [base]
    for text in texts:
        try:
            other = parse_variant(text, base)
            build(other)
        except (ValueError, ConfigError, PlantParamsError) as err:
            print(f"error: --compare {text}: {str(err).strip()}", file=sys.stderr)
            return 2
        if other.label in {v.label for v in variants}:
            print(f"error: --compare {text}: given twice", file=sys.stderr)
            return 2
        variants.append(other)
    specs = [RunSpec(v, start_utc_s, duration_s, period_s, args.weather) for v in variants]
    t0 = time.perf_counter()
    done, failed = run_each(args.out, specs)
    for label, err in failed.items():
        print(f"error: run {label!r} failed: {err}", file=sys.stderr)
    if len(done) < 2:
        return 1
    md = write_comparison(args.out, {s.variant.label: done[s.variant.label] for s in specs if s.variant.label in done})
    print(
        f"comparison written to {md} ({len(done)} runs of {duration_s / 86400:g} days "
        f"in {time.perf_counter() - t0:.1f} s)"
    )
    return 1 if failed else 0


def run_each(out_dir, specs: list[RunSpec]) -> tuple[dict, dict[str, str]]:
    """Run every spec in its own process (all at once: runs of one comparison finish together)
    and write each run's report as soon as it ends, so a run that fails loses only itself.
    Returns ({label: result}, {label: one-line error})."""
    from concurrent.futures import as_completed
    from pathlib import Path

    from hardware_sim.report import write_report
    from hardware_sim.report.compare import slug

    done, failed = {}, {}
    with executor(workers=len(specs)) as ex:
        futures = {ex.submit(run_variant, spec): spec.variant.label for spec in specs}
        for fut in as_completed(futures):
            label = futures[fut]
            try:
                done[label] = fut.result()
            except Exception as err:  # a failed run is reported, the others are kept
                failed[label] = " ".join(str(err).split()) or type(err).__name__
                continue
            write_report(Path(out_dir) / slug(label), done[label].series, done[label].meta)
    return done, failed
