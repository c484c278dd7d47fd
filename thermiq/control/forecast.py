"""Forecast-aware battery threshold: with a sunny tomorrow the miners may use the battery lower.

Pure. Edge Mining's Home Assistant recipes lower the battery threshold when tomorrow is sunny;
here the rule is explicit: after ``after_local_hour`` (the afternoon, when today's PV is mostly
harvested) the threshold falls from ``priority_soc_pct`` towards ``min_soc_pct`` in proportion
to how many times tomorrow's forecast PV energy covers the battery room that the lower threshold
would open (``refill_factor`` times = fully). No forecast (0 or None) keeps ``priority_soc_pct``.
"""

from __future__ import annotations

from thermiq.config.schema import ForecastConfig


def battery_threshold_pct(
    priority_soc_pct: float, forecast_tomorrow_kwh: float | None, cfg: ForecastConfig, local_hour: float
) -> float:
    """SoC above which PV surplus (and battery power) may go to the miners [%]."""
    if not forecast_tomorrow_kwh or forecast_tomorrow_kwh <= 0.0 or local_hour < cfg.after_local_hour:
        return priority_soc_pct
    low = min(cfg.min_soc_pct, priority_soc_pct)
    room_kwh = (priority_soc_pct - low) / 100.0 * cfg.battery_capacity_kwh
    if room_kwh <= 0.0:
        return priority_soc_pct
    cover = min(1.0, forecast_tomorrow_kwh / (cfg.refill_factor * room_kwh))
    return priority_soc_pct - cover * (priority_soc_pct - low)
