"""Each trip row's compiled cause (built once at load, run every scan) against the plain definition
of its compare kind, over arbitrary frozen signals (valid, invalid, missing, bool, NaN)."""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.conftest import REPO
from thermiq.config.load import load_config
from thermiq.cycle.image import Signal
from thermiq.interlocks.evaluate import compile_table
from thermiq.interlocks.trip_table import Compare

SITES = [REPO / "thermiq" / "sites" / "asp1.toml", *sorted((REPO / "tests" / "sites").glob("*.toml"))]


def plain_cause(row, signals):
    """(active, cleared, value, immediate) of one row, written out as the trip table documents it."""
    spec = row.spec
    values = [signals.get(n) for n in spec.signals]
    bad_mask = [s is None or s.value is None for s in values]
    bad, cmp = any(bad_mask), spec.compare
    trip_bad = bad and spec.bad_trips
    good = [float(s.value) for s, b in zip(values, bad_mask) if not b]
    guard = not spec.guard or any(
        (g := signals.get(n)) is not None and g.value is not None and bool(g.value) for n in spec.guard
    )
    if not guard:
        hit = trip_bad and cmp is not Compare.BAD and (cmp is not Compare.ALL_HIGH or all(bad_mask))
        active, cleared, value = (True, False, None) if hit else (False, True, None)
    elif cmp is Compare.HIGH:
        top = max(good) if good else None
        active = trip_bad or (top is not None and top >= row.limit)
        cleared, value = not trip_bad and (top is None or top < row.clear_below), top
    elif cmp in (Compare.DELTA_HIGH, Compare.DELTA_LOW):
        if bad:
            active, cleared, value = trip_bad, not trip_bad, None
        else:
            value = float(values[0].value) - float(values[1].value)
            if cmp is Compare.DELTA_HIGH:
                active, cleared = value >= row.limit, value < row.clear_below
            else:
                active, cleared = value < row.limit, value >= row.limit
    elif cmp is Compare.ALL_HIGH:
        active = all(b or float(s.value) >= lim for s, b, lim in zip(values, bad_mask, row.limit))
        cleared = any(not b and float(s.value) < low for s, b, low in zip(values, bad_mask, row.clear_below))
        value = min(good) if good else None
    elif cmp is Compare.FLAG:
        active = trip_bad or any(not b and bool(s.value) for s, b in zip(values, bad_mask))
        cleared, value = not active, None
    elif cmp is Compare.BAD:
        active, cleared, value = bad, not bad, None
    else:  # CONTACT_OPEN
        active = trip_bad or any(not b and not s.value for s, b in zip(values, bad_mask))
        cleared, value = not active, None
    immediate = False
    if active and spec.bad_trips and cmp is not Compare.BAD:  # a bad input trips without the on-delay
        immediate = all(bad_mask) if cmp is Compare.ALL_HIGH else bad
    return active, cleared, value, immediate


@cache
def _table(site):
    return compile_table(load_config(site))


signal = st.one_of(
    st.none(),  # missing from the image
    st.builds(Signal, st.none(), st.just(0.0), st.sampled_from(["open", "stale", "comm"])),
    st.builds(Signal, st.booleans()),
    st.builds(Signal, st.floats(-20.0, 120.0)),
    st.builds(Signal, st.sampled_from([0.0, 10.0, 15.0, 60.0, 65.0, 68.0, 100.0, float("nan")])),
)


@pytest.mark.parametrize("site", SITES, ids=lambda p: p.stem)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_compiled_cause_of_every_row_matches_its_plain_definition(site, data):
    table = _table(site)
    names = sorted({n for row in table for n in (*row.spec.signals, *row.spec.guard)})
    drawn = {n: data.draw(signal, label=n) for n in names}
    signals = MappingProxyType({n: s for n, s in drawn.items() if s is not None})
    for row in table:
        assert repr(row.cause(signals)) == repr(plain_cause(row, signals)), row.spec.id
