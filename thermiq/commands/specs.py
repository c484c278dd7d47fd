"""The writable setpoints of a site: name, type, limits and local default, from the site config.

The limits are the ones issue #5 fixes: tank setpoints 20 °C .. the tank's ``max_c``, room
5..28 °C (the schema's bounds of ``heating.room_setpoint_c``), priority SoC 0..100 %, miner power
limit 0 (= off) or ``power_min_w .. power_max_w`` of that miner. The default of each is the value
in the site configuration; a remote value falls back to it when its lease ends.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from thermiq.config.schema import ThermiqConfig

Kind = Literal["float", "bool", "enum"]
TANK_MIN_C = 20.0  # lowest tank setpoint accepted remotely (issue #5; schema TankInstance.setpoint_c ge=20)


@dataclass(frozen=True, slots=True)
class SetpointSpec:
    """One writable setpoint.

    name : str            topic name under ``setpoints/``
    kind : "float" | "bool" | "enum"
    default : float | bool | str   local value from the site config
    unit : str | None     e.g. "°C", "W", "%"
    lo, hi : float | None inclusive limits of a float setpoint
    choices : tuple[str, ...]      allowed values of an enum setpoint
    zero_allowed : bool   0 is accepted besides ``lo..hi`` (miner power limit: 0 = miner off)
    description : str
    """

    name: str
    kind: Kind
    default: float | bool | str
    unit: str | None = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    zero_allowed: bool = False
    description: str = ""

    def check(self, value: object) -> str | None:
        """Return why ``value`` is not acceptable for this setpoint, or ``None`` if it is."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"{self.name} needs true or false, got {_show(value)}"
        if self.kind == "enum":
            if isinstance(value, str) and value in self.choices:
                return None
            return f"{self.name} must be one of {list(self.choices)}, got {_show(value)}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{self.name} needs a number, got {_show(value)}"
        if not math.isfinite(value):
            return f"{self.name} must be finite, got {value!r}"
        if self.zero_allowed and value == 0:
            return None
        if not (self.lo <= value <= self.hi):
            extra = " or 0" if self.zero_allowed else ""
            return f"{self.name} = {value} outside {self.lo}..{self.hi}{extra} {self.unit or ''}".rstrip()
        return None

    def normalise(self, value: object) -> float | bool | str:
        """The value as stored (numbers as float)."""
        return float(value) if self.kind == "float" else value  # type: ignore[arg-type]


def _show(value: object) -> str:
    """A received value as JSON text for a refusal reason (``null``, ``true``, ``"55"``), at most 60 chars."""
    try:
        text = json.dumps(value, ensure_ascii=True, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def setpoint_specs(cfg: ThermiqConfig) -> Mapping[str, SetpointSpec]:
    """Build the writable setpoints of a site, keyed by name (order = documentation order)."""
    specs = [
        SetpointSpec(
            "dhw_setpoint_c",
            "float",
            cfg.dhw.setpoint_c,
            "°C",
            TANK_MIN_C,
            cfg.dhw.max_c,
            description="hot-water tank target",
        ),
        SetpointSpec(
            "buffer_setpoint_c",
            "float",
            cfg.buffer.setpoint_c,
            "°C",
            TANK_MIN_C,
            cfg.buffer.max_c,
            description="buffer tank target",
        ),
        SetpointSpec(
            "room_setpoint_c",
            "float",
            cfg.heating.room_setpoint_c,
            "°C",
            5.0,
            28.0,
            description="reference room target (heating curve shift)",
        ),
        SetpointSpec(
            "priority_soc_pct",
            "float",
            cfg.energy.priority_soc_pct,
            "%",
            0.0,
            100.0,
            description="battery SoC above which PV surplus may go to the miners",
        ),
        SetpointSpec(
            "grid_heating_allowed",
            "bool",
            cfg.energy.grid_heating_allowed,
            description="miners may run on grid power when heat is needed",
        ),
        SetpointSpec(
            "mode",
            "enum",
            cfg.mode,
            choices=("off", "manual", "pv_only", "heat_priority", "auto"),
            description="operating mode (the HS01 key switch forces manual)",
        ),
        # dispatch inputs from outside (issue #10): dynamic price, hashprice, tomorrow's PV forecast
        SetpointSpec(
            "grid_price_eur_kwh",
            "float",
            cfg.dispatch.tariff.grid_price_eur_kwh,
            "EUR/kWh",
            -1.0,
            5.0,
            description="grid price now (used by the dynamic tariff)",
        ),
        SetpointSpec(
            "hashprice_usd_th_day",
            "float",
            cfg.dispatch.mining.hashprice_usd_th_day,
            "USD/TH/day",
            0.0,
            10.0,
            description="hashprice for the mining revenue",
        ),
        SetpointSpec(
            "pv_forecast_tomorrow_kwh",
            "float",
            0.0,
            "kWh",
            0.0,
            1000.0,
            description="PV energy forecast for tomorrow; 0 = none (battery threshold stays)",
        ),
    ]
    for m in cfg.miners:
        specs.append(
            SetpointSpec(
                f"miner_{m.name}_power_limit_w",
                "float",
                m.power_max_w,
                "W",
                m.power_min_w,
                m.power_max_w,
                zero_allowed=True,
                description=f"upper power limit of miner {m.name}; 0 = miner off",
            )
        )
    return {s.name: s for s in specs}
