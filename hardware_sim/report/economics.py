"""Prices that turn a run's energy into money: grid price, feed-in tariff, mining revenue.

The site configuration is the one source: its ``[dispatch.tariff]`` and ``[dispatch.mining]``
sections when the site has them. A configuration without them is priced with the defaults below
(German household figures, 2025/2026, with their public sources):

* grid price 0.36 EUR/kWh: BDEW Strompreisanalyse, household fixed tariff 35-40 ct/kWh;
* feed-in 0.076 EUR/kWh: EEG 2023 §49 surplus feed-in, size-weighted for 15 kWp,
  (10 x 8.0 + 5 x 6.9) / 15 ct/kWh (Bundesnetzagentur rates);
* mining revenue = hashprice x fx x (1 - pool fee) / (efficiency [J/TH] x 0.024) per kWh
  (0.024 = 86 400 s/day / 3.6e6 J/kWh; d-central.tech/hashprice) with hashprice
  0.038 USD/TH/day (Luxor Hashprice Index, late 2025), S19J 32.5 J/TH, 0.92 EUR/USD, 2 % fee.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Prices:
    """Flat prices of a study [EUR per kWh of electricity] and where they come from."""

    grid_eur_kwh: float = 0.36
    feed_in_eur_kwh: float = 0.076
    mining_eur_kwh: float = 0.038 * 0.92 * (1.0 - 0.02) / (32.5 * 0.024)
    source: str = "defaults: BDEW 2025/26 grid price, EEG 2023 §49 feed-in, Luxor hashprice late 2025"

    def as_dict(self) -> dict:
        return asdict(self)


def prices_from_config(cfg) -> Prices:
    """Prices of a site configuration: its ``dispatch`` tariff and mining sections when present
    (fixed grid price; time-of-use and dynamic tariffs are priced at their fixed default), else
    the module defaults."""
    dispatch = getattr(cfg, "dispatch", None)
    if dispatch is None or not hasattr(dispatch, "tariff"):
        return Prices()
    tar, mining = dispatch.tariff, dispatch.mining
    revenue = (
        mining.hashprice_usd_th_day
        * mining.usd_to_eur
        * (1.0 - mining.pool_fee_frac)
        / (mining.efficiency_j_th * 0.024)
    )
    return Prices(
        tar.grid_price_eur_kwh,
        tar.feed_in_eur_kwh,
        revenue,
        f"site configuration [dispatch.tariff] ({tar.kind}) and [dispatch.mining]",
    )
