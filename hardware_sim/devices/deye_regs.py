"""Encode plant values into Deye holding registers the way sunsynk 0.8.4 decodes them.

Keys are ThermIQ names in the Deye's own sign convention (grid import +, battery
discharge +; docs/HARDWARE.md § RS485). The encoding is the inverse of
``sunsynk.sensors.Sensor.reg_to_value``: raw = value / |factor|, signed when factor < 0,
two registers low word first; temperatures carry the +100 offset of ``TempSensor``.
"""

from __future__ import annotations

from collections.abc import Mapping

from sunsynk.definitions import import_defs
from sunsynk.helpers import pack_value
from sunsynk.sensors import MathSensor, Sensor, TempSensor

from thermiq.signals import HV_ALIASES, INVERTER_SIGNALS

#: ThermIQ signal name -> sunsynk sensor id: the signal contract of thermiq.signals
#: (PV power is fed through the strings)
PLANT_TO_SENSOR = {s.name: s.sensor for s in INVERTER_SIGNALS if s.name != "pv_power_w"}
PLANT_NAMES = tuple(PLANT_TO_SENSOR) + ("pv_power_w",)
DEVICE_TYPE = {"single-phase": 3, "single-phase-16kw": 3, "three-phase": 5, "three-phase-hv": 6}


def encode_sensor(sensor: Sensor, value: float) -> dict[int, int]:
    """Registers (address -> word) that make ``sensor`` read ``value``.

    Raises
    ------
    ValueError
        If the sensor kind is not encodable here or the value does not fit.
    """
    if isinstance(sensor, MathSensor):
        raise ValueError(f"{sensor.id}: a MathSensor is set through its parts")
    if isinstance(sensor, TempSensor):
        words: tuple[int, ...] = (int(round((value + sensor.offset) / abs(sensor.factor))) & 0xFFFF,)
    else:
        raw = int(round(value / abs(sensor.factor)))
        signed = sensor.factor < 0
        bits = 16 if len(sensor.address) == 1 else 32
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        if not lo <= raw <= hi:
            raise ValueError(f"{sensor.id}: {value} does not fit {bits}-bit {'signed' if signed else 'unsigned'}")
        words = pack_value(raw, bits, signed)
    return dict(zip(sensor.address, words))


class DeyeRegisters:
    """Register image of a simulated Deye of definitions ``kind``.

    ``invert_ct`` makes the external-CT register count the wrong way (a CT mounted the
    wrong way round), for testing the site sign configuration.
    """

    def __init__(self, kind: str = "single-phase", invert_ct: bool = False) -> None:
        if kind not in DEVICE_TYPE:
            raise ValueError(f"inverter kind {kind!r} not in {sorted(DEVICE_TYPE)}")
        self.kind = kind
        self.invert_ct = invert_ct
        self._defs = import_defs(kind).all
        self.pv_strings = [self._defs[f"pv{i}_power"] for i in range(1, 5) if f"pv{i}_power" in self._defs]
        self.pv_strings = self.pv_strings[:2]  # the sim feeds two strings (MPPT 1 and 2)

    def initial(self) -> dict[int, int]:
        """Device-type register and zeros for every plant quantity."""
        regs = {0: DEVICE_TYPE[self.kind]}
        regs.update(self.encode({n: 0.0 for n in PLANT_NAMES}))
        return regs

    def encode(self, values: Mapping[str, float]) -> dict[int, int]:
        """Registers for the given plant values.

        Raises
        ------
        ValueError
            Naming an unknown key or a value that does not fit; nothing is encoded then.
        """
        unknown = set(values) - set(PLANT_NAMES)
        if unknown:
            raise ValueError(f"unknown inverter quantities {sorted(unknown)}; known: {PLANT_NAMES}")
        regs: dict[int, int] = {}
        for name, value in values.items():
            if name == "pv_power_w":
                share = float(value) / len(self.pv_strings)
                for s in self.pv_strings:
                    regs.update(encode_sensor(s, share))
                continue
            sid = PLANT_TO_SENSOR[name]
            sensor = self._defs.get(sid) or self._defs[HV_ALIASES[sid]]  # HV naming
            regs.update(encode_sensor(sensor, float(value)))
            if name == "grid_power_w":
                ct = -float(value) if self.invert_ct else float(value)
                regs.update(encode_sensor(self._defs["grid_ct_power"], ct))
        return regs
