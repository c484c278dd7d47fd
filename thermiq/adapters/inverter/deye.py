"""Deye hybrid inverter as a device on the shared RS485 line, read through ``sunsynk`` 0.8.4.

``sunsynk.pysunsynk.PySunsynk`` does the register grouping and decoding with its
definitions (``single-phase``, ``single-phase-16kw``, ``three-phase``, ``three-phase-hv``;
docs/HARDWARE.md § RS485). It normally opens its own port; here the bus master
hands it the line's one client before every read, so the inverter and the meters share one
master. Signs are normalised in :mod:`thermiq.adapters.inverter.signs` only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sunsynk.definitions import import_defs
from sunsynk.pysunsynk import PySunsynk

from thermiq.adapters.fieldbus import BusMaster
from thermiq.adapters.inverter.signs import SignConvention, normalise
from thermiq.cycle.image import InverterSnapshot
from thermiq.signals import HV_ALIASES, INVERTER_SIGNALS

DEFINITIONS = ("single-phase", "single-phase-16kw", "three-phase", "three-phase-hv")

#: sunsynk sensor ids ThermIQ reads: the signal contract's (thermiq.signals) plus the CT grid power
#: and the PV strings the PV power is summed from (those a definition lacks are skipped)
SENSOR_IDS = tuple(s.sensor for s in INVERTER_SIGNALS if s.sensor != "pv_power") + (
    "grid_ct_power",
    "pv1_power",
    "pv2_power",
    "pv3_power",
    "pv4_power",
)
#: the HV three-phase definitions name the (first) battery ``battery_1_*``; a second HV
#: battery (``battery_2_*``) is not read
ALIASES = HV_ALIASES


class DeyeInverter:
    """The inverter at ``unit_id`` with sunsynk definitions ``kind`` (a :class:`BusDevice`).

    Raises
    ------
    ValueError
        If ``kind`` is not one of :data:`DEFINITIONS` or ``unit_id`` is not 1..247.
    """

    def __init__(
        self, name: str = "inverter", kind: str = "single-phase", unit_id: int = 1, timeout_s: float = 1.0
    ) -> None:
        if kind not in DEFINITIONS:
            raise ValueError(f"inverter kind {kind!r} not in {DEFINITIONS}")
        if not 1 <= unit_id <= 247:
            raise ValueError(f"inverter unit_id {unit_id} must be 1..247")
        self.name = name
        defs = import_defs(kind).all
        ids = {s: (s if s in defs else ALIASES.get(s)) for s in SENSOR_IDS}
        self._ids = {defs[sid].id: name for name, sid in ids.items() if sid in defs}  # sunsynk id -> ours
        self.sensors = tuple(defs[sid] for sid in ids.values() if sid in defs)
        self._ss = PySunsynk(port="shared-line", server_id=unit_id, timeout=max(1, math.ceil(timeout_s)))
        self._ss.state.track(*self.sensors)

    async def read(self, client: Any) -> Mapping[str, float | None]:
        """Read the tracked sensors through sunsynk over ``client``; raises ``OSError`` on failure."""
        self._ss.client = client
        await self._ss.read_sensors(self.sensors)  # raises OSError if any group failed
        out: dict[str, float | None] = {}
        for s in self.sensors:
            v = self._ss.state[s]
            out[self._ids[s.id]] = float(v) if isinstance(v, (int, float)) else None
        return out


class BusInverterSource:
    """:class:`thermiq.adapters.protocols.InverterSource` over one :class:`BusMaster` device."""

    def __init__(self, bus: BusMaster, device_name: str, convention: SignConvention = SignConvention()) -> None:
        self._bus = bus
        self._name = device_name
        self._conv = convention

    def snapshot(self) -> InverterSnapshot:
        """Latest snapshot, signs normalised; all values ``None`` while invalid. Never blocks."""
        r = self._bus.reading(self._name)
        if not r.ok:
            return InverterSnapshot(stamp_s=r.stamp_s)
        return normalise(r.values, self._conv, r.stamp_s)
