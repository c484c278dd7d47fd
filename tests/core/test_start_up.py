"""Start-up on a blank image: piControl not running -> safe outputs held, nothing latched (I15)."""

from __future__ import annotations

from tests.core.conftest import Loop


def test_blank_image_holds_safe_outputs_without_latching(cfg, io_list, tmp_path):
    lp = Loop(cfg, io_list, tmp_path)
    try:
        for _ in range(5):  # the plant side has not written anything yet
            lp.t += 1.0
            lp.sunny()
            res = lp.runner.scan_once()
            assert not any(res.outputs.digital.values())
            assert all(not c.run for c in res.outputs.miners.values())
        assert not res.state.interlocks.latched, "a blank image is no process fault"
        # I/O comes up: the miners still wait for N good scans before they may start
        res, outs = lp.step()
        assert not res.permits.miners and not outs["k1_miner1_run"]
        for _ in range(cfg.scan.good_scans_before_start):
            res, outs = lp.step()
        assert res.permits.miners
    finally:
        lp.close()
