"""thermiq.clock: the FakeClock moves only when told, waits without waiting; SystemClock is one domain."""

from __future__ import annotations

import threading

import pytest

from thermiq.clock import Clock, FakeClock, SystemClock


def test_fake_clock_moves_only_when_told():
    c = FakeClock(10.0, 1.7e9)
    assert (c.monotonic(), c.wall()) == (10.0, 1.7e9)
    assert c.advance(2.5) == 12.5 and c.wall() == pytest.approx(1.7e9 + 2.5)
    assert c.advance_to(20.0) == 20.0
    with pytest.raises(ValueError, match="does not go back"):
        c.advance(-1.0)
    with pytest.raises(ValueError, match="does not go back"):
        c.advance_to(19.0)
    assert c.monotonic() == 20.0


@pytest.mark.parametrize(
    "is_set, timeout_s, result, now_s",
    [
        (False, 1.5, False, 1.5),  # nobody sets the event: the whole timeout passes, at once
        (True, 1.5, True, 0.0),  # already set: no time passes
        (False, -1.0, False, 0.0),  # a deadline in the past is no wait
    ],
)
def test_fake_clock_wait_advances_instead_of_blocking(is_set, timeout_s, result, now_s):
    c, ev = FakeClock(), threading.Event()
    if is_set:
        ev.set()
    assert c.wait(ev, timeout_s) is result
    assert c.monotonic() == now_s and c.slept_s == now_s


def test_both_clocks_satisfy_the_protocol_and_system_clocks_share_one_domain():
    assert isinstance(FakeClock(), Clock) and isinstance(SystemClock(), Clock)
    assert SystemClock() == SystemClock()  # any two system clocks are the same clock
    assert FakeClock() != FakeClock()  # each fake clock is its own domain
    a, b = SystemClock().monotonic(), SystemClock().monotonic()
    assert b >= a
    ev = threading.Event()
    ev.set()
    assert SystemClock().wait(ev, 5.0)  # set: returns at once
