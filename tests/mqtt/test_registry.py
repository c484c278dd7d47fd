"""The topic registry covers exactly the status keys of the controller contract, with fixed QoS rules."""

from __future__ import annotations

from thermiq.adapters.mqtt.registry import CONTROLLER, HA, NODERED, OPERATOR
from thermiq.iomap.io_list import load_io_list
from thermiq.adapters.mqtt.registry import REPO
from thermiq.signals import INVERTER_SIGNALS


def test_status_keys_match_the_contract(registry, cfg):
    io = load_io_list(REPO / cfg.process_image.io_list)
    keys = set(registry.status_keys())
    temps = {f"state/temperature/{p.signal}" for p in io.points if p.signal.endswith("_temp_c")}
    contacts = {f"state/contact/{p.signal}" for p in io.points if p.kind == "di"}
    outputs = {f"state/output/{p.signal}" for p in io.points if p.kind == "do"}
    assert temps | contacts | outputs <= keys
    assert "state/temperature/outdoor_temp_c" in keys and "state/temperature/miner2_outlet_temp_c" in keys
    assert "state/output/p3_miner_loop_run" in keys
    assert not any(k.startswith("state/output/p3") and k != "state/output/p3_miner_loop_run" for k in keys)
    assert {"state/valve/rv1/position", "state/valve/rv2/position", "state/heat_pump/sg_state",
            "state/safety/latched", "state/safety/first_out", "state/safety/trips", "state/mode"} <= keys
    for f in ("pv_power_w", "battery_soc_pct", "battery_power_w", "grid_power_w", "load_power_w",
              "battery_voltage_v", "pv_energy_today_kwh", "grid_import_energy_today_kwh",
              "grid_export_energy_today_kwh", "inverter_temp_c"):
        assert f"state/inverter/{f}" in keys
    for m in ("miners", "heat_pump", "house"):
        for f in ("power_w", "import_energy_kwh", "export_energy_kwh"):
            assert f"state/meter/{m}/{f}" in keys
    for f in ("period_s", "cycle_time_s", "cycle_time_p99_s", "overruns", "scans"):
        assert f"state/scan/{f}" in keys
    for name in registry.specs:
        assert f"setpoints/{name}" in keys
    miners = {f"state/miner/{m}/{f}" for m in ("m1", "m2")
              for f in ("power_w", "power_target_w", "requested_power_w", "state", "chip_temp_max_c", "reachable")}
    miners.add("state/miner/m1/hashrate_ths")
    fixed = {"state/valve/rv1/position", "state/valve/rv2/position", "state/heat_pump/sg_state",
             "state/safety/latched", "state/safety/first_out", "state/safety/trips", "state/mode"}
    inverter = {k for k in keys if k.startswith("state/inverter/")}
    meters = {k for k in keys if k.startswith("state/meter/")}
    scan = {k for k in keys if k.startswith("state/scan/")}
    setpoints = {f"setpoints/{n}" for n in registry.specs}
    assert (len(inverter), len(meters), len(scan)) == (len(INVERTER_SIGNALS), 9, 5)
    assert keys == temps | contacts | outputs | miners | fixed | inverter | meters | scan | setpoints


def test_miner2_publishes_no_hashrate(registry, cfg):
    assert {m.name: m.publishes_hashrate for m in cfg.miners} == {"m1": True, "m2": False}
    assert "state/miner/m1/hashrate_ths" in registry
    assert "state/miner/m2/hashrate_ths" not in registry
    for f in ("power_w", "power_target_w", "requested_power_w", "state", "chip_temp_max_c", "reachable"):
        assert f"state/miner/m2/{f}" in registry


def test_qos_and_retain_rules(registry):
    for t in registry.topics:
        if t.kind == "state":
            assert (t.qos, t.retained, t.publisher) == (0, True, (CONTROLLER,)), t.path
        elif t.kind == "setpoint":
            assert (t.qos, t.retained) == (1, True), t.path
        elif t.kind == "command":
            assert (t.qos, t.retained) == (1, False), t.path
            assert CONTROLLER in t.subscribers and CONTROLLER not in t.publisher
            assert registry.get(t.path + "/ack").kind == "ack"
        elif t.kind == "ack":
            assert (t.qos, t.retained, t.publisher) == (1, False, (CONTROLLER,)), t.path
    status = registry["status"]
    assert (status.qos, status.retained) == (1, True)
    assert HA not in registry["cmd/safety/reset"].publisher
    assert {NODERED, OPERATOR} <= set(registry["cmd/safety/ack"].publisher)


def test_units_and_deadbands(registry):
    assert registry["state/temperature/dhw_temp_c"].unit == "°C"
    assert registry["state/temperature/dhw_temp_c"].deadband == 0.1
    assert registry["state/inverter/pv_power_w"].unit == "W"
    assert registry["state/meter/house/import_energy_kwh"].unit == "kWh"
    assert registry["state/miner/m1/hashrate_ths"].unit == "TH/s"
    assert registry["state/contact/hp_ok"].deadband is None


def test_full_and_relative_topics(registry):
    assert registry.full("state/mode") == "thermiq/asp1/state/mode"
    assert registry.relative("thermiq/asp1/setpoints/mode/set") == "setpoints/mode/set"
    assert registry.relative("thermiq/other/state/mode") is None
    assert registry.full("homeassistant/status") == "homeassistant/status"


def test_state_schemas_accept_null_and_reject_wrong_types(registry):
    from pydantic import ValidationError
    import pytest

    t = registry["state/valve/rv1/position"]
    assert t.adapter.validate_python(None, strict=True) is None
    assert t.adapter.validate_python("moving", strict=True) == "moving"
    with pytest.raises(ValidationError):
        t.adapter.validate_python("open", strict=True)
