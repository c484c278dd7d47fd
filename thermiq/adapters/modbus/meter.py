"""Generic register-map energy meter on a shared Modbus line, and the MeterSource over it.

:class:`ModbusMeter` reads the blocks of its :class:`~thermiq.adapters.modbus.regmap.MeterMap`
with one pymodbus async client (FC04 or FC03) and decodes them; it holds no model-specific
code. :class:`BusMeterSource` turns the bus readings into frozen
:class:`~thermiq.cycle.image.MeterSnapshot` objects for the scan (non-blocking).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from thermiq.adapters.fieldbus import BusMaster, DeviceError
from thermiq.adapters.modbus.regmap import MeterMap, decode_registers, plan_reads
from thermiq.cycle.image import MeterSnapshot

#: decoded names that fill MeterSnapshot; everything else stays in the reading's values
SNAPSHOT_FIELDS = ("power_w", "import_energy_kwh", "export_energy_kwh")


class ModbusMeter:
    """One meter at ``unit_id`` described by ``meter_map`` (a :class:`BusDevice`).

    Raises
    ------
    ValueError
        If ``unit_id`` is not a Modbus slave address (1..247).
    """

    def __init__(self, name: str, meter_map: MeterMap, unit_id: int) -> None:
        if not 1 <= unit_id <= 247:
            raise ValueError(f"meter {name!r}: unit_id {unit_id} must be 1..247")
        self.name = name
        self.meter_map = meter_map
        self.unit_id = unit_id
        self._blocks = plan_reads(meter_map)

    async def read(self, client: Any) -> Mapping[str, float | None]:
        """Read every block and decode; raises :class:`DeviceError` on an exception reply.

        Timeouts and framing errors surface as the client's exceptions (``ModbusIOException``,
        ``TimeoutError``); the bus master treats every exception the same way.
        """
        fc = client.read_input_registers if self.meter_map.register_type == "input" else client.read_holding_registers
        regs: dict[int, int] = {}
        for start, count in self._blocks:
            rr = await fc(start, count=count, slave=self.unit_id)
            if rr.isError():
                code = getattr(rr, "exception_code", None)
                raise DeviceError(f"{self.name}: Modbus exception code {code} reading {count} registers at {start}")
            words = list(rr.registers)
            if len(words) != count:
                raise DeviceError(f"{self.name}: got {len(words)} of {count} registers at {start}")
            regs.update(zip(range(start, start + count), words))
        return decode_registers(self.meter_map, regs)


def meter_snapshot(values: Mapping[str, float | None], stamp_s: float | None, ok: bool) -> MeterSnapshot:
    """Pure: the frozen snapshot of one meter (all ``None`` but the stamp when not ``ok``)."""
    if not ok:
        return MeterSnapshot(stamp_s=stamp_s)
    return MeterSnapshot(stamp_s, *(values.get(k) for k in SNAPSHOT_FIELDS))


class BusMeterSource:
    """:class:`thermiq.adapters.protocols.MeterSource` over the meters of one :class:`BusMaster`."""

    def __init__(self, bus: BusMaster, meter_names: Sequence[str]) -> None:
        self._bus = bus
        self._names = tuple(meter_names)

    def snapshots(self) -> Mapping[str, MeterSnapshot]:
        """Latest snapshot per meter name; invalid meters have ``None`` values. Never blocks."""
        out = {}
        for name in self._names:
            r = self._bus.reading(name)
            out[name] = meter_snapshot(r.values, r.stamp_s, r.ok)
        return MappingProxyType(out)
