"""Scenario files (TOML): a start state, a weather period, faults to inject, assertions.

A scenario runs the one closed loop (``hardware_sim.harness.simulate``: the real scan against
the plant) and checks what came out. The scenario tier (``tests/scenarios``) runs every file in
``scenarios/`` in CI; ``python -m hardware_sim.scenario FILE... [--out DIR]`` runs them by hand
(exit 1 if an assertion fails, 2 if a file is unusable).

File layout (unknown keys are refused; times in hours from the start)::

    name = "grid outage"
    description = "..."
    config = "thermiq/sites/asp1.toml"         # optional, relative to the repository
    [period]
    start = "2009-05-12"                       # day (00:00 UTC) or "2009-05-12T06:00"
    days = 1.0
    period_s = 10.0                            # the scan period (<= 10 s)
    [start_state]                              # optional; unset = the warm default start
    buffer_top_c = 55.0                        # buffer linear from top to bottom
    buffer_bottom_c = 40.0
    dhw_c = 50.0
    room_c = 20.5
    battery_soc_pct = 60.0
    [[faults]]
    kind = "grid_outage"                       # or "sensor_open" / "sensor_short" (+ signal = "...")
    from_h = 10.0
    to_h = 14.0
    [[expect]]                                 # a metric of the time series within limits
    metric = "grid_import_w_max"               # <column>_kwh | _min | _max | _mean
    max = 0.0
    from_h = 10.1                              # optional window
    to_h = 14.0
    [[expect_trips]]
    trip = "I5_buffer_top_hh"                  # a trip id (or its prefix, e.g. "I5")
    tripped = true                             # it latched at least once (false: never)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from thermiq.config.load import read_toml, validation_lines

REPO = Path(__file__).resolve().parents[1]
SCENARIO_DIR = REPO / "scenarios"
J_PER_KWH = 3.6e6
_STATS = ("_kwh", "_min", "_max", "_mean")


class ScenarioError(ValueError):
    """A scenario file that cannot be used (one line per problem, naming the file and key)."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(_Section):
    start: str = Field(description="first instant, UTC: YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    days: float = Field(1.0, gt=0.0, le=366.0)
    period_s: float = Field(10.0, ge=0.01, le=10.0, description="scan period [s]")
    sample_s: float = Field(300.0, gt=0.0, le=3600.0, description="time-series interval [s]")

    @property
    def start_utc_s(self) -> float:
        try:
            t = dt.datetime.fromisoformat(self.start)
        except ValueError:
            raise ScenarioError(f"period.start {self.start!r} is not YYYY-MM-DD[THH:MM]") from None
        return t.replace(tzinfo=dt.UTC).timestamp()


class StartState(_Section):
    buffer_top_c: float | None = Field(None, ge=5.0, le=95.0)
    buffer_bottom_c: float | None = Field(None, ge=5.0, le=95.0)
    dhw_c: float | None = Field(None, ge=5.0, le=95.0)
    room_c: float | None = Field(None, ge=0.0, le=35.0)
    battery_soc_pct: float | None = Field(None, ge=0.0, le=100.0)


class Fault(_Section):
    kind: Literal["grid_outage", "sensor_open", "sensor_short"]
    signal: str | None = Field(None, description="site signal of a sensor fault")
    from_h: float = Field(ge=0.0)
    to_h: float = Field(gt=0.0)

    @model_validator(mode="after")
    def _check(self):
        if self.to_h <= self.from_h:
            raise ValueError(f"to_h ({self.to_h}) must be after from_h ({self.from_h})")
        if (self.kind == "grid_outage") != (self.signal is None):
            raise ValueError("a sensor fault names its signal; a grid outage names none")
        return self


class Expect(_Section):
    metric: str = Field(description="<column>_kwh | <column>_min | <column>_max | <column>_mean")
    min: float | None = None
    max: float | None = None
    from_h: float | None = Field(None, ge=0.0)
    to_h: float | None = Field(None, gt=0.0)
    known_failure: str | None = Field(
        None,
        description="why this expectation fails today (a known defect, "
        "reported as XFAIL; the scenario tier fails once it holds)",
    )

    @model_validator(mode="after")
    def _check(self):
        if self.min is None and self.max is None:
            raise ValueError(f"expect {self.metric!r} needs min or max")
        if not self.metric.endswith(_STATS):
            raise ValueError(f"metric {self.metric!r} must end in one of {', '.join(_STATS)}")
        return self


class ExpectTrip(_Section):
    trip: str = Field(min_length=2)
    tripped: bool
    known_failure: str | None = Field(
        None,
        description="why this expectation fails today (a known defect, "
        "reported as XFAIL; the scenario tier fails once it holds)",
    )


class Scenario(_Section):
    name: str
    description: str = ""
    config: str = "thermiq/sites/asp1.toml"
    plant: str | None = None
    period: Period
    start_state: StartState = StartState()
    faults: tuple[Fault, ...] = ()
    expect: tuple[Expect, ...] = ()
    expect_trips: tuple[ExpectTrip, ...] = ()

    @model_validator(mode="after")
    def _something_checked(self):
        if not self.expect and not self.expect_trips:
            raise ValueError("a scenario must assert something (expect or expect_trips)")
        return self


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises
    ------
    ScenarioError
        Missing file, not TOML, unknown keys, values out of range.
    """
    data = read_toml(path, ScenarioError, "scenario")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError("invalid scenario" + validation_lines(err, str(path))) from None


@dataclass
class Outcome:
    """What a scenario run gave: the failed assertions (empty = passed), the measured metrics."""

    name: str
    failures: list[str]
    metrics: dict[str, float]
    tripped: set[str]
    result: object
    known: list[str] = field(default_factory=list)  #: marked ``known_failure`` and failing as known
    fixed: list[str] = field(default_factory=list)  #: marked ``known_failure`` but holding now


def _window(series: dict, sample_s: float, start_s: float, lo_h: float | None, hi_h: float | None):
    t_h = (series["t_utc_s"] - start_s) / 3600.0  # end of each sample interval
    mask = np.ones(t_h.shape, dtype=bool)
    if lo_h is not None:
        mask &= t_h - sample_s / 3600.0 >= lo_h - 1e-9
    if hi_h is not None:
        mask &= t_h <= hi_h + 1e-9
    return mask


def metric(series: dict, sample_s: float, start_s: float, name: str, lo_h=None, hi_h=None) -> float:
    """One metric of the time series, over the samples fully inside [lo_h, hi_h] (hours).

    Raises
    ------
    ScenarioError
        Unknown column or an empty window.
    """
    col, stat = next((name[: -len(s)], s) for s in _STATS if name.endswith(s))
    if col not in series:
        raise ScenarioError(f"metric {name!r}: no column {col!r} (have {', '.join(sorted(series))})")
    v = series[col][_window(series, sample_s, start_s, lo_h, hi_h)]
    if v.size == 0:
        raise ScenarioError(f"metric {name!r}: no sample in the window {lo_h}..{hi_h} h")
    if stat == "_kwh":
        return float(v.sum() * sample_s / J_PER_KWH)
    return float({"_min": v.min, "_max": v.max, "_mean": v.mean}[stat]())


def _start_state(sc: StartState, params):
    def apply(state):
        changes = {}
        n = len(state.buffer_c)
        if sc.buffer_top_c is not None or sc.buffer_bottom_c is not None:
            top = sc.buffer_top_c if sc.buffer_top_c is not None else state.buffer_c[0]
            bottom = sc.buffer_bottom_c if sc.buffer_bottom_c is not None else state.buffer_c[-1]
            changes["buffer_c"] = tuple(top + (bottom - top) * i / (n - 1) for i in range(n))
        if sc.dhw_c is not None:
            changes["dhw_c"] = tuple(sc.dhw_c for _ in state.dhw_c)
        if sc.room_c is not None:
            changes["room_c"] = sc.room_c
        if sc.battery_soc_pct is not None:
            from hardware_sim.plant.electrical import battery_capacity_j

            changes["battery_energy_j"] = sc.battery_soc_pct / 100.0 * battery_capacity_j(params.electrical)
        return replace(state, **changes)

    return apply


def _faults(faults: tuple[Fault, ...]):
    sensor = [
        (f.from_h * 3600.0, f.to_h * 3600.0, f.signal, f.kind.removeprefix("sensor_"))
        for f in faults
        if f.kind != "grid_outage"
    ]
    outages = [(f.from_h * 3600.0, f.to_h * 3600.0) for f in faults if f.kind == "grid_outage"]

    def sensor_faults(t_s: float) -> dict[str, str] | None:
        active = {sig: mode for lo, hi, sig, mode in sensor if lo <= t_s < hi}
        return active or None

    def grid_ok(t_s: float) -> bool:
        return not any(lo <= t_s < hi for lo, hi in outages)

    return (sensor_faults if sensor else None), (grid_ok if outages else None)


def run_scenario(sc: Scenario, source: str = "<scenario>") -> Outcome:
    """Run one scenario and check its assertions.

    Raises
    ------
    ScenarioError
        The scenario does not fit its site or weather (unknown signal, period outside the file).
    """
    from hardware_sim.harness import simulate
    from hardware_sim.operator import OperatorPolicy
    from hardware_sim.plant.boundary import BoundarySeries
    from hardware_sim.plant.params import load_plant_params
    from hardware_sim.sim_args import check_period_s
    from thermiq.config.load import load_config

    cfg_path = Path(sc.config) if Path(sc.config).is_absolute() else REPO / sc.config
    cfg = load_config(cfg_path)
    params = load_plant_params(REPO / sc.plant) if sc.plant else load_plant_params()
    boundary = BoundarySeries.from_files(params)
    inputs = {s for _, s in cfg.signal_owners()}
    for f in sc.faults:
        if f.signal is not None and f.signal not in inputs:
            raise ScenarioError(f"{source}: fault signal {f.signal!r} is not a signal of site {cfg.site.name}")
    check_period_s(sc.period.period_s, sc.period.sample_s)
    start = sc.period.start_utc_s
    duration = sc.period.days * 86400.0
    if not (boundary.start_s <= start and start + duration <= boundary.end_s):
        raise ScenarioError(
            f"{source}: period {sc.period.start} + {sc.period.days:g} days lies outside the weather file"
        )
    sensor_faults, grid_ok = _faults(sc.faults)
    res = simulate(
        cfg,
        params,
        boundary,
        start,
        duration,
        sc.period.period_s,
        sample_s=sc.period.sample_s,
        faults=sensor_faults,
        start_state=_start_state(sc.start_state, params),
        grid_ok=grid_ok,
        operator=OperatorPolicy(params.operator.enabled, params.operator.delay_s),
    )
    failures: list[str] = []
    metrics: dict[str, float] = {}
    known: list[str] = []
    fixed: list[str] = []
    for e in sc.expect:
        key = e.metric + (f"[{e.from_h:g}..{e.to_h:g} h]" if e.from_h is not None or e.to_h is not None else "")
        value = metric(res.series, sc.period.sample_s, start, e.metric, e.from_h, e.to_h)
        metrics[key] = value
        bad = (e.min is not None and value < e.min) or (e.max is not None and value > e.max)
        text = (
            f"{key} = {value:.4g}, expected {f'>= {e.min:g}' if e.min is not None else ''}"
            f"{' and ' if e.min is not None and e.max is not None else ''}"
            f"{f'<= {e.max:g}' if e.max is not None else ''}"
        )
        if e.known_failure is None:
            if bad:
                failures.append(text)
        elif bad:
            known.append(f"{text} (known: {e.known_failure})")
        else:
            fixed.append(f"{key}: holds now although marked known_failure: remove the mark")
    tripped = {ev["trip"] for ev in res.meta["trip_events"] if ev["from"] == "normal"}
    for t in sc.expect_trips:
        hit = any(tid == t.trip or tid.startswith(t.trip + "_") for tid in tripped)
        text = f"trip {t.trip}: expected {'a trip' if t.tripped else 'no trip'}, tripped: {sorted(tripped) or 'none'}"
        if t.known_failure is None:
            if hit != t.tripped:
                failures.append(text)
        elif hit != t.tripped:
            known.append(f"{text} (known: {t.known_failure})")
        else:
            fixed.append(f"trip {t.trip}: holds now although marked known_failure: remove the mark")
    return Outcome(sc.name, failures + fixed, metrics, tripped, res, known, fixed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hardware_sim.scenario", description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help=f"scenario TOML files (default: every file in {SCENARIO_DIR.name}/)")
    ap.add_argument("--out", help="also write each run's report into DIR/<file stem>")
    args = ap.parse_args(argv)
    files = [Path(f) for f in args.files] or sorted(SCENARIO_DIR.glob("*.toml"))
    failed = 0
    for path in files:
        try:
            out = run_scenario(load_scenario(path), str(path))
        except (ScenarioError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        status = "PASS" if not out.failures else "FAIL"
        print(
            f"{status} {path.name}: {out.name}; "
            + ", ".join(f"{k} = {v:.4g}" for k, v in out.metrics.items())
            + (f"; tripped: {', '.join(sorted(out.tripped))}" if out.tripped else "")
        )
        for f in out.failures:
            print(f"     {f}")
        for k in out.known:
            print(f"     XFAIL {k}")
        failed += bool(out.failures)
        if args.out:
            from hardware_sim.report import write_report

            write_report(Path(args.out) / path.stem, out.result.series, out.result.meta)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
