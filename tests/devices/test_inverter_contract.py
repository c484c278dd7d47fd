"""One signal contract from adapter to topic: a simulated Deye read over RTU through sunsynk fills
every inverter topic of the registry (the extended ones included) with the value it was given."""

from __future__ import annotations

import pytest

from hardware_sim.devices.modbus_sim import ModbusDeviceSim
from thermiq.adapters.modbus.line import build_line
from thermiq.adapters.mqtt.registry import build_registry
from thermiq.cli import DEFAULT_CONFIG
from thermiq.clock import SystemClock
from thermiq.config.fieldbus import FieldbusConfig
from thermiq.config.load import load_config
from thermiq.cycle.freeze import freeze
from thermiq.cycle.image import OutputImage
from thermiq.cycle.scan import Core, initial_state
from thermiq.cycle.status import build_status
from thermiq.iomap.io_list import load_io_list
from thermiq.signals import INVERTER_SIGNALS

#: a distinct, non-zero value per contract signal, in the Deye's signs (export and charging negative)
VALUES = {
    "pv_power_w": 5200.0,
    "battery_soc_pct": 87.0,
    "battery_power_w": -1500.0,
    "grid_power_w": -2300.0,
    "load_power_w": 1400.0,
    "battery_voltage_v": 53.1,
    "battery_temp_c": 24.5,
    "inverter_temp_c": 41.3,
    "grid_frequency_hz": 49.97,
    "pv_energy_today_kwh": 18.4,
    "grid_import_energy_today_kwh": 2.3,
    "grid_export_energy_today_kwh": 7.9,
    "grid_import_energy_kwh": 12345.6,
    "grid_export_energy_kwh": 7654.3,
    "pv_energy_kwh": 23456.7,
    "battery_charge_energy_kwh": 3456.7,
    "battery_discharge_energy_kwh": 3210.9,
}


def test_values_cover_the_contract():
    assert set(VALUES) == {s.name for s in INVERTER_SIGNALS}


@pytest.mark.parametrize("kind", ["single-phase", "three-phase", "three-phase-hv"])
def test_every_inverter_topic_carries_the_value_read_over_rtu(pty_line, kind, wait_until):
    cfg = load_config(DEFAULT_CONFIG)
    io_list = load_io_list(DEFAULT_CONFIG.parents[2] / cfg.process_image.io_list)
    registry = build_registry(cfg, io_list.points)
    topics = [t.path for t in registry.topics if t.path.startswith("state/inverter/")]
    assert {p.rsplit("/", 1)[1] for p in topics} == set(VALUES)  # registry = contract

    sim = ModbusDeviceSim([], inverter_kind=kind).start(serial_port=pty_line.device_port)
    sim.update({f"inverter.{k}": v for k, v in VALUES.items()})
    fb = FieldbusConfig.model_validate(
        {
            "rs485": {"port": pty_line.master_port, "period_s": 0.2, "timeout_s": 0.3},
            "meters": [],
            "inverter": {"kind": kind, "unit_id": 1},
        }
    )
    clock = SystemClock()
    line = build_line(fb, clock=clock)
    try:
        wait_until(lambda: line.inverter.snapshot().stamp_s is not None, what="first good Deye read over RTU")
        snap = line.inverter.snapshot()
    finally:
        line.close()
        sim.stop()
    img = freeze(clock.monotonic(), clock.wall(), {}, snap, {}, {}, cfg.scan, cfg.limits.signal_max_age_s)
    status = build_status(
        img, OutputImage({}), initial_state(cfg), cfg, io_list, {}, {}, Core.build(cfg, io_list).table
    )
    for path in topics:
        name = path.rsplit("/", 1)[1]
        assert status[path] is not None, f"{path} is null"
        assert status[path] == pytest.approx(VALUES[name], abs=0.06), path
