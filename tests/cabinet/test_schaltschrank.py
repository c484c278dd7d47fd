"""Schaltschrank/SCHALTSCHRANK.md agrees with the I/O list, the site configuration and the unit file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from thermiq.config.load import load_config
from thermiq.iomap.io_list import load_io_list
from thermiq.iomap.terminal_plan import module_positions

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "Schaltschrank" / "SCHALTSCHRANK.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cfg():
    return load_config(REPO / "thermiq" / "sites" / "asp1.toml")


@pytest.fixture(scope="module")
def io_list():
    return load_io_list(REPO / "Schaltschrank" / "io_list.csv")


def table(heading: str) -> list[dict[str, str]]:
    """Rows of the first Markdown table under ``heading`` as dicts keyed by the header cells."""
    section = DOC.split(heading, 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    start = section.splitlines().index(lines[0])
    block = []
    for line in section.splitlines()[start:]:
        if not line.startswith("|"):
            break
        block.append([c.strip() for c in line.strip().strip("|").split("|")])
    header, rows = block[0], block[2:]
    return [dict(zip(header, row)) for row in rows]


def test_every_io_point_is_named(io_list):
    missing = [p.tag for p in io_list.points if p.tag not in DOC]
    assert not missing, f"SCHALTSCHRANK.md does not mention {missing}"


def test_outputs_table_matches_the_io_list(io_list):
    rows = table("## 4. Outputs and what drives what")
    documented = {}
    for row in rows:
        channels = [c.strip() for c in row["output"].split(",")]
        tags = [t.strip() for t in row["tag"].split(",")]
        documented.update(zip(channels, tags))
    assert documented == {p.channel: p.tag for p in io_list.outputs}


def test_module_placement_matches_the_generator(io_list):
    positions = module_positions(io_list)
    for module, position in positions.items():
        assert re.search(rf"`{module}` \(productType \d+, position {position}\b", DOC), module
    used_aio = [p for p in io_list.analog_inputs]
    assert len(used_aio) == 12 and sum(p.kind == "rtd" for p in used_aio) == 4
    assert "**4 RTD + 8 current inputs = 12**" in DOC


def test_trip_sensors_are_on_rtd_channels(io_list):
    """The four points with a hardware device behind them and a software trip are read by RTDs."""
    for signal in ("buffer_top_temp_c", "miner_loop_supply_temp_c", "dhw_temp_c", "heating_flow_temp_c"):
        assert io_list[signal].kind == "rtd", signal


def test_stb_table_matches_config_and_keeps_5_to_10_k(cfg, io_list):
    rows = table("## 3. STB settings")
    assert len(rows) == 4
    for row in rows:
        key = re.match(r"`(\w+)`", row["software trip"]).group(1)
        hw_c = float(row["hardware setting [°C]"])
        sw_c = float(row["software limit [°C]"])
        assert getattr(cfg.limits, key) == sw_c, f"{key}: doc {sw_c}, config {getattr(cfg.limits, key)}"
        assert float(row["margin [K]"]) == hw_c - sw_c
        assert 5.0 <= hw_c - sw_c <= 10.0, key
        for tag in re.findall(r"TT\d{3}", row["sensor"]):
            assert any(p.tag == tag for p in io_list.points), tag


def test_timeouts_match_config_and_unit(cfg):
    assert f"`process_image.output_watchdog_ms` = {cfg.process_image.output_watchdog_ms} ms" in DOC
    assert f"`scan.period_s` = {cfg.scan.period_s:g} s" in DOC
    unit = (REPO / "systemd" / "thermiq.service").read_text(encoding="utf-8")
    watchdog = re.search(r"^WatchdogSec=(\S+)", unit, re.M).group(1)
    assert f"`WatchdogSec={watchdog}`" in DOC
    # heartbeat relay drop-out sees at least 4 heartbeat edges (one per scan)
    dropout_s = float(re.search(r"set to \*\*(\d+(?:\.\d+)?) s\*\* drop-out", DOC).group(1))
    assert dropout_s >= 4 * cfg.scan.period_s


def test_pump_limits_match_config(cfg):
    p = cfg.pump(cfg.miner_loop.pump)
    assert f"`min_switch_interval_s` = {p.min_switch_interval_s:g}" in DOC
    assert f"`max_switchings_per_hour` = {p.max_switchings_per_hour}" in DOC
    assert f"`max_switchings_per_day` = {p.max_switchings_per_day}" in DOC
    assert f"`heat_pump.min_dwell_s` = {cfg.heat_pump.min_dwell_s:g} s" in DOC


def test_rs485_ids_unique_and_match_the_maps():
    rows = table("## 5. RS485 field bus")
    ids = [int(r["unit id"]) for r in rows]
    assert ids == sorted(set(ids)) and ids[0] == 1 and "Deye" in rows[0]["device"]
    maps = REPO / "thermiq" / "adapters" / "modbus" / "maps"
    for row in rows[1:]:
        name = re.search(r"(\w+)\.toml", row["register map"]).group(1)
        assert (maps / f"{name}.toml").exists(), name


def test_miner_hosts_in_assumptions_match_config(cfg):
    for m in cfg.miners:
        last = m.host.rsplit(".", 1)[1]
        assert m.host in DOC or f".{last}" in DOC, m.host


def test_assumption_table_is_complete():
    rows = table("## 6. Assumptions")
    assert [r["#"] for r in rows] == [f"A{i}" for i in range(1, len(rows) + 1)]
    assert all(
        r["assumed value"] and r["reason"] and r["origin"] in ("plant", "cabinet", "plant (optional there)")
        for r in rows
    )
    text = " ".join(r["item"] for r in rows).lower()
    for topic in (
        "meters",
        "heat-pump variant",
        "buffer",
        "hot-water",
        "pump roles",
        "hydraulics",
        "end-position",
        "sensor list",
        "sensor types",
        "transmitter ranges",
        "terminal numbering",
        "stb settings",
        "fail-safe position",
        "rs485 addressing",
    ):
        assert topic in text, topic


def test_inputs_table_matches_the_io_list(io_list):
    rows = table("### Inputs")
    documented = {(r["channel"], r["tag"], r["signal"].strip("`")) for r in rows}
    assert documented == {(f"{p.module} {p.channel}", p.tag, p.signal) for p in io_list.inputs}
