"""Table-driven scan tests of the dispatch rules: derating, prices, SG-Ready, zones, DHW, modes,
forecast, pump limits. Each row: inputs, a time leap, expected outputs."""

from __future__ import annotations

import pytest

from tests.control.bench import WALL0, Bench
from thermiq.config.dispatch import ZoneConfig
from thermiq.control.zones import ZoneCtl, zone_step, zone_target_c

HOUR = 3600.0
SUNDAY_NOON_LOCAL = WALL0 - 23 * HOUR + HOUR  # 2009-04-05 12:00 local (UTC+1)


def with_dispatch(cfg, **changes):
    """A copy of the site config with ``dispatch`` fields replaced (validated like a site file)."""
    data = cfg.model_dump()
    for key, value in changes.items():
        node = data["dispatch"]
        *path, leaf = key.split("__")
        for p in path:
            node = node[p]
        node[leaf] = value
    return type(cfg).model_validate(data)


# --- stay inside the interlocks: a supply approaching its trip ------------------------------------


@pytest.mark.parametrize(
    "supply_c, paused, max_total_w",
    [
        (45.0, False, 7200.0),  # far below: full power
        (57.0, False, 1700.0 + 0.5 * (7200.0 - 1700.0) + 1.0),  # half the band left: derated
        (60.0, True, 0.0),  # at trip 65 - margin 5: paused, no trip
    ],
)
def test_a_supply_approaching_its_trip_derates_then_pauses_the_miners(cfg, supply_c, paused, max_total_w):
    b = Bench(cfg).set(pv_w=9000.0, load_w=300.0)
    b.leap(900.0)
    b.set(miner_loop_supply_temp_c=supply_c)
    b.leap(120.0)
    total = sum(b.target(i) for i in (0, 1) if b.run(i))
    assert total <= max_total_w
    assert (not b.run(0) and not b.run(1)) == paused
    assert b.contactor(0), "the derate pause keeps the contactor (a pause, not a trip)"
    assert not b.st.interlocks.latched


def test_a_paused_miner_resumes_only_resume_k_below_the_ceiling(cfg):
    b = Bench(cfg).set(pv_w=9000.0, load_w=300.0)
    b.leap(900.0)
    b.set(miner_loop_supply_temp_c=60.5)
    b.leap(30.0)
    assert not b.run(0)
    b.set(miner_loop_supply_temp_c=58.0, buffer_bottom_temp_c=50.0)  # 2 K below: still inside the resume band
    b.leap(300.0)
    assert not b.run(0)
    b.set(miner_loop_supply_temp_c=56.0)  # 4 K below: resumes
    b.leap(300.0)
    assert b.run(0)


def test_a_warm_sink_keeps_stopped_miners_off_before_the_loop_heats_up(cfg):
    # buffer bottom 57 + expected rise 3 K reaches the 60 °C ceiling: no start
    b = Bench(cfg).set(pv_w=9000.0, buffer_bottom_temp_c=57.0, buffer_mid_temp_c=57.5, buffer_top_temp_c=58.0)
    b.leap(900.0)
    assert not b.run(0) and not b.run(1)


# --- a price step: dynamic tariff, negative prices -------------------------------------------------


@pytest.mark.parametrize(
    "price, miners",
    [
        (0.36, False),  # summer, hot water full: mining (4.5 ct) earns less than export (7.6 ct)
        (-0.05, True),  # negative price: export earns nothing, mining wins
    ],
)
def test_a_price_step_decides_whether_surplus_is_mined_or_exported(cfg, price, miners):
    c = with_dispatch(cfg, tariff__kind="dynamic")
    b = Bench(c).set(pv_w=9000.0, outdoor_temp_c=24.0, dhw_temp_c=59.0, room_temp_c=23.0)
    b.leap(600.0)
    b.setpoints(grid_price_eur_kwh=price)
    b.leap(900.0)
    assert (b.run(0) or b.run(1)) == miners


def test_a_price_step_down_to_negative_puts_the_miners_on_grid_power_at_night_in_auto_not_in_pv_only(cfg):
    c = with_dispatch(cfg, tariff__kind="dynamic")
    for mode, on in (("auto", True), ("pv_only", False)):
        b = Bench(c).set(pv_w=0.0, battery_w=0.0, soc_pct=50.0, outdoor_temp_c=2.0, buffer_top_temp_c=35.0)
        b.setpoints(mode=mode)
        b.leap(300.0)
        assert not b.run(0)
        b.setpoints(grid_price_eur_kwh=-0.10)
        b.leap(600.0)
        assert b.run(0) == on, mode


def test_time_of_use_slots_cross_midnight(cfg):
    from thermiq.config.dispatch import TariffConfig
    from thermiq.control.tariff import grid_price_eur_kwh

    t = TariffConfig(
        kind="time_of_use",
        grid_price_eur_kwh=0.36,
        utc_offset_h=1.0,
        time_of_use=({"start": "22:00", "end": "06:00", "price_eur_kwh": 0.25},),
    )
    midnight_local = 1238972400.0  # 2009-04-06 00:00 local
    for local_h, price in ((21.9, 0.36), (22.0, 0.25), (23.99, 0.25), (24.0, 0.25), (29.99, 0.25), (30.0, 0.36)):
        assert grid_price_eur_kwh(t, None, midnight_local - 86400 + local_h * HOUR) == price, local_h


# --- SG-Ready: all four states ---------------------------------------------------------------------


def test_sg_ready_uses_all_four_states(cfg):
    # boost: heating season, surplus beyond what the miners take (their limit is 0)
    b = Bench(cfg).set(pv_w=9000.0, outdoor_temp_c=5.0, buffer_top_temp_c=35.0)
    b.setpoints(miner_m1_power_limit_w=0.0, miner_m2_power_limit_w=0.0)
    b.leap(60.0)
    assert b.sg == "boost" and not b.outs["hp_sg_in1"] and b.outs["hp_sg_in4"]
    # block: no surplus, the buffer (charged by the miners earlier) covers the heating demand
    b = Bench(cfg).set(pv_w=0.0, soc_pct=50.0, outdoor_temp_c=5.0, buffer_top_temp_c=50.0)
    b.leap(60.0)
    assert b.sg == "block" and b.outs["hp_sg_in1"] and not b.outs["hp_sg_in4"]
    # normal: no surplus, the buffer is too cold to cover the demand
    b = Bench(cfg).set(pv_w=0.0, soc_pct=50.0, outdoor_temp_c=-5.0, buffer_top_temp_c=30.0)
    b.leap(60.0)
    assert b.sg == "normal" and not b.outs["hp_sg_in1"] and not b.outs["hp_sg_in4"]
    # forced: the weekly anti-legionella cycle (Sunday noon local), hot water to >= 60 °C through RV2
    b = Bench(cfg, wall0=SUNDAY_NOON_LOCAL).set(pv_w=0.0, soc_pct=50.0, dhw_temp_c=52.0)
    b.leap(60.0)
    assert b.sg == "forced" and b.outs["hp_sg_in1"] and b.outs["hp_sg_in4"]
    assert b.outs["rv2_to_dhw"], "the forced run heats the hot-water tank"


def test_the_anti_legionella_cycle_ends_when_the_tank_reached_60(cfg):
    b = Bench(cfg, wall0=SUNDAY_NOON_LOCAL).set(pv_w=0.0, soc_pct=50.0, dhw_temp_c=52.0)
    b.leap(60.0)
    assert b.st.dispatch.dhw.active_since_s is not None
    b.set(dhw_temp_c=60.2)
    b.leap(60.0)
    assert b.st.dispatch.dhw.active_since_s is None and not b.st.dispatch.dhw.failed
    b.leap(2 * HOUR)
    assert b.st.dispatch.dhw.active_since_s is None, "done for this week"


def test_the_naive_strategy_leaves_the_heat_pump_on_its_own_thermostat(cfg):
    b = Bench(with_dispatch(cfg, strategy="naive")).set(
        pv_w=0.0, soc_pct=50.0, outdoor_temp_c=5.0, buffer_top_temp_c=50.0
    )
    b.leap(60.0)
    assert b.sg == "normal"


# --- climate zones: a schedule slot across midnight, hysteresis --------------------------------------


@pytest.mark.parametrize(
    "local_hhmm, target",
    [
        ("22:29", 21.0),
        ("22:30", 19.5),
        ("23:59", 19.5),
        ("00:00", 19.5),
        ("05:29", 19.5),
        ("05:30", 21.0),
    ],
)
def test_a_schedule_slot_across_midnight(cfg, local_hhmm, target):
    zone = cfg.dispatch.zones[0]
    h, m = map(int, local_hhmm.split(":"))
    wall = 1238972400.0 + h * HOUR + m * 60.0  # 2009-04-06 local day
    assert zone_target_c(zone, wall, 1.0) == target


def test_the_zone_band_and_dwell_prevent_flapping():
    z = ZoneConfig(name="z", circuit="hc1", default_target_c=21.0, hysteresis_k=0.6, min_dwell_s=600.0)
    st, t, changes = ZoneCtl(), 0.0, 0
    for k in range(3600):  # a room wobbling +-0.25 K around its target every second
        room = 21.0 + (0.25 if k % 2 else -0.25)
        new, _ = zone_step(st, z, room, 1238972400.0 + t, 1.0, t)
        changes += new.demand != st.demand
        st, t = new, t + 1.0
    assert changes == 0
    seq = [20.5, 21.5, 20.5, 21.5]  # real swings beyond the band: at most one change per dwell
    st, t, last = ZoneCtl(), 0.0, []
    for k in range(1200):
        st, _ = zone_step(st, z, seq[(k // 60) % 4], 1238972400.0 + t, 1.0, t)
        last.append(st.demand)
        t += 1.0
    flips = sum(1 for a, b in zip(last, last[1:]) if a != b)
    assert 1 <= flips <= 1200 / 600 + 1


def test_the_zone_drives_the_heating_circuit_pump(cfg):
    night = 1238972400.0 + 23.5 * HOUR - 86400.0  # 23:30 local: setback 19.5 °C
    b = Bench(cfg, wall0=night).set(pv_w=0.0, soc_pct=50.0, outdoor_temp_c=5.0, room_temp_c=20.2)
    b.leap(700.0)
    assert not b.outs["p5_heating_run"], "20.2 °C is above the setback band"
    b = Bench(cfg, wall0=night + 8 * HOUR).set(pv_w=0.0, soc_pct=50.0, outdoor_temp_c=5.0, room_temp_c=20.2)
    b.leap(700.0)
    assert b.outs["p5_heating_run"], "07:30: target 21 °C, 20.2 °C is below its band"


# --- modes and HS01 ---------------------------------------------------------------------------------


def test_off_mode_opens_the_contactors_and_leaves_the_heat_pump_alone(cfg):
    b = Bench(cfg).set(pv_w=9000.0)
    b.leap(900.0)
    b.setpoints(mode="off")
    b.leap(2.0)
    assert not b.contactor(0) and not b.contactor(1) and not b.run(0) and not b.run(1)
    b.leap(cfg.heat_pump.min_dwell_s)
    assert b.sg == "normal", "off: the heat pump runs on its own controller"
    assert not b.contactor(0)


def test_hs01_forces_manual_whatever_the_mode_setpoint(cfg):
    b = Bench(cfg).set(pv_w=0.0, soc_pct=50.0)
    b.setpoints(mode="off", miner_m1_power_limit_w=2000.0, miner_m2_power_limit_w=0.0)
    b.leap(60.0)
    assert not b.run(0)
    b.set(manual_mode=True)
    b.leap(30.0)
    assert b.st.dispatch.mode == "manual"
    assert b.run(0) and b.target(0) == 2000.0 and not b.run(1), "manual: the operator's limits are the targets"


def test_heat_priority_runs_the_miners_on_grid_when_the_buffer_is_cold(cfg):
    b = Bench(cfg).set(pv_w=0.0, soc_pct=50.0, outdoor_temp_c=-5.0, buffer_top_temp_c=30.0)
    b.setpoints(mode="heat_priority")
    b.leap(600.0)
    assert b.run(0) and b.sg != "block"


# --- forecast-aware battery threshold -----------------------------------------------------------------


@pytest.mark.parametrize(
    "forecast_kwh, local_hour, runs",
    [
        (0.0, 16.0, False),  # no forecast: the battery keeps priority up to 90 %
        (60.0, 16.0, True),  # sunny tomorrow, afternoon: the miners may use the battery down to ~50 %
        (60.0, 10.0, False),  # sunny tomorrow but still morning: today's PV fills the battery first
        (3.0, 16.0, False),  # a dull tomorrow barely lowers the threshold
    ],
)
def test_the_battery_threshold_falls_when_tomorrow_refills_the_battery(cfg, forecast_kwh, local_hour, runs):
    wall = 1238972400.0 + local_hour * HOUR
    b = Bench(cfg, wall0=wall).set(pv_w=2500.0, load_w=300.0, soc_pct=75.0, battery_w=2200.0)  # charging
    b.setpoints(pv_forecast_tomorrow_kwh=forecast_kwh)
    b.leap(600.0)
    assert (b.run(0) or b.run(1)) == runs


# --- pump and relay protection: Wilo limits per pump ---------------------------------------------------


def test_wilo_limits_are_counted_per_pump(cfg):
    b = Bench(cfg).set(pv_w=0.0, soc_pct=50.0, outdoor_temp_c=5.0)
    c = cfg.pump("p5")
    for k in range(240):  # the room demand flips every 30 s for 2 hours
        b.set(room_temp_c=19.0 if k % 2 else 23.0)
        b.leap(30.0)
    hist5 = b.st.pumps["p5"].switches_s
    assert len(hist5) <= 2 * c.max_switchings_per_hour
    assert all(b2 - a >= c.min_switch_interval_s for a, b2 in zip(hist5, hist5[1:]))
    hist4 = b.st.pumps.get("p4")
    assert hist4 is None or hist4.switches_s != hist5, "each pump has its own history"


# --- check-config: tank targets and maxima a margin below every trip they feed -------------------------


@pytest.mark.parametrize(
    "tank, field, value, trip",
    [
        ("buffer", "max_c", 70.0, "miner_loop_supply_trip_c"),  # the 2009 year trip: buffer allowed to 70 °C
        ("dhw", "max_c", 62.0, "no_sink_dhw_c"),
        ("dhw", "max_c", 62.0, "miner_loop_supply_trip_c"),
    ],
)
def test_check_config_refuses_tank_limits_above_a_trip_minus_the_margin(cfg, tmp_path, tank, field, value, trip):
    import subprocess
    import sys

    from tests.conftest import REPO

    text = (REPO / "thermiq" / "sites" / "asp1.toml").read_text()
    head, sep, rest = text.partition(f'name = "{tank}"\nrole = "{tank}"')
    assert sep, "tank section found"
    before, _, after = rest.partition(f"{field} = ")
    after = after.split("\n", 1)[1]
    bad = tmp_path / "site.toml"
    bad.write_text(head + sep + before + f"{field} = {value}\n" + after)
    r = subprocess.run(
        [sys.executable, "-m", "thermiq", "check-config", "--config", str(bad)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert r.returncode != 0
    assert trip in r.stderr and f"tank {tank}" in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3, "a clear short error"
