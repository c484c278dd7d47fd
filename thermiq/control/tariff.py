"""Electricity prices in force: fixed, time-of-use table or dynamic (MQTT), and the feed-in.

Pure. Wall time (UTC seconds) is turned into local minutes of the day with the configured
offset; a slot whose end lies before its start crosses midnight.
"""

from __future__ import annotations

from thermiq.config.schema import TariffConfig, minutes_of_day


def local_minute(wall_s: float, utc_offset_h: float) -> float:
    """Minutes after local midnight [0, 1440) of the UTC instant ``wall_s``."""
    return ((wall_s + utc_offset_h * 3600.0) % 86400.0) / 60.0


def local_weekday(wall_s: float, utc_offset_h: float) -> int:
    """Local weekday, 0 = Monday (1970-01-01 was a Thursday)."""
    return int(((wall_s + utc_offset_h * 3600.0) // 86400.0 + 3) % 7)


def in_slot(minute: float, start: str, end: str) -> bool:
    """Is ``minute`` inside [start, end)? ``end <= start`` wraps over midnight; equal = whole day."""
    a, b = minutes_of_day(start), minutes_of_day(end)
    if a < b:
        return a <= minute < b
    return minute >= a or minute < b


def grid_price_eur_kwh(cfg: TariffConfig, dynamic_price_eur_kwh: float | None, wall_s: float) -> float:
    """Grid price of this instant [EUR/kWh].

    fixed: ``grid_price_eur_kwh``; time_of_use: the first slot containing the local time, else
    the fixed price; dynamic: the MQTT value (setpoint ``grid_price_eur_kwh``, which falls back to
    the configured price when its lease ends), or the fixed price when None.
    """
    if cfg.kind == "dynamic" and dynamic_price_eur_kwh is not None:
        return dynamic_price_eur_kwh
    if cfg.kind == "time_of_use":
        minute = local_minute(wall_s, cfg.utc_offset_h)
        for slot in cfg.time_of_use:
            if in_slot(minute, slot.start, slot.end):
                return slot.price_eur_kwh
    return cfg.grid_price_eur_kwh


def feed_in_eur_kwh(cfg: TariffConfig, grid_price: float) -> float:
    """What an exported kWh earns now: the feed-in tariff, or 0 in hours with a price at or below
    ``no_feed_in_at_or_below_eur_kwh`` (EEG 2023 / Solarspitzengesetz: no payment at negative prices)."""
    return 0.0 if grid_price <= cfg.no_feed_in_at_or_below_eur_kwh else cfg.feed_in_eur_kwh
