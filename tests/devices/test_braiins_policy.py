"""Pure command shaping: clamp into constraints, deadband, rate limit, pause never delayed."""

from __future__ import annotations

from thermiq.adapters.braiins.policy import Action, clamp_target, decide
from thermiq.cycle.image import MinerCommand, MinerSnapshot, MinerState

MINING = MinerSnapshot(
    stamp_s=1.0,
    reachable=True,
    state=MinerState.MINING,
    power_w=2400.0,
    power_target_w=2500.0,
    power_target_min_w=1700.0,
    power_target_max_w=3600.0,
)
PAUSED = MinerSnapshot(
    stamp_s=1.0,
    reachable=True,
    state=MinerState.PAUSED,
    power_w=15.0,
    power_target_w=2500.0,
    power_target_min_w=1700.0,
    power_target_max_w=3600.0,
)


def d(cmd, snap=MINING, last=None, now=100.0):
    return decide(cmd, snap, last, now, deadband_w=100.0, min_change_interval_s=30.0)


def test_inside_range_and_outside_deadband_sets_target():
    assert d(MinerCommand(True, 3000.0)).actions == (Action("set_target", 3000),)


def test_deadband_suppresses_small_changes():
    assert d(MinerCommand(True, 2580.0)).actions == ()


def test_rate_limit_holds_back_and_says_so():
    dec = d(MinerCommand(True, 3000.0), last=80.0, now=100.0)
    assert dec.actions == ()
    assert "rate limit" in dec.notes[0]
    assert d(MinerCommand(True, 3000.0), last=70.0, now=100.0).actions == (Action("set_target", 3000),)


def test_out_of_range_is_clamped_with_reason():
    dec = d(MinerCommand(True, 9000.0))
    assert dec.actions == (Action("set_target", 3600),)
    assert "above miner maximum 3600 W: clamped" in dec.notes[0]
    assert clamp_target(500.0, MINING) == (1700, "target 500 W below miner minimum 1700 W: clamped")


def test_unknown_constraints_hold_the_target_back():
    snap = MinerSnapshot(stamp_s=1.0, reachable=True, state=MinerState.MINING, power_target_w=2500.0)
    dec = d(MinerCommand(True, 3000.0), snap)
    assert dec.actions == () and "constraints unknown" in dec.notes[0]


def test_stop_pauses_at_once_even_inside_the_rate_limit():
    assert d(MinerCommand(False), last=99.0, now=100.0).actions == (Action("pause"),)
    assert d(MinerCommand(False), PAUSED).actions == ()


def test_run_from_paused_resumes_then_sets_target():
    assert d(MinerCommand(True, 3000.0), PAUSED).actions == (Action("resume"), Action("set_target", 3000))


def test_unreachable_miner_gets_no_calls():
    assert d(MinerCommand(False), MinerSnapshot()).actions == ()
    assert d(None).actions == ()
