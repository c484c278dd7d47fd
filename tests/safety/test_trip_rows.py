"""Every row of every site's trip table through the real scan (file-backed image): effect, latch, reset.

Table-driven over four sites: ASP1 (2 miners) and the test sites under tests/sites/ with 1, 2
and 4 miners (their piCtory files are generated from their I/O lists). The case of a row (how
to cause it, how to clear it) is built from the row itself and the site's instances, so a new
kind of row without a case fails here (issue #3 done-when 1, issue #8 done-when 1).

A miner's rows (``TripSpec.miner``) must trip, latch, pause and reset that miner only: the other
miners keep running (or start) meanwhile, no other miner's row and no plant row latches, and the
row is its miner's first-out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from thermiq.config.load import load_config
from thermiq.interlocks.alarm import AlarmState
from thermiq.interlocks.trip_table import Reset, build_trip_table
from thermiq.iomap.io_list import site_io_list

from .conftest import PlantLoop, check_effects

REPO = Path(__file__).resolve().parents[2]
SITES = {
    "asp1": REPO / "thermiq" / "sites" / "asp1.toml",
    **{s: REPO / "tests" / "sites" / f"{s}.toml" for s in ("solo", "duo", "quad")},
}
CFGS = {name: load_config(path) for name, path in SITES.items()}
ROWS = [(site, spec) for site, cfg in CFGS.items() for spec in build_trip_table(cfg)]


def _temps(targets):
    return lambda lp: lp.set_temps(targets)


def _override(values):
    def do(lp):
        lp.overrides.update(values)

    return do


def _drop(names, restore=None):
    def do(lp):
        for n in names:
            lp.overrides.pop(n, None)
        lp.values.update(restore or {})

    return do


def _set(attr, key, value):
    def do(lp):
        target = getattr(lp, attr)
        if isinstance(target, set):
            (target.add if value else target.discard)(key)
        elif value is None:
            target.pop(key, None)
        else:
            target[key] = value

    return do


def _timing(ok):
    def do(lp):
        lp.runner._timing_ok = ok  # what Runner.run sets after repeated overruns (I12)

    return do


def _blind_controller(lp):
    """A controller with wrong tank limits (it sees room where there is none): the dispatch opens
    the contactors before the tanks are full (issue #10), so the no-sink trip is shown against a
    controller that fails to (the configuration is copied without validation on purpose)."""
    from thermiq.cycle.scan import Core

    core = lp.runner.core
    tanks = tuple(t.model_copy(update={"max_c": 95.0}) for t in core.cfg.tanks)
    lp.runner.core = Core(core.cfg.model_copy(update={"tanks": tanks}), core.table, core.quality)


def case_for(spec, cfg):
    """(miners running first?, cause, clear, scan step while waiting [s], max wait [s]) of one row."""
    kind = spec.id.split("_")[0]
    loop = cfg.miner_loop
    lim = cfg.limits
    m = next((x for x in cfg.miners if x.name == spec.miner), None)
    if kind == "I13":
        first = spec.signals[0]
        return True, _override({first: False}), _drop([first], {first: True}), 1.0, 3
    if kind == "I1":
        others = [x.outlet_temp_signal for x in cfg.miners if x is not m]
        hot = {
            loop.return_temp_signal: 60.0,
            m.outlet_temp_signal: lim.miner_outlet_trip_c + 2.0,
            # the others stay below the dispatch's derate band (issue #10 pauses a miner 5 K below its trip)
            **{
                o: lim.miner_outlet_trip_c - cfg.dispatch.derating.margin_k - cfg.dispatch.derating.band_k - 1.0
                for o in others
            },
        }
        cold = {loop.return_temp_signal: 35.0, m.outlet_temp_signal: 45.0, **{o: 45.0 for o in others}}
        return True, _temps(hot), _temps(cold), 1.0, 3
    if kind == "I2":
        s = loop.supply_temp_signal
        return True, _temps({s: lim.miner_loop_supply_trip_c + 1.0}), _temps({s: 40.0}), 1.0, 3
    if kind == "I3":
        return (
            True,
            _temps({m.outlet_temp_signal: 35.0 + lim.miner_delta_t_max_k + 1.0}),
            _temps({m.outlet_temp_signal: 45.0}),
            1.0,
            3,
        )
    if kind == "I4":
        return True, _temps({m.outlet_temp_signal: 35.2}), _temps({m.outlet_temp_signal: 45.0}), 5.0, 200
    if kind in ("I5", "I6", "I7"):
        (s,) = spec.signals
        limit = getattr(lim, spec.limit)
        back = 40.0 if kind == "I6" else (50.0 if kind == "I7" else 60.0)
        return True, _temps({s: limit + 1.0}), _temps({s: back}), 1.0, 3
    if spec.id == "I9_no_heat_sink":
        full = {s: getattr(lim, n) + 1.0 for s, n in zip(spec.signals, spec.limit)}
        back = {s: (50.0 if s == cfg.dhw.top_temp_signal else 60.0) for s in spec.signals}
        blind_and_full = _temps(full)
        return True, lambda lp: (_blind_controller(lp), blind_and_full(lp)), _temps(back), 5.0, 120
    if kind == "I9":
        v = cfg.valve(spec.id.split("_")[1])
        switches = [f for f in (v.feedback_a, v.feedback_b) if f]

        def wrong(lp):  # every end switch reads the opposite of what the valve was told
            at_a = bool(lp.outs.get(v.output, False))
            lp.overrides.update({f: (not at_a) if f == v.feedback_a else at_a for f in switches})

        return True, wrong, _drop(switches), 5.0, 120
    if kind == "I10":
        return True, _set("unreachable", m.name, True), _set("unreachable", m.name, False), 10.0, 400
    if spec.id.endswith("_still_powered"):
        return False, _set("power", m.name, 1500.0), _set("power", m.name, None), 5.0, 60
    if spec.id.endswith("_contactor_feedback"):
        fb = m.contactor_feedback
        return True, _override({fb: False}), _drop([fb]), 1.0, 5
    if kind == "I12":
        return True, _timing(False), _timing(True), 1.0, 3
    raise AssertionError(f"no test case for trip row {spec.id}")


def test_every_row_of_every_site_has_a_case():
    for site, spec in ROWS:
        case_for(spec, CFGS[site])
    counts = {site: sum(1 for s, spec in ROWS if s == site and spec.miner) for site in CFGS}
    assert counts == {"asp1": 12, "solo": 6, "duo": 12, "quad": 24}, "six rows per miner"


@pytest.fixture
def site_plant(request, tmp_path):
    site = request.param
    cfg = CFGS[site]
    lp = PlantLoop(cfg, site_io_list(cfg), tmp_path)
    yield lp
    lp.close()


def _others_on(lp, res, outs, own):
    others = [m for m in lp.cfg.miners if m.name != own]
    return all(outs[m.contactor_output] and res.outputs.miners[m.name].run for m in others)


@pytest.mark.parametrize(
    "site_plant, spec",
    [pytest.param(site, spec, id=f"{site}-{spec.id}") for site, spec in ROWS],
    indirect=["site_plant"],
)
def test_row_effect_latch_and_reset(site_plant, spec):
    plant, cfg = site_plant, site_plant.cfg
    own = spec.miner
    miners_first, cause, clear, dt_s, max_s = case_for(spec, cfg)
    if miners_first:
        plant.run_until_miners_on()
    else:
        for _ in range(5):
            plant.step()
    assert not plant.runner.state.interlocks.latched

    def only_own_rows(res):
        latched = res.state.interlocks.latched
        assert set(latched) <= {r.spec.id for r in plant.runner.core.table if r.spec.miner == own} | {spec.id}, (
            f"{spec.id}: other rows latched too: {latched}"
        )

    # cause -> latched, with the row's effect in the same scan; a miner's rows touch only that miner
    cause(plant)
    waited, res = 0.0, None
    while waited <= max_s:
        res, outs = plant.step(dt_s)
        waited += dt_s
        if own:
            only_own_rows(res)
            if miners_first:
                assert _others_on(plant, res, outs, own), f"{spec.id}: another miner stopped"
        if res.state.interlocks.trips.get(spec.id) and res.state.interlocks.trips[spec.id].latched:
            break
    trip = res.state.interlocks.trips[spec.id]
    assert trip.latched, f"{spec.id} did not latch within {max_s} s"
    assert trip.first_out and spec.id in res.state.interlocks.first_outs
    if not own:
        assert res.state.interlocks.first_out == spec.id
    compiled = next(r for r in plant.runner.core.table if r.spec.id == spec.id)
    assert waited >= compiled.delay_s
    check_effects(spec.effects, res, outs, cfg, own)

    if own and len(cfg.miners) > 1:
        # while this miner's trip is latched the others run (or start), this one stays off
        for _ in range(2000):
            res, outs = plant.step()
            only_own_rows(res)
            own_cfg = next(m for m in cfg.miners if m.name == own)
            assert not outs[own_cfg.contactor_output] and not res.outputs.miners[own].run
            if _others_on(plant, res, outs, own):
                break
        assert _others_on(plant, res, outs, own), f"{spec.id}: the other miners did not run meanwhile"

    # a reset while the cause may still be active is refused and changes nothing
    outcome, res, _ = plant.command("reset", spec.id, "r-early")
    assert not outcome.accepted and outcome.reason
    assert res.state.interlocks.trips[spec.id].latched

    # cause goes away: still latched, effect still forced
    clear(plant)
    for _ in range(3):
        res, outs = plant.step()
    assert res.state.interlocks.trips[spec.id].latched, "a cleared cause does not unlatch a trip"
    assert res.state.interlocks.trips[spec.id].alarm is AlarmState.CLEARED_UNACK
    check_effects(spec.effects, res, outs, cfg, own)

    outcome, res, _ = plant.command("ack", spec.id, "a1")
    assert outcome.accepted, outcome.reason
    if spec.reset is Reset.HARDWARE:
        assert not res.state.interlocks.trips[spec.id].latched, "hardware mirror clears with the hardware once acked"
        plant.values[spec.signals[0]] = False
        plant.step()
        outcome, res, _ = plant.command("reset", spec.id, "r-hw")
        assert not outcome.accepted and "hardware" in outcome.reason
        assert res.state.interlocks.trips[spec.id].latched
        return
    assert res.state.interlocks.trips[spec.id].alarm is AlarmState.CLEARED_ACK
    outcome, res, outs = plant.command("reset", spec.id, "r-ok")
    assert outcome.accepted, outcome.reason
    assert not res.state.interlocks.latched
    if own:
        res, outs = plant.run_until_miners_on()  # the reset gives the miner back; all run again
        assert not res.state.interlocks.latched
