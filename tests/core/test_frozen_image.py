"""A frozen process image ages: when piControl stops updating, the signals go stale and I8 trips.

The plant side of the file-backed image plays piControl (it rewrites the inputs and the Core's
``RevPiIOCycle`` every cycle). Stopping it leaves the last bytes in the image, ``RevPiStatus``
still saying "running": exactly what a stopped I/O exchange looks like on a RevPi. The scan must
not go on trusting those bytes: the signals keep the stamp of the last refresh, the freeze phase
makes them stale after ``limits.signal_max_age_s``, and every row they feed trips (I8).
"""

from __future__ import annotations

import pytest

from tests.core.conftest import Loop
from thermiq.adapters.revpi.process_image import CYCLE_MARK


class Spy:
    """Wraps the runner's core and keeps the checked image of the last scan (after I8)."""

    def __init__(self, core):
        self.core, self.checked = core, None

    def scan(self, image, st, cmds=()):
        self.checked = self.core.checked_image(image, st)[0]
        return self.core.scan(image, st, cmds)


@pytest.fixture
def lp(cfg, io_list, tmp_path):
    loop = Loop(cfg, io_list, tmp_path)
    loop.spy = loop.runner.core = Spy(loop.runner.core)
    yield loop
    loop.close()


def inputs(io_list) -> list[str]:
    return [p.signal for p in io_list.inputs]


def test_piControl_stops_then_signals_age_and_trip_within_the_configured_age(cfg, io_list, lp):
    period, limit = cfg.scan.period_s, cfg.limits.signal_max_age_s
    for _ in range(cfg.scan.good_scans_before_start + 2):  # a healthy plant: nothing latched
        res, _ = lp.step(period)
    assert not res.state.interlocks.latched and res.permits.miners
    frozen_at = lp.t  # the last refresh piControl made
    ages, tripped_at = [], None
    while lp.t - frozen_at < 3 * limit:
        lp.t += period
        lp.sunny()
        res = lp.runner.scan_once()  # the plant no longer writes the image
        sig = lp.spy.checked.signals["buffer_top_temp_c"]
        ages.append(sig.age_s)
        if res.state.interlocks.latched:
            tripped_at = lp.t
            break
        assert sig.value is not None and sig.age_s <= limit  # still within its age: still used
    assert tripped_at is not None, f"no trip after {lp.t - frozen_at:.1f} s of a frozen image"
    assert tripped_at - frozen_at <= limit + period  # within the configured age (next scan)
    assert ages == pytest.approx([k * period for k in range(1, len(ages) + 1)])  # a real, growing age
    stale = {n: lp.spy.checked.signals[n] for n in inputs(io_list)}
    assert all(s.value is None and s.fault == "stale" for s in stale.values()), stale
    assert "I13_safety_chain" in res.state.interlocks.latched  # its contacts are stale: fail-safe
    assert not res.permits.miners and not any(c.run for c in res.outputs.miners.values())


def test_the_image_refreshes_again_when_piControl_resumes(cfg, io_list, lp):
    period, limit = cfg.scan.period_s, cfg.limits.signal_max_age_s
    lp.step(period)
    assert lp.ctrl.stamp_s == lp.t
    for _ in range(int(limit / period) + 2):
        lp.t += period
        lp.runner.scan_once()
    assert lp.ctrl.rpi.io["RevPiIOCycle"].value == CYCLE_MARK  # nobody erased the mark
    assert lp.spy.checked.signals["dhw_temp_c"].fault == "stale"
    lp.step(period)  # piControl cycles again
    assert lp.ctrl.stamp_s == lp.t
    sig = lp.spy.checked.signals["dhw_temp_c"]
    assert sig.value == pytest.approx(50.0) and sig.age_s == 0.0


def test_a_mark_left_by_an_earlier_run_ages_from_the_first_read(cfg, io_list, lp):
    """A restart onto an image nobody refreshes: the first read cannot prove freshness either."""
    lp.step(cfg.scan.period_s)  # leaves the mark in the image
    from tests.core.conftest import RSC
    from thermiq.adapters.revpi.process_image import RevPiProcessImage

    second = RevPiProcessImage(io_list, lp.ctrl.rpi._procimg, str(RSC), clock=lp.clock)
    try:
        lp.t += 1.0
        second.read()
        assert second.stamp_s == lp.t
        lp.t += 1.0
        second.read()
        assert second.stamp_s == lp.t - 1.0  # no refresh since: the age grows
    finally:
        second.close()
