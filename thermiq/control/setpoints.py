"""The operator setpoints in force: local defaults from the site config, overridden by remote writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from thermiq.config.schema import ThermiqConfig


@dataclass(frozen=True, slots=True)
class Setpoints:
    """Values the controllers work to. Temperatures [°C], SoC [%], power limits [W] (0 = miner off)."""

    dhw_setpoint_c: float
    buffer_setpoint_c: float
    room_setpoint_c: float
    priority_soc_pct: float
    grid_heating_allowed: bool
    mode: str
    miner_power_limit_w: Mapping[str, float]
    grid_price_eur_kwh: float = 0.36  #: dynamic tariff input (MQTT), EUR/kWh
    hashprice_usd_th_day: float = 0.038  #: mining revenue input (MQTT)
    pv_forecast_tomorrow_kwh: float = 0.0  #: tomorrow's PV energy (MQTT); 0 = none/unknown

    def with_values(self, values: Mapping[str, object]) -> Setpoints:
        """A copy with the given names replaced (``miner_<m>_power_limit_w`` for miners)."""
        limits = dict(self.miner_power_limit_w)
        plain = {}
        for name, value in values.items():
            if name.startswith("miner_") and name.endswith("_power_limit_w"):
                limits[name[len("miner_") : -len("_power_limit_w")]] = float(value)
            else:
                plain[name] = value
        return replace(self, miner_power_limit_w=MappingProxyType(limits), **plain)

    def as_dict(self) -> dict[str, object]:
        """Flat name -> value, the names of the writable MQTT setpoints."""
        out: dict[str, object] = {
            "dhw_setpoint_c": self.dhw_setpoint_c,
            "buffer_setpoint_c": self.buffer_setpoint_c,
            "room_setpoint_c": self.room_setpoint_c,
            "priority_soc_pct": self.priority_soc_pct,
            "grid_heating_allowed": self.grid_heating_allowed,
            "mode": self.mode,
            "grid_price_eur_kwh": self.grid_price_eur_kwh,
            "hashprice_usd_th_day": self.hashprice_usd_th_day,
            "pv_forecast_tomorrow_kwh": self.pv_forecast_tomorrow_kwh,
        }
        out.update({f"miner_{m}_power_limit_w": w for m, w in self.miner_power_limit_w.items()})
        return out


def default_setpoints(cfg: ThermiqConfig) -> Setpoints:
    """The local defaults of the site configuration (used when no remote lease is in force)."""
    return Setpoints(
        dhw_setpoint_c=cfg.dhw.setpoint_c,
        buffer_setpoint_c=cfg.buffer.setpoint_c,
        room_setpoint_c=cfg.heating.room_setpoint_c,
        priority_soc_pct=cfg.energy.priority_soc_pct,
        grid_heating_allowed=cfg.energy.grid_heating_allowed,
        mode=cfg.mode,
        miner_power_limit_w=MappingProxyType({m.name: m.power_max_w for m in cfg.miners}),
        grid_price_eur_kwh=cfg.dispatch.tariff.grid_price_eur_kwh,
        hashprice_usd_th_day=cfg.dispatch.mining.hashprice_usd_th_day,
    )
