"""Report writer on a small synthetic series whose KPIs are known in closed form."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from hardware_sim.report import REQUIRED_COLUMNS, ReportError, compute_kpis, daily_energy_kwh, write_report
from hardware_sim.report.economics import Prices
from hardware_sim.report.trips import trip_line
from hardware_sim.report.weeks import week_windows

T0 = 1231545600.0  # 2009-01-10 00:00 UTC
N = 1440  # one day at 60 s


def synthetic() -> tuple[dict[str, np.ndarray], dict]:
    const = {
        "pv_power_w": 1000.0,
        "grid_import_w": 500.0,
        "grid_export_w": 250.0,
        "battery_charge_w": 100.0,
        "battery_discharge_w": 200.0,
        "load_power_w": 400.0,
        "miner_power_w": 600.0,
        "miner_heat_w": 600.0,
        "hp_power_w": 200.0,
        "hp_heat_w": 700.0,
        "pump_power_w": 50.0,
        "house_heat_w": 900.0,
        "dhw_draw_heat_w": 250.0,
    }
    s = {name: np.full(N, v) for name, v in const.items()}
    s["t_utc_s"] = T0 + 60.0 * np.arange(1, N + 1)
    s["miner1_power_w"] = np.full(N, 600.0)
    s["miner2_power_w"] = np.zeros(N)
    for name in (
        "buffer_top_temp_c",
        "buffer_mid_temp_c",
        "buffer_bottom_temp_c",
        "dhw_temp_c",
        "miner_loop_supply_temp_c",
    ):
        s[name] = np.linspace(40.0, 50.0, N)
    s["outdoor_temp_c"] = -5.0 + 5.0 * np.sin(np.linspace(0.0, 2 * np.pi, N))
    s["room_temp_c"] = np.where(np.arange(N) < N // 2, 19.5, 21.0)  # 12 h below 20 °C
    s["battery_soc_pct"] = np.linspace(20.0, 80.0, N)
    s["scan_cost_s"] = np.full(N, 0.001)
    s["scan_cost_s"][100] = 0.05
    s["trips_latched"] = np.where((np.arange(N) >= 600) & (np.arange(N) < 660), 1, 0)
    meta = {
        "site": "asp1",
        "weather_file": "synthetic",
        "scan_period_s": 10.0,
        "room_setpoint_c": 21.0,
        "trip_events": ["2009-01-10 10:00 miner_loop_supply_temp_c > 65 °C", "2009-01-10 10:30 reset"],
        "cycle_stats": {"p3_switchings": 4, "miner_starts": 2},
        "utc_offset_h": 0.0,
    }
    return s, meta


def test_kpis_from_known_inputs():
    s, meta = synthetic()
    k = compute_kpis(s, meta)
    assert k["pv_power_kwh"] == pytest.approx(24.0)
    assert k["grid_import_kwh"] == pytest.approx(12.0)
    assert k["grid_export_kwh"] == pytest.approx(6.0)
    assert k["miner_power_kwh"] == pytest.approx(14.4)
    assert k["hp_heat_kwh"] == pytest.approx(16.8)
    assert k["seasonal_cop"] == pytest.approx(3.5)
    assert k["consumption_kwh"] == pytest.approx(9.6 + 14.4 + 4.8 + 1.2)
    assert k["self_consumption"] == pytest.approx(0.75)
    assert k["self_sufficiency"] == pytest.approx(1.0 - 12.0 / 30.0)
    assert k["hours_room_below"] == pytest.approx(12.0)
    assert k["hours_trip_latched"] == pytest.approx(1.0)
    assert k["trips"] == 2.0
    assert k["scan_cost_median_ms"] == pytest.approx(1.0)
    assert k["scan_cost_max_ms"] == pytest.approx(50.0)
    assert k["room_min_c"] == 19.5 and k["room_max_c"] == 21.0
    assert k["duration_h"] == pytest.approx(24.0)
    assert k["degree_hours_below"] == pytest.approx(6.0)  # 12 h x 0.5 K below 21 - 1 °C
    assert k["export_share"] == pytest.approx(0.25)
    revenue = Prices().mining_eur_kwh
    assert k["net_cost_eur"] == pytest.approx(12.0 * 0.36 - 6.0 * 0.076 - 14.4 * revenue)
    assert k["miner_hx_buffer_kwh"] == 0.0  # optional column absent: zero, not an error
    # a 3 K night setback 22:00-06:00 local (UTC+0 here): its 6 night hours (00:00-06:00) in the cold half no longer count
    k = compute_kpis(s, dict(meta, night_setback=(3.0, 22.0, 6.0)))
    assert k["degree_hours_below"] == pytest.approx(0.5 * 6.0)  # 06:00-12:00 at 0.5 K below


def test_kpis_price_each_row_at_the_tariff_in_force_and_count_starts_and_switchings():
    s, meta = synthetic()
    hour = (s["t_utc_s"] - 30.0 - T0) / 3600.0  # row midpoints, local = UTC here
    s["grid_price_eur_kwh"] = np.where((hour >= 6.0) & (hour < 12.0), 0.50, 0.30)  # a time-of-use morning peak
    s["feed_in_eur_kwh"] = np.where(hour >= 18.0, 0.0, 0.08)  # six hours of negative prices: no feed-in
    s["room_target_c"] = np.where(hour < 6.0, 19.0, 21.0)  # zone schedule: setback until 06:00
    s["hp_starts"] = np.zeros(N)
    s["hp_starts"][[10, 200, 900]] = 1.0
    meta = dict(meta, pump_switchings={"p3": 30, "p4": 6}, contactor_switchings={"m1": 2, "m2": 0})
    k = compute_kpis(s, meta)
    assert k["import_cost_eur"] == pytest.approx(0.5 * (6 * 0.50 + 18 * 0.30))  # 0.5 kW import all day
    assert k["export_revenue_eur"] == pytest.approx(0.25 * 18 * 0.08)
    # below 21 - 1 °C from 06:00 to 12:00 only (the night target is 19 - 1 °C)
    assert k["degree_hours_below"] == pytest.approx(0.5 * 6.0)
    assert k["hp_starts"] == 3.0 and k["hp_starts_per_day_max"] == 3.0
    assert k["pump_switchings"] == 36.0 and k["pump_switchings_per_day_max"] == pytest.approx(30.0)
    assert k["contactor_switchings"] == 2.0
    assert k["operator_resets"] == 0.0
    assert compute_kpis(s, dict(meta, operator_resets=[(3600.0, "I2_miner_loop_supply_hh")]))["operator_resets"] == 1.0


def test_trip_events_read_as_lines():
    event = {
        "t_utc_s": T0 + 36000.0,
        "trip": "I2_miner_loop_supply_hh",
        "from": "normal",
        "to": "active_unack",
        "value": 65.04,
    }
    assert (
        trip_line(event, 1.0)
        == "2009-01-10 11:00:00 (UTC+1) I2_miner_loop_supply_hh: normal -> active_unack (value 65.0)"
    )
    back = dict(event, **{"from": "active_unack", "to": "cleared_unack"})
    s, meta = synthetic()
    assert compute_kpis(s, dict(meta, trip_events=[event, back]))["trips"] == 1.0


def test_week_windows_pick_coldest_and_sunniest():
    n = 21 * 288  # three weeks at 300 s
    t = T0 + 300.0 * np.arange(1, n + 1)
    outdoor = np.where((np.arange(n) >= 7 * 288) & (np.arange(n) < 14 * 288), -10.0, 5.0)
    pv = np.where(np.arange(n) >= 14 * 288, 3000.0, 100.0)
    wins = {
        stem: (lo, hi) for stem, _, lo, hi in week_windows({"t_utc_s": t, "outdoor_temp_c": outdoor, "pv_power_w": pv})
    }
    assert wins == {"week_winter": (7 * 288, 14 * 288), "week_summer": (14 * 288, 21 * 288)}


def test_write_report_creates_files(tmp_path):
    s, meta = synthetic()
    summary = write_report(tmp_path / "out", s, meta)
    out = summary.parent
    assert summary.name == "summary.md"
    text = summary.read_text()
    assert "| PV generation | 24.0 | kWh |" in text
    assert "| Self-consumption | 75.0 | % | (PV - export) / PV |" in text
    assert "| Export share of generation | 25.0 | % | export / PV |" in text
    assert "| Heat pump seasonal COP | 3.50 |" in text
    assert "| Net energy cost | 3.23 | EUR |" in text  # 12 x 0.36 - 6 x 0.076 - 14.4 x 0.0439 (defaults)
    assert "| Comfort: degree-hours below target | 6.0 | K h |" in text  # 12 h at 0.5 K below 20 °C
    assert "miner_loop_supply_temp_c > 65 °C" in text and "| p3_switchings | 4 |" in text
    assert "| 2009-01 | 24.0 |" in text and "| total | 24.0 |" in text  # monthly balance, PV column
    for png in ("balance.png", "dispatch.png", "temperatures.png", "load_duration.png"):
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        assert f"]({png})" in text
    page = (out / "summary.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == 4 and "Net energy cost" in page
    with (out / "timeseries.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "t_utc_s" and set(REQUIRED_COLUMNS) <= set(rows[0])
    assert len(rows) == N + 1
    assert float(rows[1][rows[0].index("pv_power_w")]) == 1000.0
    times = [float(r[0]) for r in rows[1:]]
    assert times == list(s["t_utc_s"])  # UNIX seconds survive the CSV exactly


def test_daily_energy_splits_days():
    s, _ = synthetic()
    days, e = daily_energy_kwh(s, ("pv_power_w",), 0.0)
    assert [d.isoformat() for d in days] == ["2009-01-10"]
    assert e["pv_power_w"][0] == pytest.approx(24.0)


def test_bad_series_is_rejected_and_nothing_written(tmp_path):
    s, meta = synthetic()
    broken = dict(s)
    del broken["hp_heat_w"]
    with pytest.raises(ReportError, match="lacks columns: hp_heat_w"):
        write_report(tmp_path / "a", broken, meta)
    assert not (tmp_path / "a").exists()
    short = dict(s, room_temp_c=s["room_temp_c"][:-1])
    with pytest.raises(ReportError, match="room_temp_c differ in length"):
        write_report(tmp_path / "b", short, meta)
    unsorted = dict(s, t_utc_s=s["t_utc_s"][::-1].copy())
    with pytest.raises(ReportError, match="strictly increasing"):
        write_report(tmp_path / "c", unsorted, meta)


def test_long_runs_are_grouped_by_week_and_month():
    import datetime as dt

    from hardware_sim.report import group_days

    days = [dt.date(2009, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    energy = {"pv_power_w": np.ones(60)}
    starts, e, unit = group_days(days, energy)
    assert unit == "week" and starts[0] == dt.date(2008, 12, 29)  # ISO week of 1 Jan 2009
    assert e["pv_power_w"].sum() == 60.0 and e["pv_power_w"][1] == 7.0
    days = [dt.date(2009, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    starts, e, unit = group_days(days, {"pv_power_w": np.ones(365)})
    assert unit == "month" and len(starts) == 12 and e["pv_power_w"][1] == 28.0


def test_monthly_balance_splits_at_local_midnight():
    from hardware_sim.report.monthly import monthly_balance, monthly_rows

    n = 2 * 1440  # 31 Jan and 1 Feb 2009 (UTC) at 60 s
    t0 = 1233360000.0  # 2009-01-31 00:00 UTC
    s = {"t_utc_s": t0 + 60.0 * np.arange(1, n + 1), "room_temp_c": np.full(n, 19.0)}
    for name in ("pv_power_w", "hp_power_w", "hp_heat_w"):
        s[name] = np.full(n, 1000.0)
    for name in (
        "grid_import_w",
        "grid_export_w",
        "battery_charge_w",
        "battery_discharge_w",
        "load_power_w",
        "miner_power_w",
        "house_heat_w",
        "dhw_draw_heat_w",
    ):
        s[name] = np.zeros(n)
    s["hp_heat_w"] = np.full(n, 3000.0)
    labels, table = monthly_balance(s, utc_offset_h=1.0, comfort_target_c=20.0)
    assert labels == ["2009-01", "2009-02"]
    assert table["PV"].tolist() == pytest.approx([23.0, 25.0])  # local time: Feb starts at 23:00 UTC
    assert table["COP"].tolist() == pytest.approx([3.0, 3.0])
    assert table["K h below"].sum() == pytest.approx(48.0)  # 1 K below for 48 h
    header, rows = monthly_rows(labels, table)
    assert header[:2] == ["month", "PV"] and rows[-1][:2] == ["total", "48.0"]
    assert rows[-1][header.index("COP")] == "3.00"
