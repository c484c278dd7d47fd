"""Trips through the real scan on a file-backed image: same-scan effect, latch, ack and reset rules."""

from __future__ import annotations

from thermiq.cycle.scan import SafetyCommand
from thermiq.interlocks.alarm import AlarmState


def run_until_miners_on(loop, max_s=2000):
    for _ in range(max_s):
        res, outs = loop.step()
        if outs["k1_miner1_run"]:
            return res, outs
    raise AssertionError("miners never started on a sunny day with a full battery")


def test_buffer_overtemp_opens_contactors_in_the_same_scan_and_latches(loop):
    run_until_miners_on(loop)
    loop.values["buffer_top_temp_c"] = 86.0  # limit 85 °C
    res, outs = loop.step()
    assert not outs["k1_miner1_run"] and not outs["k2_miner2_run"]
    assert all(not c.run for c in res.outputs.miners.values())  # paused over gRPC too (SA-006)
    assert outs["p3_miner_loop_run"], "P3 keeps carrying the miners' residual heat away"
    assert outs["hp_sg_in1"] and not outs["hp_sg_in4"], "heat pump blocked"
    assert res.state.interlocks.first_out == "I5_buffer_top_hh"
    loop.values["buffer_top_temp_c"] = 60.0  # cause gone
    for _ in range(50):
        res, outs = loop.step()
        assert not outs["k1_miner1_run"], "latched: the cause going away does not restart the miners"
    assert res.state.interlocks.trips["I5_buffer_top_hh"].alarm is AlarmState.CLEARED_UNACK


def test_reset_only_from_cleared_and_acknowledged(loop):
    run_until_miners_on(loop)
    loop.values["buffer_top_temp_c"] = 90.0
    loop.step()
    loop.runner.submit_safety_command(SafetyCommand("reset", "I5_buffer_top_hh", "r1"))
    res, _ = loop.step()
    assert res.outcomes[0].accepted is False and "still active" in res.outcomes[0].reason
    loop.runner.submit_safety_command(SafetyCommand("ack", "I5_buffer_top_hh", "a1"))
    res, _ = loop.step()
    assert res.outcomes[0].accepted and res.state.interlocks.trips["I5_buffer_top_hh"].alarm is AlarmState.ACTIVE_ACK
    loop.values["buffer_top_temp_c"] = 82.0  # below the limit but inside the 5 K hysteresis
    res, _ = loop.step()
    assert res.state.interlocks.trips["I5_buffer_top_hh"].alarm is AlarmState.ACTIVE_ACK
    loop.values["buffer_top_temp_c"] = 60.0
    res, _ = loop.step()
    assert res.state.interlocks.trips["I5_buffer_top_hh"].alarm is AlarmState.CLEARED_ACK
    loop.runner.submit_safety_command(SafetyCommand("reset", "I5_buffer_top_hh", "r2"))
    res, outs = loop.step()
    assert res.outcomes[0].accepted and not res.state.interlocks.latched
    assert not outs["k1_miner1_run"], "a reset never starts equipment by itself"
    res, outs = run_until_miners_on(loop)
    assert outs["k1_miner1_run"]


def test_open_rtd_trips_within_one_scan_and_reset_is_refused_while_it_lasts(loop):
    run_until_miners_on(loop)
    loop.faults["buffer_top_temp_c"] = "open"
    res, outs = loop.step()
    assert not outs["k1_miner1_run"] and res.state.interlocks.first_out == "I5_buffer_top_hh"
    loop.runner.submit_safety_command(SafetyCommand("ack", "all", "a"))
    loop.step()
    loop.runner.submit_safety_command(SafetyCommand("reset", "all", "r"))
    res, _ = loop.step()
    assert not res.outcomes[0].accepted and res.state.interlocks.latched


def test_hardware_chain_is_mirrored_and_never_reset_by_software(loop):
    run_until_miners_on(loop)
    loop.values["safety_chain_ok"] = False
    res, outs = loop.step()
    assert not outs["k1_miner1_run"] and res.state.interlocks.first_out == "I13_safety_chain"
    loop.values["safety_chain_ok"] = True
    loop.runner.submit_safety_command(SafetyCommand("ack", "I13_safety_chain", "a"))
    loop.step()
    loop.runner.submit_safety_command(SafetyCommand("reset", "I13_safety_chain", "r"))
    res, _ = loop.step()
    assert not res.outcomes[0].accepted and "hardware" in res.outcomes[0].reason


def test_miners_follow_surplus_and_stop_when_battery_below_priority(loop, cfg):
    res, outs = run_until_miners_on(loop)
    targets = [c.power_target_w for c in res.outputs.miners.values()]
    assert all(cfg.miners[0].power_min_w <= t <= cfg.miners[0].power_max_w for t in targets)
    # battery drops below priority SoC - hysteresis: miners stop after the stop delay and min on time
    stopped_at = None
    for k in range(3000):
        loop.t += 1.0
        loop.sunny()
        loop.inverter.set(loop.inverter.snap.__class__(loop.t, 11000.0, 80.0, 1000.0, 200.0, 2000.0))
        loop.plant.write_inputs(loop.values)
        loop.runner.scan_once()
        if not loop.plant.read_outputs()["k1_miner1_run"]:
            stopped_at = k
            break
    assert stopped_at is not None and stopped_at >= cfg.energy.stop_delay_s - 1
    # P3 overruns after the last miner stopped
    outs = loop.plant.read_outputs()
    assert outs["p3_miner_loop_run"]
