"""What a kWh of heat costs from each source now (the merit order), in EUR per kWh of heat.

Pure. Formulas (sources in ``thermiq.config.dispatch``):

* heat pump on grid power:   price_hp / COP(T_out, T_flow)
* heat pump on PV surplus:   feed_in / COP                (the feed-in given up)
* miners on grid power:      price - revenue              (COP 1, mining earns revenue)
* miners on PV surplus:      feed_in - revenue
* mining revenue per kWh:    hashprice x fx x (1 - fee) / (efficiency [J/TH] x 0.024)
  (0.024 = 86 400 s/day / 3.6e6 J/kWh; d-central.tech/hashprice)
"""

from __future__ import annotations

from dataclasses import dataclass

from thermiq.config.schema import HeatPumpCostConfig, MiningConfig


def cop(cfg: HeatPumpCostConfig, outdoor_temp_c: float, flow_temp_c: float) -> float:
    """Heat-pump COP at the outdoor and flow temperature [-], clamped to [cop_min, cop_max]."""
    c0, c1, c2, c3 = cfg.cop_coef
    value = c0 + c1 * outdoor_temp_c + c2 * flow_temp_c + c3 * outdoor_temp_c * flow_temp_c
    return min(cfg.cop_max, max(cfg.cop_min, value))


def mining_revenue_eur_kwh(cfg: MiningConfig, hashprice_usd_th_day: float) -> float:
    """Mining revenue per kWh of miner electricity [EUR/kWh].

    >>> from thermiq.config.schema import MiningConfig
    >>> round(mining_revenue_eur_kwh(MiningConfig(usd_to_eur=1.0, pool_fee_frac=0.0), 0.038), 4)
    0.0487
    """
    return hashprice_usd_th_day * cfg.usd_to_eur * (1.0 - cfg.pool_fee_frac) / (cfg.efficiency_j_th * 0.024)


@dataclass(frozen=True, slots=True)
class HeatCosts:
    """Cost of a kWh of heat now [EUR/kWh_heat] per source, and the inputs behind it."""

    grid_price: float
    feed_in: float
    revenue: float
    cop: float
    hp_grid: float
    hp_pv: float
    miner_grid: float
    miner_pv: float

    @property
    def mining_beats_export(self) -> bool:
        """A kWh of PV earns more mined than exported (the heat is then free)."""
        return self.revenue > self.feed_in

    @property
    def miners_beat_heat_pump_on_grid(self) -> bool:
        """Grid-powered mining heat is cheaper than grid-powered heat-pump heat (very low/negative price)."""
        return self.miner_grid < self.hp_grid


def heat_costs(
    hp_cfg: HeatPumpCostConfig,
    mining_cfg: MiningConfig,
    grid_price: float,
    hp_price: float,
    feed_in: float,
    hashprice_usd_th_day: float,
    outdoor_temp_c: float | None,
    flow_temp_c: float | None,
) -> HeatCosts:
    """The merit order of this instant. Unknown temperatures take a conservative COP (cop_min)."""
    c = hp_cfg.cop_min if outdoor_temp_c is None or flow_temp_c is None else cop(hp_cfg, outdoor_temp_c, flow_temp_c)
    rev = mining_revenue_eur_kwh(mining_cfg, hashprice_usd_th_day)
    return HeatCosts(grid_price, feed_in, rev, c, hp_price / c, feed_in / c, grid_price - rev, feed_in - rev)
