"""MinerLink worker against the simulated miner: commands shaped, measured power reported,
faults make the snapshot invalid without ever blocking the caller."""

from __future__ import annotations

import time

import pytest
from structlog.testing import capture_logs

from hardware_sim.devices.braiins_sim import BraiinsSim
from tests.support import ShiftedClock
from thermiq.adapters.braiins.client import BraiinsClient
from thermiq.adapters.braiins.link import BraiinsMinerLink, LinkTiming
from thermiq.config.schema import ScanConfig
from thermiq.cycle.freeze import freeze
from thermiq.cycle.image import InverterSnapshot, MinerCommand, MinerSnapshot, MinerState

FAST = LinkTiming(poll_period_s=0.1, invalid_after_failures=2, deadband_w=100.0, min_change_interval_s=0.0)


@pytest.fixture
def sim():
    s = BraiinsSim(ramp_w_per_s=20000.0).start()
    yield s
    s.stop()


def make_link(sim, timing=FAST, deadline_s=0.3, **kw):
    return BraiinsMinerLink("m1", BraiinsClient(sim.target, "root", "root", deadline_s), timing, **kw).start()


@pytest.fixture
def link(sim, wait_until):
    lk = make_link(sim)
    wait_until(lambda: lk.snapshot().reachable, what="first poll")
    yield lk
    lk.close()


def test_snapshot_reports_measured_power_not_the_command(sim, link, wait_until):
    link.command(MinerCommand(True, 2000.0))
    wait_until(lambda: link.snapshot().power_target_w == 2000.0, what="target in force")
    sim.set_measured_power(1875.0)  # e.g. the tuner has not reached the target yet
    wait_until(lambda: link.snapshot().power_w == 1875.0, what="measured power")
    snap = link.snapshot()
    assert snap.power_target_w == 2000.0 and snap.power_w == 1875.0
    assert snap.state == MinerState.MINING
    assert (snap.power_target_min_w, snap.power_target_max_w) == (1700.0, 3600.0)
    assert len(snap.board_temps_c) == 3 and snap.chip_temp_max_c == pytest.approx(72.0)  # chips 70..72, cooling 72


def test_out_of_range_target_is_clamped_with_a_logged_reason(sim, link, wait_until):
    with capture_logs() as logs:
        link.command(MinerCommand(True, 8000.0))
        wait_until(lambda: sim.miner_state()["power_target_w"] == 3600.0, what="clamped target")
    reasons = [e for e in logs if e["event"] == "command_adjusted"]
    assert reasons and "above miner maximum 3600 W: clamped" in reasons[0]["notes"][0]
    assert "SetPowerTarget" in sim.miner_state()["calls"]


def test_deadband_and_rate_limit_limit_the_calls(sim, wait_until):
    lk = make_link(sim, LinkTiming(poll_period_s=0.05, min_change_interval_s=3600.0, deadband_w=100.0))
    try:
        wait_until(lambda: lk.snapshot().reachable, what="first poll")
        lk.command(MinerCommand(True, 2000.0))
        wait_until(lambda: sim.miner_state()["power_target_w"] == 2000.0, what="first change")
        lk.command(MinerCommand(True, 2050.0))  # inside the deadband
        lk.command(MinerCommand(True, 3000.0))  # outside, but inside the rate limit
        polls = lk.stats.polls
        wait_until(lambda: lk.stats.polls >= polls + 5, what="more polls")
        assert sim.miner_state()["calls"]["SetPowerTarget"] == 1
        assert sim.miner_state()["power_target_w"] == 2000.0
    finally:
        lk.close()


def test_stop_pauses_and_run_resumes(sim, link, wait_until):
    link.command(MinerCommand(False))
    wait_until(lambda: link.snapshot().state == MinerState.PAUSED, what="paused")
    assert sim.miner_state()["paused"] is True
    wait_until(lambda: link.snapshot().power_w is not None and link.snapshot().power_w <= 15.0, what="idle draw")
    link.command(MinerCommand(True, 2200.0))
    wait_until(
        lambda: link.snapshot().state == MinerState.MINING and link.snapshot().power_target_w == 2200.0,
        what="resumed at the new target",
    )
    assert sim.miner_state()["calls"]["PauseMining"] == 1


def test_token_expiry_is_invisible_to_the_scan(sim, link, wait_until):
    sim.expire_tokens()
    polls = link.stats.polls
    wait_until(lambda: link.stats.polls >= polls + 3, what="polls after expiry")
    assert link.snapshot().reachable
    assert link.client.logins == 2


@pytest.mark.parametrize("fault", ["unavailable", "hang", "bad_credentials"])
def test_faulty_miner_turns_invalid_never_blocks_and_recovers(sim, link, wait_until, fault):
    sim.set_fault(fault)
    if fault == "bad_credentials":
        sim.expire_tokens()
    wait_until(lambda: not link.snapshot().reachable, what=f"{fault}: unreachable")
    snap = link.snapshot()
    assert snap == MinerSnapshot(stamp_s=snap.stamp_s)  # every value None / unknown
    # the scan side never waits on the worker, even while a call hangs
    t0 = time.perf_counter()
    for _ in range(1000):
        link.snapshot()
        link.command(MinerCommand(True, 2000.0 + _ % 2))
    assert time.perf_counter() - t0 < 0.5
    sim.set_fault(None)
    wait_until(lambda: link.snapshot().reachable, timeout_s=15.0, what="recovery")


def test_server_down_then_back(sim, wait_until):
    lk = make_link(sim)
    try:
        wait_until(lambda: lk.snapshot().reachable, what="first poll")
        port = sim.port
        sim.stop()
        wait_until(lambda: not lk.snapshot().reachable, what="down")
        back = BraiinsSim(port=port).start()
        try:
            wait_until(lambda: lk.snapshot().reachable, timeout_s=15.0, what="back")
        finally:
            back.stop()
    finally:
        lk.close()


def test_out_of_range_values_become_none_with_a_log(sim, link, wait_until):
    with capture_logs() as logs:
        sim.set_fault("out_of_range")
        wait_until(lambda: link.snapshot().power_w is None, what="implausible power dropped")
    snap = link.snapshot()
    assert snap.reachable and snap.chip_temp_max_c is None and snap.board_temps_c == ()
    assert any(e["event"] == "implausible_values" for e in logs)


def test_site_without_hashrate(sim, wait_until):
    lk = make_link(sim, publishes_hashrate=False)
    try:
        wait_until(lambda: lk.snapshot().reachable, what="first poll")
        assert lk.snapshot().hashrate_ths is None
    finally:
        lk.close()


def test_stale_snapshot_when_the_worker_stops(sim, wait_until):
    """The link keeps the stamp of its last good poll; the freeze phase's miner_max_age_s decides."""
    clock = ShiftedClock()
    lk = make_link(sim, clock=clock)
    wait_until(lambda: lk.snapshot().reachable and lk.snapshot().power_w is not None, what="first poll")
    lk.close()
    scan = ScanConfig(miner_max_age_s=5.0)

    def frozen():
        return freeze(clock.monotonic(), clock.wall(), {}, InverterSnapshot(), {}, {"m1": lk.snapshot()}, scan, 2.0)

    assert frozen().miners["m1"].reachable
    clock.offset_s = 6.0  # older than miner_max_age_s
    snap = lk.snapshot()
    assert snap.reachable  # the link decides no staleness of its own
    assert frozen().miners["m1"] == MinerSnapshot(stamp_s=snap.stamp_s)


def test_command_rejects_wrong_type(link):
    with pytest.raises(TypeError, match="MinerCommand"):
        link.command({"run": True})
