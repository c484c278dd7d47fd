"""Compare dispatch strategies on the same weather: merit order (ThermIQ) vs the naive baseline.

``python -m hardware_sim.compare --start 2009-01-01 --days 365 --period 30 --out report/compare``
runs the closed loop twice (``[dispatch] strategy = "merit_order"`` and ``"naive"``: miners on
above a fixed export, heat pump alone on its thermostat) and writes ``compare.md`` with, per
strategy: energy cost (import at the tariff in force minus export at the feed-in in force, minus
mining revenue), grid import and export, miner heat, comfort (degree-hours of the room below
the zone's scheduled target minus half its band) and switchings per pump and contactor, trips
and the operator resets the policy made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

from hardware_sim.harness import SimResult, simulate
from hardware_sim.inputs import forecast_inputs
from hardware_sim.operator import OperatorPolicy
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import load_plant_params
from thermiq.config.load import load_config
from thermiq.config.schema import ThermiqConfig
from thermiq.control.costs import mining_revenue_eur_kwh
from thermiq.control.tariff import feed_in_eur_kwh, grid_price_eur_kwh
from thermiq.control.zones import zone_target_c

REPO = Path(__file__).resolve().parents[1]


def with_strategy(cfg: ThermiqConfig, strategy: str) -> ThermiqConfig:
    """A copy of ``cfg`` with ``dispatch.strategy`` replaced (validated)."""
    data = cfg.model_dump()
    data["dispatch"]["strategy"] = strategy
    return ThermiqConfig.model_validate(data)


def kpis(cfg: ThermiqConfig, res: SimResult) -> dict[str, float]:
    """The comparison figures of one run (energies in kWh, money in EUR)."""
    s, dt_s = res.series, res.meta["sample_s"]
    tar = cfg.dispatch.tariff
    t = s["t_utc_s"] - dt_s / 2.0
    price = np.array([grid_price_eur_kwh(tar, None, x) for x in t])
    feed = np.array([feed_in_eur_kwh(tar, p) for p in price])
    kwh = dt_s / 3.6e6
    imp, exp = s["grid_import_w"] * kwh, s["grid_export_w"] * kwh
    miner_kwh = s["miner_heat_w"] * kwh
    revenue = mining_revenue_eur_kwh(cfg.dispatch.mining, cfg.dispatch.mining.hashprice_usd_th_day)
    zone = cfg.dispatch.zones[0] if cfg.dispatch.zones else None
    if zone is not None:
        target = np.array([zone_target_c(zone, x, tar.utc_offset_h) for x in s["t_utc_s"]]) - zone.hysteresis_k / 2.0
    else:
        target = np.full_like(t, cfg.heating.room_setpoint_c - 0.3)
    below = np.clip(target - s["room_temp_c"], 0.0, None) * dt_s / 3600.0
    sw = res.meta.get("output_switchings", {})
    out = {
        "energy cost [EUR]": float((imp * price).sum() - (exp * feed).sum() - miner_kwh.sum() * revenue),
        "  of it: import [EUR]": float((imp * price).sum()),
        "  of it: export earned [EUR]": float((exp * feed).sum()),
        "  of it: mining revenue [EUR]": float(miner_kwh.sum() * revenue),
        "grid import [kWh]": float(imp.sum()),
        "grid export [kWh]": float(exp.sum()),
        "PV [kWh]": float((s["pv_power_w"] * kwh).sum()),
        "miner heat [kWh]": float(miner_kwh.sum()),
        "heat pump electricity [kWh]": float((s["hp_power_w"] * kwh).sum()),
        "heat pump heat [kWh]": float((s["hp_heat_w"] * kwh).sum()),
        "comfort: degree-hours below target [K h]": float(below.sum()),
        "room min [°C]": float(s["room_temp_c"].min()),
        "trips": float(sum(1 for e in res.meta["trip_events"] if e["to"] == "active_unack")),
        "hours with a trip latched": float((s["trips_latched"] > 0).sum() * dt_s / 3600.0),
        "operator resets": float(len(res.meta.get("operator_resets", ()))),
    }
    for p in cfg.pumps:
        out[f"switchings {p.name} ({p.label or p.output})"] = float(sw.get(p.output, 0))
    for m in cfg.miners:
        out[f"switchings contactor {m.name}"] = float(sw.get(m.contactor_output, 0))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hardware_sim.compare", description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(REPO / "thermiq" / "sites" / "asp1.toml"))
    ap.add_argument("--start", default="2009-01-01")
    ap.add_argument("--days", type=float, default=365.0)
    ap.add_argument("--period", type=float, default=10.0, help="scan period = plant step [s]")
    ap.add_argument(
        "--operator-delay",
        type=float,
        default=None,
        help="simulated operator resets cleared trips after this many seconds (default: off)",
    )
    ap.add_argument("--forecast-sigma", type=float, default=0.2, help="relative error of tomorrow's PV forecast")
    ap.add_argument("--strategies", default="merit_order,naive")
    ap.add_argument("--out", default="report/compare")
    args = ap.parse_args(argv)
    base = load_config(args.config)
    params = load_plant_params()
    boundary = BoundarySeries.from_files(params)
    day = dt.date.fromisoformat(args.start)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
    duration = min(args.days * 86400.0, boundary.end_s - start - 86400.0)
    sample = args.period * max(1, round(300.0 / args.period))
    policy = OperatorPolicy(args.operator_delay is not None, args.operator_delay or 0.0)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    table: dict[str, dict[str, float]] = {}
    for strategy in args.strategies.split(","):
        cfg = with_strategy(base, strategy)
        fc = forecast_inputs(boundary, cfg.dispatch.tariff.utc_offset_h, sigma=args.forecast_sigma)
        t0 = time.perf_counter()
        shown = {"pct": -1}

        def progress(frac: float, strategy=strategy, shown=shown) -> None:
            if int(frac * 100) // 5 != shown["pct"]:
                shown["pct"] = int(frac * 100) // 5
                print(f"{strategy}: {frac:.0%}", file=sys.stderr, flush=True)

        res = simulate(
            cfg,
            params,
            boundary,
            start,
            duration,
            args.period,
            sample_s=sample,
            inputs=fc if strategy != "naive" else None,
            operator=policy,
            progress=progress,
        )
        table[strategy] = kpis(cfg, res)
        table[strategy]["wall time [s]"] = time.perf_counter() - t0
        (out_dir / f"{strategy}_trips.json").write_text(json.dumps(res.meta["trip_events"], indent=1))
        (out_dir / f"{strategy}_kpis.json").write_text(json.dumps(table[strategy], indent=1))
        print(f"{strategy}: done in {table[strategy]['wall time [s]']:.0f} s", file=sys.stderr, flush=True)
    names = list(table)
    lines = [
        f"# Dispatch comparison: {args.start} + {duration / 86400.0:g} days, scan period {args.period:g} s, "
        f"operator policy {'off' if not policy.enabled else f'on ({policy.delay_s:g} s)'}",
        "",
        "| KPI | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for k in table[names[0]]:
        lines.append(f"| {k} | " + " | ".join(f"{table[n][k]:,.1f}" for n in names) + " |")
    (out_dir / "compare.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
