"""Two miners of the 4-miner site trip at once: each has its own first-out, its own latch and its own
reset; the miners without a trip never stop (issue #8 done-when 1, through the real scan)."""

from __future__ import annotations

from pathlib import Path

from thermiq.config.load import load_config
from thermiq.iomap.io_list import site_io_list

from .conftest import PlantLoop

QUAD = Path(__file__).resolve().parents[2] / "tests" / "sites" / "quad.toml"


def test_two_miners_trip_and_reset_independently(tmp_path):
    cfg = load_config(QUAD)
    lp = PlantLoop(cfg, site_io_list(cfg), tmp_path)
    try:
        s1, s2, s3, s4 = cfg.miners
        lp.run_until_miners_on()

        def running(res, outs, *ms):
            return [m.name for m in ms if outs[m.contactor_output] and res.outputs.miners[m.name].run]

        lp.set_temp(s1.outlet_temp_signal, 35.0 + cfg.limits.miner_delta_t_max_k + 2.0)  # I3 of s1
        lp.overrides[s3.contactor_feedback] = False  # I11 contact of s3
        for _ in range(5):
            res, outs = lp.step()
            assert running(res, outs, s2, s4) == ["s2", "s4"], "miners without a trip keep running"
        locks = res.state.interlocks
        assert set(locks.latched) == {"I3_s1_delta_t_hh", "I11_s3_contactor_feedback"}
        assert set(locks.first_outs) == {"I3_s1_delta_t_hh", "I11_s3_contactor_feedback"}, "one first-out per miner"
        assert locks.first_out == "I3_s1_delta_t_hh", "the site's first-out is the earlier one"
        assert running(res, outs, s1, s3) == []

        # s1's cause goes; ack and reset s1 only: s1 comes back, s3 stays latched and off
        lp.set_temp(s1.outlet_temp_signal, 45.0)
        for action, rid in (("ack", "a1"), ("reset", "r1")):
            outcome, res, outs = lp.command(action, "I3_s1_delta_t_hh", rid)
            assert outcome.accepted, outcome.reason
        assert res.state.interlocks.latched == ("I11_s3_contactor_feedback",)
        for _ in range(2000):
            res, outs = lp.step()
            assert running(res, outs, s2, s4) == ["s2", "s4"]
            assert not outs[s3.contactor_output]
            if outs[s1.contactor_output]:
                break
        assert running(res, outs, s1) == ["s1"], "s1 restarts after its own reset while s3 is still latched"

        # then s3: contact repaired, ack, reset, it restarts too
        del lp.overrides[s3.contactor_feedback]
        lp.step()
        for action, rid in (("ack", "a3"), ("reset", "r3")):
            outcome, res, outs = lp.command(action, "I11_s3_contactor_feedback", rid)
            assert outcome.accepted, outcome.reason
        res, outs = lp.run_until_miners_on()
        assert running(res, outs, *cfg.miners) == ["s1", "s2", "s3", "s4"] and not res.state.interlocks.latched
    finally:
        lp.close()
