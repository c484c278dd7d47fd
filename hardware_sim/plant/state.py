"""Plant state, actuator commands and per-step energy flows (frozen dataclasses)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from operator import attrgetter

from hardware_sim.plant.electrical import battery_capacity_j
from hardware_sim.plant.miners import MinerUnitState, board_temps
from hardware_sim.plant.params import PlantParams

# order of the energy counters in PlantState.today_j / total_j
COUNTERS = ("pv", "grid_import", "grid_export", "battery_charge", "battery_discharge", "load")


@dataclass(frozen=True, slots=True)
class Actuators:
    """What the controller drives (the DIO outputs plus the miner commands).

    contactor : contactor coils energised, one entry per plant miner (``()`` = all open)
    miner_run : miner hashing requested (False = paused over gRPC); ``()`` = all paused
    miner_target_w : Braiins power target per miner [W]; ``()`` = all 0
    p3, p4, p5 : pump relays
    rv1_to_dhw, rv2_to_dhw : valve commands (False = spring return to the buffer)
    sg_in1, sg_in4 : heat pump SG-Ready contacts
    miner_power_override_w : optional per-miner electrical power [W] that replaces the plant's
        own boot/ramp model while the contactor is closed (e.g. the measured power of the
        simulated Braiins server in hardware_sim/devices); ``None`` = use the model. An open
        contactor still means 0 W. ``()`` = the model for every miner.

    A non-empty per-miner tuple must have one entry per miner of the plant state
    (``step`` raises ValueError otherwise).
    """

    contactor: tuple[bool, ...] = ()
    miner_run: tuple[bool, ...] = ()
    miner_target_w: tuple[float, ...] = ()
    p3: bool = False
    p4: bool = False
    p5: bool = False
    rv1_to_dhw: bool = False
    rv2_to_dhw: bool = False
    sg_in1: bool = False
    sg_in4: bool = False
    miner_power_override_w: tuple[float | None, ...] = ()


@dataclass(frozen=True, slots=True)
class HeatPumpState:
    """Heating on, seconds in the current on/off state, last SG mode, the damped outdoor
    temperature [°C] the HP controller uses for its heating curve and heating limit, the
    under-temperature integral [K s] and whether the backup heater is on."""

    running: bool
    in_state_s: float
    mode: str
    outdoor_damped_c: float
    underheat_k_s: float = 0.0
    heater_on: bool = False


@dataclass(frozen=True, slots=True)
class PlantState:
    """Complete plant state; never mutated (``step`` returns a new one).

    Temperatures [°C] (tanks top layer first), valve positions 0 = buffer .. 1 = DHW,
    battery energy [J], energy counters [J] (order ``COUNTERS``; "today" restarts at local
    midnight), ``t_utc_s`` [s] advanced by every step.
    """

    t_utc_s: float
    buffer_c: tuple[float, ...]
    dhw_c: tuple[float, ...]
    loop_c: float
    miners: tuple[MinerUnitState, ...]
    rv1_pos: float
    rv2_pos: float
    hp: HeatPumpState
    room_c: float
    outdoor_c: float
    heating_flow_c: float
    heating_return_c: float
    battery_energy_j: float
    stb_loop_ok: bool
    stb_buffer_ok: bool
    p3_on: bool
    p5_on: bool
    local_day: int
    today_j: tuple[float, ...]
    total_j: tuple[float, ...]
    mass_c: float = 20.5
    dark: bool = False

    @property
    def safety_chain_ok(self) -> bool:
        """Hardware safety chain closed (no STB tripped)."""
        return self.stb_loop_ok and self.stb_buffer_ok


@dataclass(frozen=True, slots=True)
class Flows:
    """Mean powers over one step [W] (electrical and thermal).

    Electrical: pv_power_w, load_power_w (household only), grid_import_w, grid_export_w,
    battery_charge_w, battery_discharge_w (AC side), battery_loss_w, miner_power_w (one entry per miner),
    hp_power_w (incl. standby), pump_power_w, consumption_w (household + miners + HP + pumps).
    Thermal: miner_heat_w (= miner electrical power), hp_heat_w, house_heat_w (emitters to
    rooms), house_gain_w (internal + solar), dhw_draw_heat_w (enthalpy of the draw above cold
    water), tank_loss_w (buffer + DHW standing loss), loop_loss_w, house_loss_w (room to
    outdoor), miner_hx_buffer_w / miner_hx_dhw_w, hp_heat_buffer_w / hp_heat_dhw_w,
    backup_heater_w (electric heater, part of hp_power_w and hp_heat_w), dump_w (dry cooler).
    Grid outage: pv_curtailed_w (PV the battery could not take), unserved_w (consumption the
    battery could not cover; the house is dark). pv_power_w is what the arrays could deliver.
    """

    pv_power_w: float
    load_power_w: float
    grid_import_w: float
    grid_export_w: float
    battery_charge_w: float
    battery_discharge_w: float
    battery_loss_w: float
    miner_power_w: tuple[float, ...]
    miner_heat_w: float
    hp_power_w: float
    hp_heat_w: float
    pump_power_w: float
    consumption_w: float
    house_heat_w: float
    house_gain_w: float
    dhw_draw_heat_w: float
    tank_loss_w: float
    loop_loss_w: float
    house_loss_w: float
    miner_hx_buffer_w: float
    miner_hx_dhw_w: float
    hp_heat_buffer_w: float
    hp_heat_dhw_w: float
    backup_heater_w: float = 0.0
    pv_curtailed_w: float = 0.0
    unserved_w: float = 0.0
    dump_w: float = 0.0


FLOW_FIELDS = tuple(f.name for f in fields(Flows))


def flows_columns(flows: Flows) -> dict[str, float]:
    """Flatten Flows for a report row: ``miner_power_w`` summed, plus ``miner<i>_power_w`` (i from 1)."""
    row = {name: getattr(flows, name) for name in FLOW_FIELDS}
    per_miner = row.pop("miner_power_w")
    row["miner_power_w"] = sum(per_miner)
    for i, w in enumerate(per_miner, start=1):
        row[f"miner{i}_power_w"] = w
    return row


class FlowSums:
    """Running sums of :func:`flows_columns` over the steps of one sample, without a dict per step.

    Same columns in the same order, and the same float additions (each sum starts at 0.0), so
    :meth:`means` equals averaging ``flows_columns`` rows by name.
    """

    _SCALARS = tuple(name for name in FLOW_FIELDS if name != "miner_power_w")

    def __init__(self, n_miners: int):
        self.names = (*self._SCALARS, "miner_power_w", *(f"miner{i}_power_w" for i in range(1, n_miners + 1)))
        self._scalars = attrgetter(*self._SCALARS)
        self._sums = [0.0] * len(self.names)

    def add(self, flows: Flows) -> None:
        """Add one step's flows (``flows.miner_power_w`` must have ``n_miners`` entries)."""
        per_miner = flows.miner_power_w
        sums = self._sums
        for i, v in enumerate((*self._scalars(flows), sum(per_miner), *per_miner)):
            sums[i] += v

    def means(self, steps: int) -> dict[str, float]:
        """Column -> sum / ``steps``; the sums start again from zero."""
        row = {name: total / steps for name, total in zip(self.names, self._sums, strict=True)}
        self._sums = [0.0] * len(self.names)
        return row


def _local_day(params: PlantParams, t_utc_s: float) -> int:
    return int(math.floor((t_utc_s + params.simulation.utc_offset_h * 3600.0) / 86400.0))


def initial_state(params: PlantParams, outdoor_temp_c: float, t_utc_s: float = 0.0, n_miners: int = 2) -> PlantState:
    """A warm start: buffer 50 -> 40 °C top to bottom (~45 °C mean), DHW 55 °C, room air and mass 20.5 °C,
    miner loop and miners at 35 °C (off, contactors open), valves at the buffer, HP off,
    battery 50 %.

    Parameters
    ----------
    outdoor_temp_c : initial outdoor temperature [°C] (checked for plausibility)
    t_utc_s : UTC time of the state [s] (for the "today" counters); default 0
    n_miners : number of miners on the loop (1-8, the site configuration's ``[[miners]]``)

    Raises
    ------
    ValueError
        ``outdoor_temp_c`` not finite or outside [-50, 50] °C, or ``n_miners`` not in 1..8.
    """
    if not 1 <= n_miners <= 8:
        raise ValueError(f"n_miners={n_miners} must be 1..8")
    if not (math.isfinite(outdoor_temp_c) and -50.0 <= outdoor_temp_c <= 50.0):
        raise ValueError(f"outdoor_temp_c={outdoor_temp_c} is not a plausible outdoor temperature")
    n = params.buffer.layers
    buffer_c = tuple(50.0 - 10.0 * i / (n - 1) for i in range(n))
    dhw_c = tuple(55.0 for _ in range(params.dhw.layers))
    miner = MinerUnitState(0.0, 0.0, False, 0.0, 35.0, board_temps(params.miners, 35.0, 0.0), False, False)
    room = params.simulation.plant_room_temp_c
    zero = tuple(0.0 for _ in COUNTERS)
    return PlantState(
        t_utc_s=float(t_utc_s),
        buffer_c=buffer_c,
        dhw_c=dhw_c,
        loop_c=35.0,
        miners=(miner,) * n_miners,
        rv1_pos=0.0,
        rv2_pos=0.0,
        hp=HeatPumpState(False, 1e9, "normal", float(outdoor_temp_c)),
        room_c=20.5,
        outdoor_c=float(outdoor_temp_c),
        heating_flow_c=room,
        heating_return_c=room,
        battery_energy_j=0.5 * battery_capacity_j(params.electrical),
        stb_loop_ok=True,
        stb_buffer_ok=True,
        p3_on=False,
        p5_on=False,
        local_day=_local_day(params, t_utc_s),
        today_j=zero,
        total_j=zero,
        mass_c=20.5,
    )
