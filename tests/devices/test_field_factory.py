"""build_field_devices: the site config plus [fieldbus] give working, non-blocking devices."""

from __future__ import annotations

import pytest

from hardware_sim.devices.braiins_sim import BraiinsSim
from hardware_sim.devices.modbus_sim import ModbusDeviceSim, SimMeterSpec
from thermiq.adapters.field import build_field_devices
from thermiq.cli import DEFAULT_CONFIG
from thermiq.clock import SystemClock
from thermiq.config.fieldbus import FieldbusConfig
from thermiq.config.load import load_config
from thermiq.cycle.image import MinerCommand, MinerState


def test_factory_builds_working_devices_from_config(free_port, wait_until, monkeypatch):
    base = load_config(DEFAULT_CONFIG)
    m1, m2 = BraiinsSim(password="pw1").start(), BraiinsSim(password="pw2").start()
    tcp = free_port()
    modbus = ModbusDeviceSim([SimMeterSpec("miners", "eastron_sdm630", 2)], "single-phase").start(tcp_port=tcp)
    modbus.update({"miners.power_w": 3100.0, "inverter.pv_power_w": 4000.0, "inverter.battery_soc_pct": 92.0})
    miners = tuple(
        mc.model_copy(update={"host": "127.0.0.1", "port": s.port, "password_env": f"TQ_TEST_PW_{mc.name}"})
        for mc, s in zip(base.miners, (m1, m2))
    )
    monkeypatch.setenv("TQ_TEST_PW_m1", "pw1")
    monkeypatch.setenv("TQ_TEST_PW_m2", "pw2")
    cfg = base.model_copy(update={"miners": miners})
    fb = FieldbusConfig.model_validate(
        {
            "rs485": {"port": f"tcp://127.0.0.1:{tcp}", "period_s": 0.2},
            "meters": [{"name": "miners", "model": "eastron_sdm630", "unit_id": 2}],
            "miner_link": {"poll_period_s": 0.1, "min_change_interval_s": 0.0},
        }
    )
    dev = build_field_devices(cfg, SystemClock(), fieldbus=fb)
    try:
        wait_until(
            lambda: (
                all(m.snapshot().reachable for m in dev.miners.values())
                and dev.meters.snapshots()["miners"].power_w is not None
                and dev.inverter.snapshot().battery_soc_pct is not None
            ),
            what="all devices up",
        )
        assert dev.meters.snapshots()["miners"].power_w == pytest.approx(3100.0)
        assert dev.inverter.snapshot().pv_power_w == pytest.approx(4000.0)
        assert dev.miners["m2"].snapshot().hashrate_ths is None  # asp1: miner 2 publishes no hashrate
        dev.miners["m1"].command(MinerCommand(False))
        wait_until(lambda: dev.miners["m1"].snapshot().state == MinerState.PAUSED, what="m1 paused")
        assert m1.miner_state()["paused"] and not m2.miner_state()["paused"]
    finally:
        dev.close()
        modbus.stop()
        m1.stop()
        m2.stop()


def test_unknown_meter_model_is_refused_before_anything_starts():
    from thermiq.adapters.modbus.regmap import RegisterMapError

    fb = FieldbusConfig.model_validate({"meters": [{"name": "x", "model": "acme_9000", "unit_id": 5}]})
    with pytest.raises(RegisterMapError, match="acme_9000"):
        build_field_devices(load_config(DEFAULT_CONFIG), fieldbus=fb)


@pytest.mark.parametrize(
    "bad, msg",
    [
        ({"rs485": {"port": "COM3"}}, "device path"),
        ({"meters": [{"name": "a", "model": "eastron_sdm630", "unit_id": 1}]}, "unit ids"),
        ({"meters": [{"name": "inverter", "model": "eastron_sdm630", "unit_id": 2}]}, "not 'inverter'"),
        ({"rs485": {"baud": 9600}}, "Extra inputs"),
    ],
)
def test_fieldbus_config_refuses_bad_input(bad, msg):
    with pytest.raises(ValueError, match=msg):
        FieldbusConfig.model_validate(bad)


def test_fieldbus_file_from_environment(tmp_path, monkeypatch):
    from thermiq.adapters.field import fieldbus_from_file

    f = tmp_path / "fieldbus.toml"
    f.write_text(
        '[fieldbus.rs485]\nport = "tcp://127.0.0.1:1502"\n[[fieldbus.meters]]\n'
        'name = "house"\nmodel = "eastron_sdm72d_m"\nunit_id = 7\n'
    )
    fb = fieldbus_from_file(f)
    assert fb.rs485.port == "tcp://127.0.0.1:1502" and fb.meters[0].unit_id == 7
    f.write_text('[fieldbus.rs485]\nport = "COM1"\n')
    with pytest.raises(ValueError, match="fieldbus.toml: invalid fieldbus configuration"):
        fieldbus_from_file(f)
    monkeypatch.setenv("THERMIQ_FIELDBUS", str(tmp_path / "missing.toml"))
    with pytest.raises(ValueError, match="cannot read"):
        build_field_devices(load_config(DEFAULT_CONFIG), start=False)
