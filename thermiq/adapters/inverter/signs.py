"""The one place where inverter sign conventions are normalised (grid import +, discharge +).

Deye registers already count grid power positive on import (reg 169 / 625) and battery
power positive on discharge (reg 190 / 590); evcc uses them the same way
(docs/HARDWARE.md § RS485). A site whose CT is mounted the wrong way round, or
whose firmware counts the battery the other way, sets the matching ``invert_*`` flag in its
configuration instead of patching code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from thermiq.cycle.image import InverterSnapshot
from thermiq.signals import INVERTER_EXTRA


@dataclass(frozen=True, slots=True)
class SignConvention:
    """Per-site sign corrections and the grid-power source.

    grid_source : ``"inverter"`` (inverter-side grid power, reg 169/625) or ``"ct"``
        (external CT, reg 172/619).
    invert_grid, invert_battery, invert_load : multiply that raw power by -1.
    """

    grid_source: Literal["inverter", "ct"] = "inverter"
    invert_grid: bool = False
    invert_battery: bool = False
    invert_load: bool = False


def _signed(value: float | None, invert: bool) -> float | None:
    if value is None:
        return None
    return -float(value) if invert else float(value)


def normalise(raw: Mapping[str, float | None], conv: SignConvention, stamp_s: float | None) -> InverterSnapshot:
    """Pure: sunsynk sensor values (by sunsynk id) → :class:`InverterSnapshot` in ThermIQ signs.

    Parameters
    ----------
    raw : values by sunsynk sensor id (``grid_power``, ``grid_ct_power``, ``load_power``,
        ``battery_power``, ``battery_soc``, ``pv1_power`` … ``pv4_power``, ``pv_power``,
        optional extras); missing or ``None`` stays ``None``.
    conv : :class:`SignConvention` of the site.
    stamp_s : monotonic time of the read [s].

    Returns
    -------
    InverterSnapshot
        grid_power_w (+ import), battery_power_w (+ discharge), load_power_w, pv_power_w
        (sum of the PV strings, or ``pv_power`` when the definitions sum it), battery_soc_pct;
        ``extra`` holds the extended signals of :data:`thermiq.signals.INVERTER_EXTRA` (by
        ThermIQ name) that were read.

    Examples
    --------
    >>> normalise({"grid_ct_power": 500.0}, SignConvention("ct", invert_grid=True), 1.0).grid_power_w
    -500.0
    """
    grid_key = "grid_power" if conv.grid_source == "inverter" else "grid_ct_power"
    strings = [raw.get(f"pv{i}_power") for i in range(1, 5) if f"pv{i}_power" in raw]
    if raw.get("pv_power") is not None:
        pv_w: float | None = float(raw["pv_power"])
    elif strings and all(v is not None for v in strings):
        pv_w = float(sum(strings))
    else:
        pv_w = None
    extras = {s.name: raw.get(s.sensor) for s in INVERTER_EXTRA}
    soc = raw.get("battery_soc")
    return InverterSnapshot(
        stamp_s=stamp_s,
        pv_power_w=pv_w,
        battery_soc_pct=None if soc is None else float(soc),
        battery_power_w=_signed(raw.get("battery_power"), conv.invert_battery),
        grid_power_w=_signed(raw.get(grid_key), conv.invert_grid),
        load_power_w=_signed(raw.get("load_power"), conv.invert_load),
        extra={k: (None if v is None else float(v)) for k, v in extras.items() if k in extras and v is not None},
    )
