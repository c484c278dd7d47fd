"""Pure pieces of the dispatch: heat costs, the merit order, the battery threshold, derating,
anti-legionella timing, and the simulated operator policy (table-driven)."""

from __future__ import annotations

import pytest

from hardware_sim.operator import OperatorPolicy, OperatorState, operator_step
from thermiq.config.schema import DeratingConfig, DispatchConfig, ForecastConfig, HeatPumpCostConfig, MiningConfig
from thermiq.control.costs import cop, heat_costs, mining_revenue_eur_kwh
from thermiq.control.derate import derate_step, headroom_k
from thermiq.control.forecast import battery_threshold_pct
from thermiq.control.heat import SgState
from thermiq.control.merit import decide
from thermiq.interlocks.alarm import AlarmState, TripState


def test_cop_and_costs_match_the_published_figures():
    hp = HeatPumpCostConfig()
    # Keymark WLW186i-7 AR points: A7/W35 part load about 4.9, A-7/W52 about 2.1 (fit within 10 %)
    assert cop(hp, 7.0, 35.0) == pytest.approx(4.9, rel=0.15)
    assert cop(hp, -7.0, 52.0) == pytest.approx(2.1, rel=0.15)
    rev = mining_revenue_eur_kwh(MiningConfig(usd_to_eur=1.0, pool_fee_frac=0.0), 0.038)
    assert rev == pytest.approx(0.038 / (32.5 * 0.024))
    c = heat_costs(hp, MiningConfig(), 0.36, 0.36, 0.076, 0.038, 2.0, 35.0)
    assert c.hp_pv < c.miner_pv < c.hp_grid < c.miner_grid  # the merit order (docs/DISPATCH.md)
    assert not c.mining_beats_export


@pytest.mark.parametrize(
    "mode, season, dhw_room, price, surplus, on_pv, on_grid, sg",
    [
        ("auto", True, True, 0.36, 6000.0, True, False, SgState.BOOST),  # winter sun: HP first, miners the rest
        ("auto", False, False, 0.36, 6000.0, False, False, SgState.NORMAL),  # summer, tanks full: export
        ("auto", False, False, -0.05, 6000.0, True, True, SgState.NORMAL),  # negative price: mine
        ("pv_only", False, False, -0.05, 6000.0, True, False, SgState.NORMAL),  # never grid in pv_only
        ("auto", True, True, 0.36, 0.0, True, False, SgState.NORMAL),  # night: nothing to boost
        ("off", True, True, 0.36, 6000.0, False, False, SgState.NORMAL),
    ],
)
def test_the_merit_order(mode, season, dhw_room, price, surplus, on_pv, on_grid, sg):
    d = DispatchConfig()
    feed = 0.0 if price <= 0 else d.tariff.feed_in_eur_kwh
    c = heat_costs(d.heat_pump, d.mining, price, price, feed, 0.038, 2.0, 35.0)
    m = decide(
        mode,
        c,
        d,
        heating_season=season,
        dhw_room=dhw_room,
        heat_wanted_now=False,
        buffer_room=True,
        sink_ok=True,
        surplus_w=surplus,
        miners_take_w=0.0,
        legionella=False,
        grid_heating_allowed=False,
    )
    assert (m.miners_on_pv, m.miners_on_grid, m.sg_wanted) == (on_pv, on_grid, sg)


@pytest.mark.parametrize(
    "forecast_kwh, hour, expected",
    [
        (0.0, 18.0, 90.0),
        (None, 18.0, 90.0),
        (1000.0, 13.9, 90.0),
        (1000.0, 14.0, 50.0),
        (12.0, 18.0, 50.0),
        (6.0, 18.0, 70.0),  # 12 kWh = 3 x the 4 kWh room: fully; 6 kWh: half way
    ],
)
def test_the_battery_threshold(forecast_kwh, hour, expected):
    assert battery_threshold_pct(90.0, forecast_kwh, ForecastConfig(), hour) == pytest.approx(expected)


@pytest.mark.parametrize(
    "temps, was_paused, frac, paused",
    [
        ((50.0,), False, 1.0, False),
        ((57.0,), False, 0.5, False),
        ((60.0,), False, 0.0, True),
        ((58.0,), True, 1 / 3, True),
        ((56.9,), True, 3.1 / 6, False),
        ((None,), False, 0.0, True),
    ],
)
def test_derating_band_and_resume(temps, was_paused, frac, paused):
    d = derate_step(was_paused, headroom_k(temps, (65.0,), 5.0), DeratingConfig())
    assert d.frac == pytest.approx(frac) and d.pause == paused


def test_the_operator_resets_a_cleared_trip_after_its_delay_and_never_when_off():
    trips = {"I2_miner_loop_supply_hh": TripState(AlarmState.CLEARED_UNACK)}
    st, cmds = operator_step(OperatorPolicy(False), OperatorState(), trips, 0.0)
    assert cmds == ()
    pol = OperatorPolicy(True, 600.0)
    st, cmds = operator_step(pol, OperatorState(), trips, 0.0)
    assert cmds == ()
    st, cmds = operator_step(pol, st, trips, 599.0)
    assert cmds == ()
    st, cmds = operator_step(pol, st, trips, 600.0)
    assert cmds == (("ack", "I2_miner_loop_supply_hh"), ("reset", "I2_miner_loop_supply_hh")) and st.resets
    active = {"I2_miner_loop_supply_hh": TripState(AlarmState.ACTIVE_UNACK)}
    st, cmds = operator_step(pol, OperatorState(), active, 10_000.0)
    assert cmds == (), "an active cause is never reset"
