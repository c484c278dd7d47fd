"""Dispatch configuration: tariff, mining revenue, merit order, climate zones, hot water, forecast.

The ``[dispatch]`` section of the site file. Prices are in EUR per kWh of electricity; the
defaults are German household figures (2025/2026) with their public sources:

* grid price 0.36 EUR/kWh: BDEW Strompreisanalyse (household, fixed tariff, 35-40 ct/kWh);
* feed-in 0.076 EUR/kWh: EEG 2023 §49 surplus feed-in, size-weighted for 15 kWp
  ((10 x 8.0 + 5 x 6.9) / 15 ct/kWh, Bundesnetzagentur rates); since 25 Feb 2025
  (Solarspitzengesetz) export earns nothing in hours with a negative day-ahead price;
* hashprice 0.038 USD/TH/day: Luxor Hashprice Index, late 2025; S19J efficiency 32.5 J/TH
  (about 100 TH/s at 3250 W); revenue per kWh = hashprice / (efficiency x 0.024)
  (d-central.tech/hashprice);
* heat-pump COP: bilinear fit COP = c0 + c1 T_out + c2 T_flow + c3 T_out T_flow to the Heat Pump
  Keymark EN 14825 part-load points of the Buderus Logatherm WLW186i-7 AR (hplib data, CC BY 4.0).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator, model_validator

from thermiq.config.base import Section as _Section

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


@lru_cache(maxsize=512)
def minutes_of_day(hhmm: str) -> int:
    """'HH:MM' -> minutes after midnight (validated by the schema's pattern)."""
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


class PriceSlot(_Section):
    """One time-of-use slot [start, end) in local time; ``end`` before ``start`` crosses midnight."""

    start: str = Field(pattern=_HHMM, description="slot start, local time HH:MM")
    end: str = Field(pattern=_HHMM, description="slot end (exclusive), local time HH:MM")
    price_eur_kwh: float = Field(ge=-1.0, le=5.0, description="grid price in this slot [EUR/kWh]")


class TariffConfig(_Section):
    """Electricity prices. ``dynamic`` takes the price from the MQTT setpoint ``grid_price_eur_kwh``."""

    kind: Literal["fixed", "time_of_use", "dynamic"] = Field("fixed", description="fixed | time_of_use | dynamic")
    grid_price_eur_kwh: float = Field(
        0.36, ge=-1.0, le=5.0, description="fixed price, and the default of the dynamic price"
    )
    heat_pump_price_eur_kwh: float | None = Field(
        None, ge=-1.0, le=5.0, description="separate heat-pump tariff (§14a EnWG); None = grid price"
    )
    time_of_use: tuple[PriceSlot, ...] = Field(
        (), max_length=48, description="slots of the time_of_use tariff; uncovered times use grid_price_eur_kwh"
    )
    feed_in_eur_kwh: float = Field(0.076, ge=0.0, le=1.0, description="feed-in tariff of an exported kWh")
    no_feed_in_at_or_below_eur_kwh: float = Field(
        0.0,
        ge=-1.0,
        le=1.0,
        description="export earns nothing while the grid price is at or below this (negative-price hours)",
    )
    utc_offset_h: float = Field(1.0, ge=-12, le=14, description="local time = UTC + this (schedules and tariff slots)")

    @model_validator(mode="after")
    def _slots(self):
        if self.kind == "time_of_use" and not self.time_of_use:
            raise ValueError("tariff kind time_of_use needs at least one [[dispatch.tariff.time_of_use]] slot")
        return self


class MiningConfig(_Section):
    """Mining revenue per kWh = hashprice x fx x (1 - pool fee) / (efficiency x 0.024)."""

    hashprice_usd_th_day: float = Field(
        0.038, ge=0.0, le=10.0, description="default hashprice; MQTT setpoint hashprice_usd_th_day overrides"
    )
    efficiency_j_th: float = Field(32.5, gt=1.0, le=500.0, description="miner efficiency [J/TH]")
    usd_to_eur: float = Field(0.92, gt=0.0, le=10.0, description="exchange rate")
    pool_fee_frac: float = Field(0.02, ge=0.0, le=0.5, description="pool fee share")


class HeatPumpCostConfig(_Section):
    """COP model of the heat pump for the merit order (not for control of the heat pump itself)."""

    cop_coef: tuple[float, float, float, float] = Field(
        (6.676302, 0.352393, -0.083593, -0.00598247),
        description="c0..c3 of COP = c0 + c1 T_out + c2 T_flow + c3 T_out T_flow (Keymark WLW186i-7 AR fit)",
    )
    cop_min: float = Field(1.0, gt=0.0, description="COP floor")
    cop_max: float = Field(8.0, gt=0.0, description="COP ceiling")
    electric_power_w: float = Field(
        2000.0, gt=0.0, description="typical electric draw while running (PV it can take) [W]"
    )


class TempSlot(_Section):
    """A room-target slot [start, end) local time; ``end`` before ``start`` crosses midnight."""

    start: str = Field(pattern=_HHMM)
    end: str = Field(pattern=_HHMM)
    target_c: float = Field(ge=5.0, le=28.0)


class ZoneConfig(_Section):
    """A climate zone: a heating circuit with a scheduled room target and a hysteresis band."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    circuit: str = Field(description="heating circuit name the zone drives")
    default_target_c: float = Field(21.0, ge=5.0, le=28.0, description="target outside every slot")
    hysteresis_k: float = Field(
        0.5, ge=0.1, le=3.0, description="demand on below target - band/2, off above target + band/2"
    )
    min_dwell_s: float = Field(600.0, ge=0.0, description="shortest time between two demand changes (anti-flap)")
    schedule: tuple[TempSlot, ...] = Field((), max_length=24, description="first matching slot wins")


class DhwConfig(_Section):
    """Hot water: the target is the dhw tank's setpoint; weekly anti-legionella cycle."""

    legionella_c: float = Field(
        60.0, ge=60.0, le=80.0, description="anti-legionella temperature (>= 60 °C, DVGW W 551)"
    )
    legionella_weekday: int = Field(6, ge=0, le=6, description="day of the cycle, 0 = Monday")
    legionella_start: str = Field("13:00", pattern=_HHMM, description="earliest local start (midday: PV)")
    legionella_hold_s: float = Field(
        0.0,
        ge=0.0,
        description="time the DHW sensor must stay >= legionella_c (0: reaching it completes the cycle; a heat pump that stops at 60 °C cannot hold more)",
    )
    legionella_max_s: float = Field(6 * 3600.0, gt=0.0, description="the cycle gives up after this (reported)")


class ForecastConfig(_Section):
    """Forecast-aware battery threshold: a sunny tomorrow lets the miners use the battery down to a lower SoC."""

    min_soc_pct: float = Field(
        50.0, ge=0.0, le=100.0, description="lowest threshold, used when tomorrow refills the battery"
    )
    refill_factor: float = Field(
        3.0, ge=1.0, le=20.0, description="tomorrow's PV must be this many times the battery room to count as a refill"
    )
    battery_capacity_kwh: float = Field(10.0, gt=0.0, description="usable battery capacity [kWh]")
    after_local_hour: float = Field(
        14.0, ge=0.0, le=24.0, description="the lower threshold applies only after this local hour"
    )


class DeratingConfig(_Section):
    """Stay inside the interlocks: every controlled temperature keeps ``margin_k`` below its trip."""

    margin_k: float = Field(
        5.0, ge=1.0, le=20.0, description="controllers keep temperatures this far below each trip limit"
    )
    band_k: float = Field(
        6.0, ge=1.0, le=20.0, description="miner power falls from max to min over this band below (trip - margin)"
    )
    resume_k: float = Field(3.0, ge=0.5, le=20.0, description="a miner paused at the limit resumes this far below it")
    sink_rise_k: float = Field(
        3.0,
        ge=0.0,
        le=20.0,
        description="expected loop supply above the sink tank's coldest sensor at low power (estimate while the loop stands still)",
    )


class DispatchConfig(_Section):
    """How the controllers spend PV and buy heat (``[dispatch]``).

    Checked at load (``thermiq check-config`` too): every tank's ``setpoint_c`` and ``max_c`` lie at
    least ``derating.margin_k`` below each trip limit its temperature feeds (its own trip, the
    no-sink trip, the heating-flow trip of a circuit drawn from it, the miner-loop supply trip of a
    tank the miners heat); ``dhw.legionella_c`` <= the hot-water tank's ``max_c``; zones name
    declared circuits.
    """

    strategy: Literal["merit_order", "naive"] = Field(
        "merit_order",
        description="merit_order, or naive: miners on above a fixed export, heat pump alone on its thermostat (the baseline of the report)",
    )
    objective: Literal["net_cost", "self_consumption"] = Field(
        "net_cost",
        description="net_cost: export when it earns more than mining; self_consumption: a sink with room beats export",
    )
    naive_export_w: float = Field(2000.0, ge=0.0, description="naive strategy: export above which a miner starts")
    pause_delay_s: float = Field(
        20.0, ge=0.0, le=300.0, description="a miner importing this long pauses, whatever its minimum on time"
    )
    contactor_hold_s: float = Field(
        900.0,
        ge=0.0,
        description="a paused miner keeps its contactor closed this long (protects the contactor; a cloud passes)",
    )
    boost_surplus_w: float = Field(
        1500.0, ge=0.0, description="SG-Ready boost when PV surplus the miners cannot take exceeds this [W]"
    )
    tariff: TariffConfig = TariffConfig()
    mining: MiningConfig = MiningConfig()
    heat_pump: HeatPumpCostConfig = HeatPumpCostConfig()
    zones: tuple[ZoneConfig, ...] = Field((), max_length=8)
    dhw: DhwConfig = DhwConfig()
    forecast: ForecastConfig = ForecastConfig()
    derating: DeratingConfig = DeratingConfig()

    @field_validator("zones")
    @classmethod
    def _unique(cls, zones):
        names = [z.name for z in zones]
        if len(set(names)) != len(names):
            raise ValueError(f"zone names must be unique, got {names}")
        return zones


def trip_margin_errors(cfg) -> list[str]:
    """Tank targets/maxima that sit above a trip limit minus ``dispatch.derating.margin_k``.

    A tank's top feeds its own trip; the buffer feeds every heating circuit drawn from it (no
    mixing valve: flow = buffer top) and the no-sink trip; a tank the miner loop heats can never
    be hotter than the loop supply, so the loop supply and outlet trips bound it too.
    Returns one line per violation (empty = fine).
    """
    lim, margin = cfg.limits, cfg.dispatch.derating.margin_k
    miner_tanks = {cfg.miner_loop.default_tank}
    if cfg.miner_loop.valve:
        v = cfg.valve(cfg.miner_loop.valve)
        miner_tanks |= {v.port_a, v.port_b}
    errors = []
    for t in cfg.tanks:
        bounds = {}
        if t.role == "buffer":
            bounds["buffer_top_trip_c"] = lim.buffer_top_trip_c
            bounds["no_sink_buffer_top_c"] = lim.no_sink_buffer_top_c
        else:
            bounds["dhw_trip_c"] = lim.dhw_trip_c
            bounds["no_sink_dhw_c"] = lim.no_sink_dhw_c
        if any(c.source_tank == t.name for c in cfg.heating_circuits):
            bounds["heating_flow_trip_c"] = lim.heating_flow_trip_c
        if t.name in miner_tanks:
            bounds["miner_loop_supply_trip_c"] = lim.miner_loop_supply_trip_c
        for what, value in (("max_c", t.max_c), ("setpoint_c", t.setpoint_c)):
            for trip, limit in bounds.items():
                if value > limit - margin:
                    errors.append(
                        f"tank {t.name}: {what} {value:g} °C is above limits.{trip} {limit:g} °C "
                        f"minus dispatch.derating.margin_k {margin:g} K"
                    )
    if cfg.dispatch.dhw.legionella_c > cfg.dhw.max_c:
        errors.append(
            f"dispatch.dhw.legionella_c {cfg.dispatch.dhw.legionella_c:g} °C is above tank "
            f"{cfg.dhw.name} max_c {cfg.dhw.max_c:g} °C"
        )
    circuits = {c.name for c in cfg.heating_circuits}
    for z in cfg.dispatch.zones:
        if z.circuit not in circuits:
            errors.append(f"zone {z.name}: circuit {z.circuit!r} is not declared (have {sorted(circuits)})")
    return errors
