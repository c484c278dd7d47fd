"""Fast in-process field devices backed by the plant model (the ``thermiq sim`` default).

They satisfy ``thermiq.adapters.protocols`` like the real adapters do: the controller reads
snapshots stamped with the (simulated) monotonic time and queues miner commands. The harness
calls :meth:`PlantDevices.update` after every plant step.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from hardware_sim.plant.state import Flows, PlantState
from hardware_sim.plant.views import inverter_view, miner_view
from thermiq.cycle.image import InverterSnapshot, MeterSnapshot, MinerCommand, MinerSnapshot, MinerState

J_PER_KWH = 3.6e6
_INV_EXTRA = {"battery_voltage_v": "battery_voltage_v", "pv_energy_kwh": "pv_energy_total_kwh",
              "grid_import_energy_kwh": "grid_import_energy_total_kwh",
              "grid_export_energy_kwh": "grid_export_energy_total_kwh",
              "battery_charge_energy_kwh": "battery_charge_energy_total_kwh",
              "battery_discharge_energy_kwh": "battery_discharge_energy_total_kwh"}


class InprocMiner:
    """One simulated Braiins OS miner: keeps the last command, reports the plant's measured values."""

    def __init__(self, publishes_hashrate: bool, power_min_w: float, power_max_w: float):
        self.last = MinerCommand(False, None)
        self._snap = MinerSnapshot()
        self._hashrate = publishes_hashrate
        self._range = (power_min_w, power_max_w)

    def snapshot(self) -> MinerSnapshot:
        return self._snap

    def command(self, cmd: MinerCommand) -> None:
        self.last = cmd

    def update(self, view: Mapping, now_s: float) -> None:
        mining = bool(view["mining"])
        power_w = float(view["power_w"])
        state = MinerState.MINING if mining else (MinerState.PAUSED if view["energised"] else MinerState.UNKNOWN)
        # S19J: ~100 TH/s at ~3250 W stock (J/TH ~ 32); telemetry only, not used by control
        hashrate = power_w / 32.0 if (self._hashrate and mining) else (0.0 if self._hashrate else None)
        boards = tuple(float(t) for t in view["board_temps_c"])
        self._snap = MinerSnapshot(now_s, bool(view["energised"]), state, power_w, float(view["power_target_w"]),
                                   hashrate, boards, max(boards) if boards else None, *self._range)


class InprocInverter:
    def __init__(self):
        self._snap = InverterSnapshot()

    def snapshot(self) -> InverterSnapshot:
        return self._snap


class InprocMeters:
    """Meters 'miners', 'heat_pump', 'house' with import energy counters integrated from the flows."""

    def __init__(self):
        self._energy_j = {"miners": 0.0, "heat_pump": 0.0, "house": 0.0}
        self._snaps: Mapping[str, MeterSnapshot] = MappingProxyType({})

    def snapshots(self) -> Mapping[str, MeterSnapshot]:
        return self._snaps

    def update(self, flows: Flows, dt_s: float, now_s: float) -> None:
        powers = {"miners": sum(flows.miner_power_w), "heat_pump": flows.hp_power_w, "house": flows.load_power_w}
        snaps = {}
        for name, p in powers.items():
            self._energy_j[name] += p * dt_s
            snaps[name] = MeterSnapshot(now_s, p, self._energy_j[name] / J_PER_KWH, 0.0)
        self._snaps = MappingProxyType(snaps)


class PlantDevices:
    """The set of in-process devices for one simulated site."""

    def __init__(self, miner_cfgs):
        self.inverter = InprocInverter()
        self.meters = InprocMeters()
        self.miners = {m.name: InprocMiner(m.publishes_hashrate, m.power_min_w, m.power_max_w) for m in miner_cfgs}
        self._names = [m.name for m in miner_cfgs]

    def commands(self) -> tuple[tuple[bool, bool], tuple[float, float]]:
        """(run, target_w) per miner, in plant order, from the last commands."""
        cmds = [self.miners[n].last for n in self._names]
        return (tuple(c.run for c in cmds), tuple(c.power_target_w or 0.0 for c in cmds))

    def update(self, state: PlantState, flows: Flows, params, dt_s: float, now_s: float) -> None:
        view = inverter_view(state, flows, params)
        extra = {k: view.get(src) for k, src in _INV_EXTRA.items()}
        self.inverter._snap = InverterSnapshot(now_s, view["pv_power_w"], view["battery_soc_pct"],
                                               view["battery_power_w"], view["grid_power_w"],
                                               view["load_power_w"], MappingProxyType(extra))
        for i, name in enumerate(self._names):
            self.miners[name].update(miner_view(state, i), now_s)
        self.meters.update(flows, dt_s, now_s)
