"""Outside inputs of the controller in simulation: tomorrow's PV forecast and price series.

In the cabinet these arrive as MQTT setpoints (``pv_forecast_tomorrow_kwh``,
``grid_price_eur_kwh``, ``hashprice_usd_th_day``); in the simulator a function of UTC time
returns them and the harness puts them in force as the runner's local defaults each scan.

The forecast is tomorrow's PV energy from the weather file itself, times ``(1 + error)``, with
the error drawn once per day from a normal distribution (``sigma``, seeded) plus a ``bias``:
``sigma = 0`` and ``bias = 0`` is a perfect forecast; ``bias = +1`` doubles it (a sunny forecast
for a cloudy day).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from hardware_sim.plant.boundary import BoundarySeries

DAY_S = 86400.0


def tomorrow_pv_kwh(boundary: BoundarySeries, t_utc_s: float, utc_offset_h: float) -> float:
    """PV energy of the local day after ``t_utc_s`` from the weather file [kWh] (hourly sum)."""
    offset = utc_offset_h * 3600.0
    start = ((t_utc_s + offset) // DAY_S + 1) * DAY_S - offset
    total = 0.0
    for h in range(24):
        t = start + h * 3600.0 + 1800.0
        if boundary.start_s <= t <= boundary.end_s:
            total += boundary.at(t).pv_power_w
    return total / 1000.0


def forecast_inputs(
    boundary: BoundarySeries, utc_offset_h: float, sigma: float = 0.2, bias: float = 0.0, seed: int = 1
) -> Callable[[float], Mapping[str, object]]:
    """``t_utc_s -> {"pv_forecast_tomorrow_kwh": kWh}``; the error is drawn once per local day."""
    rng = random.Random(seed)
    cache: dict[int, float] = {}

    def inputs(t_utc_s: float) -> Mapping[str, object]:
        day = int((t_utc_s + utc_offset_h * 3600.0) // DAY_S)
        if day not in cache:
            err = rng.gauss(0.0, sigma) if sigma > 0 else 0.0
            cache[day] = max(0.0, tomorrow_pv_kwh(boundary, t_utc_s, utc_offset_h) * (1.0 + bias + err))
        return {"pv_forecast_tomorrow_kwh": cache[day]}

    return inputs


def combine(*sources: Callable[[float], Mapping[str, object]] | None) -> Callable[[float], Mapping[str, object]]:
    """One input function from several (later ones win on equal names)."""
    live = [s for s in sources if s is not None]

    def inputs(t_utc_s: float) -> Mapping[str, object]:
        out: dict[str, object] = {}
        for s in live:
            out.update(s(t_utc_s))
        return out

    return inputs
