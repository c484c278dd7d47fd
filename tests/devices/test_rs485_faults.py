"""Faults on the RS485 line: a silent meter, Modbus exception codes, garbage frames.

Values of the faulty device turn invalid (None, never 0, never frozen), the other devices
keep being read on schedule, nothing crashes, and the device comes back when healthy.
"""

from __future__ import annotations

import pytest

from hardware_sim.devices.modbus_sim import ModbusDeviceSim, SimMeterSpec
from tests.support import ShiftedClock
from thermiq.adapters.modbus.line import build_line
from thermiq.config.fieldbus import FieldbusConfig
from thermiq.config.schema import ScanConfig
from thermiq.cycle.freeze import freeze
from thermiq.cycle.image import MeterSnapshot

METERS = [SimMeterSpec("house", "eastron_sdm630", 2), SimMeterSpec("miners", "eastron_sdm72d_m", 3)]
VALUES = {
    "house.power_w": 1234.5,
    "miners.power_w": 6500.0,
    "inverter.grid_power_w": 300.0,
    "inverter.battery_soc_pct": 95.0,
}


@pytest.fixture(params=["rtu", "tcp"])
def line_and_sim(request, pty_line, free_port, wait_until):
    sim = ModbusDeviceSim(METERS, inverter_kind="single-phase")
    if request.param == "rtu":
        sim.start(serial_port=pty_line.device_port)
        port = pty_line.master_port
    else:
        tcp = free_port()
        sim.start(tcp_port=tcp)
        port = f"tcp://127.0.0.1:{tcp}"
    sim.update(VALUES)
    cfg = FieldbusConfig.model_validate(
        {
            "rs485": {
                "port": port,
                "period_s": 0.2,
                "timeout_s": 0.2,
                "retries": 1,
                "backoff_step_s": 0.3,
                "backoff_max_s": 0.6,
            },
            "meters": [{"name": m.name, "model": m.model, "unit_id": m.unit_id} for m in METERS],
            "inverter": {"kind": "single-phase"},
        }
    )
    line = build_line(cfg)
    wait_until(
        lambda: (
            all(s.power_w is not None for s in line.meters.snapshots().values())
            and line.inverter.snapshot().grid_power_w is not None
        ),
        what="healthy line",
    )
    yield line, sim
    line.close()
    sim.stop()


def _others_keep_updating(line, wait_until, healthy: str) -> None:
    before_meter = line.meters.snapshots()[healthy].stamp_s
    before_inv = line.inverter.snapshot().stamp_s
    cycles = line.bus.stats.cycles
    wait_until(
        lambda: (
            line.meters.snapshots()[healthy].stamp_s > before_meter
            and line.inverter.snapshot().stamp_s > before_inv
            and line.bus.stats.cycles >= cycles + 3
        ),
        what="healthy devices read on schedule",
    )
    assert line.meters.snapshots()[healthy].power_w is not None
    assert line.inverter.snapshot().grid_power_w == pytest.approx(300.0)


@pytest.mark.parametrize("fault", ["silent", "exception", "garbage"])
def test_faulty_meter_turns_invalid_others_keep_schedule_and_it_recovers(line_and_sim, wait_until, fault):
    line, sim = line_and_sim
    last_good = line.meters.snapshots()["house"].stamp_s
    sim.set_fault("house", fault)
    wait_until(lambda: line.meters.snapshots()["house"].power_w is None, what=f"{fault} meter invalid")
    snap = line.meters.snapshots()["house"]
    assert snap == MeterSnapshot(stamp_s=snap.stamp_s)  # every value None, not 0
    assert snap.stamp_s is not None and snap.stamp_s >= last_good  # stamp of the last good read kept
    assert line.bus.reading("house").failures >= 1
    assert line.bus.reading("house").last_error
    _others_keep_updating(line, wait_until, "miners")
    # the silent device is backed off: it is not asked every cycle any more
    assert line.bus.reading("house").next_try_s > 0.0
    sim.set_fault("house", None)
    wait_until(lambda: line.meters.snapshots()["house"].power_w == pytest.approx(1234.5), what="recovery")


def test_exception_code_is_reported(line_and_sim, wait_until):
    line, sim = line_and_sim
    sim.set_fault("miners", "exception")
    wait_until(lambda: line.meters.snapshots()["miners"].power_w is None, what="exception reply invalid")
    assert "exception code 4" in line.bus.reading("miners").last_error


def test_silent_inverter_turns_inverter_snapshot_invalid(line_and_sim, wait_until):
    line, sim = line_and_sim
    sim.set_fault("inverter", "silent")
    wait_until(lambda: line.inverter.snapshot().grid_power_w is None, what="inverter invalid")
    inv = line.inverter.snapshot()
    assert (inv.pv_power_w, inv.battery_soc_pct, inv.battery_power_w, inv.load_power_w) == (None,) * 4
    _before = line.meters.snapshots()["house"].stamp_s
    wait_until(lambda: line.meters.snapshots()["house"].stamp_s > _before, what="meters still read")
    sim.set_fault("inverter", None)
    wait_until(lambda: line.inverter.snapshot().battery_soc_pct == pytest.approx(95.0), what="inverter back")


def test_values_go_stale_when_the_worker_stops(free_port, wait_until):
    """A stopped (or hung) worker must not freeze the values: the snapshots keep the stamp of their
    last good read, and the scan's freeze phase invalidates them after its one limit per source."""
    tcp = free_port()
    sim = ModbusDeviceSim(METERS, inverter_kind="single-phase").start(tcp_port=tcp)
    sim.update(VALUES)
    clock = ShiftedClock()  # an injected clock we can move
    cfg = FieldbusConfig.model_validate(
        {
            "rs485": {"port": f"tcp://127.0.0.1:{tcp}", "period_s": 0.2},
            "meters": [{"name": "house", "model": "eastron_sdm630", "unit_id": 2}],
        }
    )
    scan = ScanConfig(meter_max_age_s=5.0, inverter_max_age_s=8.0)
    line = build_line(cfg, clock=clock)

    def frozen():
        return freeze(
            clock.monotonic(), clock.wall(), {}, line.inverter.snapshot(), line.meters.snapshots(), {}, scan, 2.0
        )

    try:
        wait_until(
            lambda: (
                line.meters.snapshots()["house"].power_w is not None
                and line.inverter.snapshot().grid_power_w is not None
            ),
            what="first reads",
        )
        line.bus.close()  # the worker stops reading, as if hung
        stamp = line.meters.snapshots()["house"].stamp_s
        assert frozen().meters["house"].power_w == pytest.approx(1234.5)  # still fresh
        clock.offset_s = 5.5
        img = frozen()
        assert img.meters["house"] == MeterSnapshot(stamp)  # older than meter_max_age_s: all None
        assert img.inverter.grid_power_w is not None  # the inverter's own limit is 8 s
        assert line.bus.reading("house").fault is None  # the adapter decides no staleness
        clock.offset_s = 8.5
        assert frozen().inverter.grid_power_w is None
    finally:
        line.close()
        sim.stop()
