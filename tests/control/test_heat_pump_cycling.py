"""The controller must not make the heat pump short-cycle: SG-Ready *block* stops the compressor
at once, so the "stored heat covers the demand" decision has a band, a released heat pump is
blocked only after its minimum run, and the controller never asks for more than 3 starts an hour.

Each row: the buffer top relative to the flow set point, a time leap, the expected SG state.
"""

from __future__ import annotations

import pytest

from tests.control.bench import Bench
from thermiq.control.heating_curve import flow_setpoint_c

OUTDOOR_C = -2.5  # a cloudy January day (14 January 2009 in the bundled weather)


def _bench(cfg) -> tuple[Bench, float]:
    """No surplus (the miners stay off), no hot-water demand, room content; and the flow set point."""
    h = cfg.heating
    flow_c = flow_setpoint_c(OUTDOOR_C, 21.0, h.design_outdoor_c, h.design_flow_c, h.curve_exponent)
    b = Bench(cfg).set(pv_w=0.0, soc_pct=50.0, outdoor_temp_c=OUTDOOR_C, room_temp_c=21.2, dhw_temp_c=50.0)
    return b, flow_c


def test_the_block_has_a_release_band_and_waits_for_the_minimum_run(cfg):
    hp = cfg.heat_pump
    m = hp.block_margin_k
    b, flow_c = _bench(cfg)
    steps = [
        # (buffer top - flow set point [K], leap [s], expected SG state)
        (m + 0.5, 60.0, "block"),  # covers the demand: blocked
        (m - 1.0, hp.min_dwell_s + 60.0, "block"),  # inside the band: stays blocked (was released here)
        (0.1, hp.min_dwell_s + 60.0, "block"),  # at the flow set point: still covered
        (-0.2, 60.0, "normal"),  # below it: released (blocked long enough)
        (m + 0.5, hp.min_dwell_s + 60.0, "normal"),  # covered again, but the compressor has run < min_release_s
        (m + 0.5, hp.min_release_s - hp.min_dwell_s, "block"),  # after its minimum run: blocked
    ]
    for i, (above_k, leap_s, sg) in enumerate(steps):
        b.set(buffer_top_temp_c=flow_c + above_k)
        b.leap(leap_s)
        assert b.sg == sg, f"step {i}: buffer {above_k:+.1f} K, expected {sg}, got {b.sg}"


@pytest.mark.parametrize(
    "rise_k_per_min, fall_k_per_min",
    [
        (0.4, 0.4),  # a heat pump much larger than the load, buffer falling fast: the worst case
        (0.2, 0.1),  # the January week: buffer up ~2 K in 15 min while running, down slowly
        (1.0, 0.05),  # a strong rise, a slow fall
    ],
)
def test_a_heat_pump_lifting_the_buffer_is_asked_for_at_most_3_starts_an_hour(cfg, rise_k_per_min, fall_k_per_min):
    """Closed loop: while released the heat pump lifts the buffer, while blocked the house draws it down."""
    b, flow_c = _bench(cfg)
    buf_c, released_at, runs_s, releases = flow_c - 1.0, [], [], []
    was = None
    for _ in range(6 * 60):  # six hours, one-minute leaps
        b.set(buffer_top_temp_c=buf_c)
        b.leap(60.0)
        on, changed_s = b.sg != "block", b.st.heat.sg.since_s  # when the SG state last changed
        if on and was is False:
            releases.append(changed_s)
            released_at.append(changed_s)
        if not on and was and released_at:
            runs_s.append(changed_s - released_at[-1])
        was = on
        buf_c += rise_k_per_min if on else -fall_k_per_min
    assert releases, "the loop must actually cycle for this test to mean anything"
    per_hour = max(sum(1 for t in releases if s <= t < s + 3600.0) for s in releases)
    assert per_hour <= 3
    assert all(r >= cfg.heat_pump.min_release_s for r in runs_s), runs_s


@pytest.mark.parametrize(
    "above_flow_k, sg",
    [
        (1.0, "normal"),  # between the flow set point and the block point: released, and stays so
        (8.0, "block"),  # well above (miner heat): blocked, and stays so through the room's dips
    ],
)
def test_a_zone_that_toggles_the_circuit_does_not_toggle_the_heat_pump(cfg, above_flow_k, sg):
    """The zone's demand switches every 10 min (room 20.4 / 21.5 °C): SG-Ready stays where it is."""
    b, flow_c = _bench(cfg)
    b.set(buffer_top_temp_c=flow_c + above_flow_k)
    b.leap(60.0)
    seen = set()
    for k in range(12):
        b.set(room_temp_c=21.5 if k % 2 else 20.4)
        b.leap(600.0)
        seen.add(b.sg)
    assert seen == {sg}


@pytest.mark.parametrize(
    "room_c, leap_s, sg",
    [
        (20.8, 2 * 3600.0, "block"),  # below target, above the zone's switch-on point (21 - 0.3): the buffer serves
        (20.5, 60.0, "block"),  # below the switch-on point: the circuit pump gets the first try
        (20.5, 1800.0 - 120.0, "block"),  # just short of comfort_hold_s
        (20.5, 1800.0 + 60.0, "normal"),  # cold for longer: comfort first, the heat pump is released
    ],
)
def test_a_cold_room_overrides_the_block_only_after_the_comfort_hold(cfg, room_c, leap_s, sg):
    b, flow_c = _bench(cfg)
    b.set(buffer_top_temp_c=flow_c + cfg.heat_pump.block_margin_k + 2.0)
    b.leap(60.0)
    assert b.sg == "block"
    b.set(room_temp_c=room_c)
    b.leap(leap_s)
    assert b.sg == sg
