"""The RS485 line end to end: sunsynk reads a simulated Deye over RTU on a socat pty pair,
meters share the line, signs are normalised per site, stamps come from the injected clock."""

from __future__ import annotations

import pytest

from hardware_sim.devices.modbus_sim import ModbusDeviceSim, SimMeterSpec
from tests.support import ShiftedClock
from thermiq.adapters.modbus.line import build_line
from thermiq.config.fieldbus import FieldbusConfig

PLANT = {
    "inverter.pv_power_w": 5200.0,
    "inverter.grid_power_w": -2300.0,  # Deye: negative = export
    "inverter.battery_power_w": -1500.0,  # Deye: negative = charging
    "inverter.battery_soc_pct": 87.0,
    "inverter.load_power_w": 1400.0,
    "inverter.battery_voltage_v": 53.12,
    "inverter.grid_import_energy_kwh": 12345.6,
    "inverter.grid_export_energy_kwh": 7654.3,
    "house.power_w": 1234.5,
    "house.import_energy_kwh": 10234.5,
    "heat_pump.power_w": 1850.0,
    "heat_pump.import_energy_kwh": 4321.0,
}
METERS = [SimMeterSpec("house", "eastron_sdm630", 2), SimMeterSpec("heat_pump", "carlo_gavazzi_em24", 3)]


def _cfg(port: str, kind: str, **inverter) -> FieldbusConfig:
    return FieldbusConfig.model_validate(
        {
            "rs485": {"port": port, "period_s": 0.2, "timeout_s": 0.3, "backoff_step_s": 0.5, "backoff_max_s": 1.0},
            "meters": [{"name": m.name, "model": m.model, "unit_id": m.unit_id} for m in METERS],
            "inverter": {"kind": kind, "unit_id": 1, **inverter},
        }
    )


def _offset_clock() -> ShiftedClock:
    return ShiftedClock(5000.0)  # a clock domain unlike the system's, to prove injection


@pytest.mark.parametrize("kind", ["single-phase", "single-phase-16kw", "three-phase", "three-phase-hv"])
def test_sunsynk_reads_simulated_deye_over_rtu_on_virtual_serial_line(pty_line, kind, wait_until):
    sim = ModbusDeviceSim(METERS, inverter_kind=kind).start(serial_port=pty_line.device_port)
    sim.update(PLANT)
    line = build_line(_cfg(pty_line.master_port, kind), clock=_offset_clock())
    try:
        wait_until(
            lambda: (
                line.inverter.snapshot().stamp_s is not None
                and all(s.power_w is not None for s in line.meters.snapshots().values())
            ),
            what="first good reads over RTU",
        )
        inv = line.inverter.snapshot()
        assert inv.pv_power_w == pytest.approx(5200.0)
        assert inv.grid_power_w == pytest.approx(-2300.0)  # export stays negative
        assert inv.battery_power_w == pytest.approx(-1500.0)  # charging stays negative
        assert inv.battery_soc_pct == pytest.approx(87.0)
        assert inv.load_power_w == pytest.approx(1400.0)
        assert inv.extra["battery_voltage_v"] == pytest.approx(53.12, abs=0.05)  # HV: 0.1 V steps
        assert inv.extra["grid_import_energy_kwh"] == pytest.approx(12345.6)
        assert inv.stamp_s > 5000.0
        meters = line.meters.snapshots()
        assert meters["house"].power_w == pytest.approx(1234.5)
        assert meters["house"].import_energy_kwh == pytest.approx(10234.5)
        assert meters["heat_pump"].power_w == pytest.approx(1850.0)
        assert meters["heat_pump"].import_energy_kwh == pytest.approx(4321.0)
        # the plant moves on: the next reads follow it
        sim.update({"inverter.grid_power_w": 800.0, "house.power_w": 99.5})
        wait_until(
            lambda: (
                line.inverter.snapshot().grid_power_w == pytest.approx(800.0)
                and line.meters.snapshots()["house"].power_w == pytest.approx(99.5)
            ),
            what="updated values",
        )
    finally:
        line.close()
        sim.stop()


def test_inverted_ct_is_corrected_by_site_config_over_tcp(free_port, wait_until):
    port = free_port()
    sim = ModbusDeviceSim(METERS, inverter_kind="single-phase", invert_ct=True).start(tcp_port=port)
    sim.update(PLANT)
    raw_line = build_line(_cfg(f"tcp://127.0.0.1:{port}", "single-phase", grid_source="ct"))
    fixed_line = build_line(_cfg(f"tcp://127.0.0.1:{port}", "single-phase", grid_source="ct", invert_grid=True))
    try:
        for line in (raw_line, fixed_line):
            wait_until(lambda: line.inverter.snapshot().grid_power_w is not None, what="CT reading")
        assert raw_line.inverter.snapshot().grid_power_w == pytest.approx(2300.0)  # wrong way round
        assert fixed_line.inverter.snapshot().grid_power_w == pytest.approx(-2300.0)  # normalised: export -
    finally:
        raw_line.close()
        fixed_line.close()
        sim.stop()


def test_requests_run_in_sequence_on_one_master(pty_line, wait_until):
    sim = ModbusDeviceSim(METERS, inverter_kind="single-phase").start(serial_port=pty_line.device_port)
    sim.update(PLANT)
    line = build_line(_cfg(pty_line.master_port, "single-phase"))
    try:
        wait_until(lambda: line.bus.stats.cycles >= 4, what="four bus cycles")
        # three devices, all healthy: every cycle polls each once, nothing fails
        assert line.bus.stats.failures == 0
        assert line.bus.stats.requests >= 3 * (line.bus.stats.cycles - 1)
        # the devices saw the requests strictly in the configured order, cycle after cycle
        # (the Deye's registers span two sunsynk groups: two requests per poll)
        log = list(sim.request_log)
        first = log.index(2)
        seq = [u for i, u in enumerate(log[first:]) if i == 0 or u != log[first:][i - 1]]
        assert seq[:6] == [2, 3, 1, 2, 3, 1]
    finally:
        line.close()
        sim.stop()
