"""The derate cap is shared among the running miners, not handed to the first one.

Table rows: the miners (range, hashing now, own upper limit), the cap on their total power and
the surplus, and each miner's expected share; then the same through the real scan with a
time leap (the loop supply near its trip).
"""

from __future__ import annotations

import math

import pytest

from tests.control.bench import Bench
from thermiq.config.schema import MinerConfig
from thermiq.control.miners import MinerCtl, share_cap_w
from thermiq.control.timers import OnOff

INF = math.inf


def _miner(cfg, i: int, lo_w: float, hi_w: float) -> MinerConfig:
    """A copy of the site's first miner renamed ``m<i>`` with the Braiins range lo..hi [W]."""
    return cfg.miners[0].model_copy(update={"name": f"m{i}", "power_min_w": lo_w, "power_max_w": hi_w})


@pytest.mark.parametrize(
    "ranges, hashing, own_hi, cap_w, left_w, expected",
    [
        # no derating: every miner up to its own limit (the surplus decides, in configured order)
        ([(1700, 3600)] * 2, (1, 1), None, INF, 9000.0, (3600, 3600)),
        # room for two at their minimum exactly: both keep their minimum (was: all to the first)
        ([(1700, 3600)] * 2, (1, 1), None, 3400.0, 9000.0, (1700, 1700)),
        # half the band: evenly, not 3600 + 850
        ([(1700, 3600)] * 2, (1, 1), None, 4450.0, 9000.0, (2225, 2225)),
        # 1 W short of two minimums: the lead runs alone with all of it
        ([(1700, 3600)] * 2, (1, 1), None, 3399.0, 9000.0, (3399, 0)),
        # only the second hashes: it keeps the lead, the stopped first gets nothing
        ([(1700, 3600)] * 2, (0, 1), None, 3000.0, 9000.0, (0, 3000)),
        # a stopped miner joins only if the surplus also carries its minimum
        ([(1700, 3600)] * 2, (1, 0), None, 5000.0, 3000.0, (3600, 0)),
        ([(1700, 3600)] * 2, (1, 0), None, 5000.0, 3400.0, (2500, 2500)),
        # unknown surplus: the running miner keeps its share, the stopped one does not start
        ([(1700, 3600)] * 2, (1, 0), None, 5000.0, None, (3600, 0)),
        # one miner held low by its own outlet: the other takes the rest of the cap
        ([(1700, 3600)] * 2, (1, 1), (1900, 3600), 5000.0, 9000.0, (1900, 3100)),
        # an own limit below the minimum (operator limit 0): left out, the other gets the cap
        ([(1700, 3600)] * 2, (1, 1), (0, 3600), 3000.0, 9000.0, (0, 3000)),
        # three unequal miners: minimums first, then the same watts on top of each, up to its maximum
        ([(1000, 1500), (1700, 3600), (2000, 4000)], (1, 1, 1), None, 6000.0, 9000.0, (1433.3, 2133.3, 2433.3)),
        ([(1000, 1500), (1700, 3600), (2000, 4000)], (1, 1, 1), None, 7000.0, 9000.0, (1500, 2600, 2900)),
        ([(1000, 1500), (1700, 3600), (2000, 4000)], (1, 1, 1), None, 4700.0, 9000.0, (1000, 1700, 2000)),
        # four equal miners, room for three minimums: the fourth is left out, no miner named
        ([(1700, 3600)] * 4, (1, 1, 1, 1), None, 5500.0, 20000.0, (5500 / 3, 5500 / 3, 5500 / 3, 0)),
    ],
)
def test_the_derate_cap_is_shared_evenly_within_each_range(cfg, ranges, hashing, own_hi, cap_w, left_w, expected):
    miners = tuple(_miner(cfg, i, lo, hi) for i, (lo, hi) in enumerate(ranges))
    states = {m.name: MinerCtl(OnOff(bool(h)), bool(h)) for m, h in zip(miners, hashing, strict=True)}
    hi_w = {m.name: float(own_hi[i] if own_hi else m.power_max_w) for i, m in enumerate(miners)}
    share = share_cap_w(states, miners, cap_w, hi_w, left_w)
    assert [share[m.name] for m in miners] == pytest.approx(list(expected), abs=0.1)
    if cap_w != INF:
        assert sum(share.values()) <= cap_w + 1e-6
    for m in miners:
        assert share[m.name] == 0.0 or m.power_min_w <= share[m.name] <= hi_w[m.name] + 1e-9


@pytest.mark.parametrize(
    "supply_c, both_run, each_max_w",
    [
        (45.0, True, 3600.0),  # far below the ceiling: no derating
        (57.0, True, (1700.0 + 0.5 * 5500.0) / 2.0 + 1.0),  # half the band: 4450 W shared, 2225 W each
        (58.0, True, (1700.0 + 5500.0 / 3.0) / 2.0 + 1.0),  # 3533 W: both stay at about their minimum
        (58.5, False, 1700.0 + 0.25 * 5500.0 + 1.0),  # 3075 W: room for one only, it takes it all
    ],
)
def test_a_derated_loop_keeps_both_miners_hashing_while_the_cap_carries_two_minimums(
    cfg, supply_c, both_run, each_max_w
):
    b = Bench(cfg).set(pv_w=9000.0, load_w=300.0)
    b.leap(900.0)
    assert b.run(0) and b.run(1)
    b.set(miner_loop_supply_temp_c=supply_c)
    b.leap(cfg.dispatch.pause_delay_s + 120.0)  # longer than the pause delay of a starved miner
    assert (b.run(0) and b.run(1)) == both_run
    assert b.run(0), "the lead keeps running"
    running = [b.target(i) for i in (0, 1) if b.run(i)]
    assert all(1700.0 <= t <= each_max_w for t in running)
    if both_run:
        assert abs(running[0] - running[1]) <= cfg.energy.power_deadband_w, "shared evenly"
    assert not b.st.interlocks.latched
