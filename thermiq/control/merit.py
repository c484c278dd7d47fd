"""Cheapest heat first: what the mode and the merit order allow this scan.

Pure. Inputs are the heat costs of this instant (``thermiq.control.costs``) and what the heat
side knows (season, demand, room in the tanks); the result says whether the miners may take
PV surplus, whether they may run on grid power, and which SG-Ready state the heat pump should
get before the "block while stored heat covers the demand" rule of ``thermiq.control.heat``.

Rules (economics: German tariffs, see ``thermiq.config.dispatch``):

* Heat that will be used (heating season, or hot water with room) is worth what the heat pump
  would charge for it from the grid (price_hp / COP). Miners on PV (feed-in - revenue per kWh)
  are far cheaper, so they take the surplus the heat pump leaves.
* Heat nobody needs is worth nothing: the miners take PV only where mining earns more than the
  feed-in given up (e.g. a negative-price hour, when export earns nothing), or when the
  objective is self-consumption, and always only while a tank has room.
* Grid-powered mining only where it beats the heat pump (price - revenue < price_hp / COP:
  very low or negative prices), in ``auto`` and ``heat_priority``, never in ``pv_only``.
* SG-Ready: *forced* for the anti-legionella cycle and, in auto, in negative-price hours while
  the buffer has room; *boost* while PV the miners cannot take exceeds ``boost_surplus_w``, or
  while the heat pump on PV is cheaper heat than the miners on PV and the surplus covers its
  draw; *normal* otherwise; *block* is applied by the heat side when stored heat covers the
  demand (not in ``heat_priority``, where comfort goes first).
"""

from __future__ import annotations

from dataclasses import dataclass

from thermiq.config.schema import DispatchConfig
from thermiq.control.costs import HeatCosts
from thermiq.control.heat import SgState


@dataclass(frozen=True, slots=True)
class Merit:
    miners_on_pv: bool
    miners_on_grid: bool
    sg_wanted: SgState
    block_allowed: bool


def decide(
    mode: str,
    costs: HeatCosts,
    cfg: DispatchConfig,
    *,
    heating_season: bool,
    dhw_room: bool,
    heat_wanted_now: bool,
    buffer_room: bool,
    sink_ok: bool,
    surplus_w: float | None,
    miners_take_w: float,
    legionella: bool,
    grid_heating_allowed: bool,
) -> Merit:
    """The merit-order decision of this scan (see the module docstring)."""
    if mode == "off":
        return Merit(False, False, SgState.NORMAL, False)
    heat_useful = heating_season or dhw_room
    heat_value = costs.hp_grid if heat_useful else 0.0
    on_pv = sink_ok and (
        cfg.objective == "self_consumption" or costs.miner_pv < heat_value or costs.mining_beats_export
    )
    on_grid = False
    if mode in ("auto", "heat_priority"):
        cheap = costs.miner_grid < 0.0 or (heat_wanted_now and costs.miners_beat_heat_pump_on_grid)
        on_grid = sink_ok and (cheap or (heat_wanted_now and (grid_heating_allowed or mode == "heat_priority")))
    surplus = surplus_w or 0.0
    spare_w = surplus - miners_take_w
    if legionella:
        sg = SgState.FORCED
    elif mode == "auto" and costs.grid_price <= 0.0 and buffer_room and heat_useful:
        sg = SgState.FORCED
    elif heat_useful and (
        spare_w >= cfg.boost_surplus_w
        or (heating_season and costs.hp_pv < costs.miner_pv and surplus >= cfg.heat_pump.electric_power_w)
    ):
        sg = SgState.BOOST
    else:
        sg = SgState.NORMAL
    return Merit(on_pv, on_grid, sg, mode != "heat_priority")
