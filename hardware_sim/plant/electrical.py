"""Deye hybrid inverter self-consumption dispatch with a battery.

Dispatch per substep (Deye "self-consumption" / zero-export-to-load behaviour, simplified):
PV first covers the whole consumption; a surplus charges the battery (up to its charge power
and until full), the rest is exported; a deficit is covered by the battery down to the
minimum SoC (up to its discharge power), the rest is imported from the grid.

Battery (assumed: 10 kWh usable, 5 kW, round trip 92 %): charge and discharge efficiencies
are both sqrt(round_trip); AC-side powers are what the inverter reports.
Energy: dE/dt = eta P_charge - P_discharge / eta; loss = P_charge (1 - eta) + P_discharge (1/eta - 1).
Balance (exact): pv + import + discharge = consumption + export + charge.

Grid outage (``grid_ok`` False; the Deye's backup port keeps the house on PV and battery): no
import or export; PV the battery cannot take is curtailed (the inverter throttles the strings),
consumption the battery cannot cover is unserved. Balance then:
pv - curtailed + discharge = consumption - unserved + charge.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from hardware_sim.plant.params import ElectricalParams


class Dispatch(NamedTuple):
    """Mean AC powers of one substep [W] and the battery energy at its end [J]."""

    grid_import_w: float
    grid_export_w: float
    battery_charge_w: float
    battery_discharge_w: float
    battery_loss_w: float
    battery_energy_j: float
    curtailed_w: float = 0.0
    unserved_w: float = 0.0


def battery_capacity_j(p: ElectricalParams) -> float:
    """Usable battery energy [J]."""
    return p.battery_capacity_kwh * 3.6e6


def dispatch(
    p: ElectricalParams, pv_w: float, consumption_w: float, battery_energy_j: float, dt_s: float, grid_ok: bool = True
) -> Dispatch:
    """Split the PV/consumption imbalance between battery and grid for one substep."""
    eta = math.sqrt(p.battery_round_trip_eff)
    e_max = battery_capacity_j(p)
    e_min = e_max * p.battery_min_soc_pct / 100.0
    net = pv_w - consumption_w
    charge = discharge = imp = exp = 0.0
    if net >= 0.0:
        room_w = max(0.0, (e_max - battery_energy_j) / (eta * dt_s))
        charge = min(net, p.battery_max_charge_w, room_w)
        exp = net - charge
    else:
        avail_w = max(0.0, (battery_energy_j - e_min) * eta / dt_s)
        discharge = min(-net, p.battery_max_discharge_w, avail_w)
        imp = -net - discharge
    energy = battery_energy_j + (charge * eta - discharge / eta) * dt_s
    loss = charge * (1.0 - eta) + discharge * (1.0 / eta - 1.0)
    if not grid_ok:
        return Dispatch(0.0, 0.0, charge, discharge, loss, energy, exp, imp)
    return Dispatch(imp, exp, charge, discharge, loss, energy)


def battery_voltage_v(p: ElectricalParams, soc_pct: float, battery_power_w: float) -> float:
    """Terminal voltage of a 16s LFP pack [V] (assumed: nominal +/- 2 V over SoC, 10 mOhm)."""
    open_circuit = p.battery_nominal_voltage_v + 4.0 * (soc_pct / 100.0 - 0.5)
    current_a = battery_power_w / p.battery_nominal_voltage_v  # + discharge
    return open_circuit - 0.01 * current_a
