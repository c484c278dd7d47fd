"""The topic registry covers exactly the status keys of the controller contract, with fixed QoS rules."""

from __future__ import annotations

from thermiq.adapters.mqtt.registry import CONTROLLER, HA, NODERED, OPERATOR, REPO
from thermiq.iomap.io_list import load_io_list
from thermiq.signals import INVERTER_SIGNALS


def _status(cfg, io, latched=()):
    """The status mapping of one real core scan over an empty image (every value invalid)."""
    from thermiq.control.arbitrate import safe_outputs
    from thermiq.cycle.freeze import freeze
    from thermiq.cycle.image import InverterSnapshot
    from thermiq.cycle.scan import Core, initial_state
    from thermiq.cycle.status import build_status

    core = Core.build(cfg, io)
    img = freeze(100.0, 1.7e9, {}, InverterSnapshot(), {}, {}, cfg.scan, cfg.limits.signal_max_age_s)
    res = core.scan(img, initial_state(cfg))
    return build_status(
        img,
        safe_outputs(cfg),
        res.state,
        cfg,
        io,
        {},
        {f: 0 for f in ("period_s", "cycle_time_s", "cycle_time_p99_s", "overruns", "scans")},
        core.table,
    )


def test_status_keys_match_the_contract(registry, cfg):
    io = load_io_list(REPO / cfg.process_image.io_list)
    keys = set(registry.status_keys())
    temps = {f"state/temperature/{p.signal}" for p in io.points if p.signal.endswith("_temp_c")}
    contacts = {f"state/contact/{p.signal}" for p in io.points if p.kind == "di"}
    outputs = {
        f"state/output/{p.signal}" for p in io.points if p.kind == "do" and p.signal != cfg.cabinet.heartbeat_output
    }
    assert temps | contacts | outputs <= keys
    assert f"state/output/{cfg.cabinet.heartbeat_output}" not in keys  # toggles every scan: never published
    valves = {f"state/valve/{v.name}/position" for v in cfg.valves}
    fixed = {
        "state/heat_pump/sg_state",
        "state/safety/latched",
        "state/safety/first_out",
        "state/safety/trips",
        "state/mode",
    }
    assert valves | fixed <= keys
    inverter = {k for k in keys if k.startswith("state/inverter/")}
    meters = {
        f"state/meter/{m.name}/{f}"
        for m in cfg.fieldbus.meters
        for f in ("power_w", "import_energy_kwh", "export_energy_kwh")
    }
    scan = {k for k in keys if k.startswith("state/scan/")}
    setpoints = {f"setpoints/{n}" for n in registry.specs}
    miners = {
        f"state/miner/{m.name}/{f}"
        for m in cfg.miners
        for f in ("power_w", "power_target_w", "requested_power_w", "state", "chip_temp_max_c", "reachable")
    }
    miners |= {f"state/miner/{m.name}/hashrate_ths" for m in cfg.miners if m.publishes_hashrate}
    assert (len(inverter), len(scan)) == (len(INVERTER_SIGNALS), 5)
    assert keys == temps | contacts | outputs | valves | miners | fixed | inverter | meters | scan | setpoints


def test_status_producer_publishes_exactly_the_registry(registry, cfg):
    io = load_io_list(REPO / cfg.process_image.io_list)
    status = _status(cfg, io)
    assert set(status) == set(registry.status_keys())
    for path, value in status.items():  # every value validates against its topic's schema
        registry[path].adapter.validate_python(value)


def test_a_three_miner_site_gets_its_topics_from_its_instances(cfg):
    """A third miner, a renamed meter and a third valve appear without a line of code."""
    from thermiq.adapters.mqtt.registry import build_registry
    from thermiq.config.fieldbus import MeterBusConfig

    io = load_io_list(REPO / cfg.process_image.io_list)
    m3 = cfg.miners[0].model_copy(
        update={
            "name": "m3",
            "contactor_output": "k3_run",
            "contactor_feedback": "k3_closed",
            "outlet_temp_signal": "m3_out_c",
        }
    )
    meters = (
        MeterBusConfig(
            name="heatpump_b", model="eastron_sdm630", unit_id=9, role="heat_pump", label="second heat pump"
        ),
    )
    site = cfg.model_copy(
        update={"miners": cfg.miners + (m3,), "fieldbus": cfg.fieldbus.model_copy(update={"meters": meters})}
    )
    reg = build_registry(site, io.points)
    assert "state/miner/m3/power_w" in reg and reg["state/miner/m3/power_w"].label == "Miner m3 power"
    assert reg["state/meter/heatpump_b/power_w"].label == "Second heat pump power"
    assert "state/meter/house/power_w" not in reg
    assert "setpoints/miner_m3_power_limit_w" in reg


def test_labels_precision_and_bands(registry, cfg):
    top = registry[f"state/temperature/{cfg.buffer.top_temp_signal}"]
    assert (top.label, top.unit, top.precision) == ("Buffer tank top", "°C", 1)
    levels = [(b.lo, b.level) for b in top.bands]
    assert levels[1:] == [
        (cfg.buffer.setpoint_c - cfg.buffer.hysteresis_k, "ok"),
        (cfg.buffer.max_c, "high"),
        (cfg.limits.buffer_top_trip_c, "trip"),
    ]
    soc = registry["state/inverter/battery_soc_pct"]
    assert soc.precision == 0 and soc.bands[-1].lo == cfg.energy.priority_soc_pct - cfg.energy.soc_hysteresis_pct
    assert registry["state/inverter/pv_power_w"].precision == 0
    for t in registry.of_kind("state", "setpoint"):
        assert t.label and "_" not in t.label, (t.path, t.label)
        if t.unit:
            assert t.precision is not None, t.path


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
    import pytest
    from pydantic import ValidationError

    t = registry["state/valve/rv1/position"]
    assert t.adapter.validate_python(None, strict=True) is None
    assert t.adapter.validate_python("moving", strict=True) == "moving"
    with pytest.raises(ValidationError):
        t.adapter.validate_python("open", strict=True)


def test_trip_items_carry_cause_hint_limit_unit_and_wall_time(cfg):
    """A latched trip reaches MQTT with what the operator needs; its time does not jitter between scans."""
    from dataclasses import replace

    from thermiq.cycle.scan import Core, initial_state
    from thermiq.cycle.status import trip_items
    from thermiq.interlocks.alarm import AlarmState, TripState

    core = Core.build(cfg, load_io_list(REPO / cfg.process_image.io_list))
    row = next(r for r in core.table if r.spec.limit and isinstance(r.limit, float))
    st = initial_state(cfg)
    locks = replace(st.interlocks, trips={row.spec.id: TripState(AlarmState.ACTIVE_UNACK, None, 100.0, True, 86.1)})
    st = replace(st, interlocks=locks)
    a = trip_items(st, core.table, 160.0, 1_700_000_060.0002)
    b = trip_items(st, core.table, 160.5, 1_700_000_060.4999)
    assert a == b and len(a) == 1
    item = a[0]
    assert (item["id"], item["cause"], item["hint"], item["limit"]) == (
        row.spec.id,
        row.spec.cause,
        row.spec.hint,
        row.limit,
    )
    assert item["value"] == 86.1 and item["since_wall_s"] == 1_700_000_000.0 and item["first_out"] is True
    assert item["unit"] in ("°C", "K", "W", "s")
