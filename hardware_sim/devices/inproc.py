"""Fast in-process field devices backed by the plant model (the ``thermiq sim`` default).

They satisfy ``thermiq.adapters.protocols`` like the real adapters do: the controller reads
snapshots stamped with the (simulated) monotonic time and queues miner commands. The harness
calls :meth:`PlantDevices.update` after every plant step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

from hardware_sim.devices.inverter_feed import inverter_signals
from hardware_sim.plant.state import Flows, PlantState
from hardware_sim.plant.views import inverter_view, miner_view
from thermiq.adapters.braiins.policy import decide
from thermiq.cycle.image import InverterSnapshot, MeterSnapshot, MinerCommand, MinerSnapshot, MinerState
from thermiq.signals import INVERTER_EXTRA_NAMES

J_PER_KWH = 3.6e6


class InprocMiner:
    """One simulated Braiins OS miner behind the cabinet's command policy.

    :meth:`command` queues the scan's latest :class:`MinerCommand` (as ``BraiinsMinerLink`` does);
    :meth:`apply` runs the link's policy (``thermiq.adapters.braiins.policy.decide``: pause,
    resume, clamp into the miner's constraints, deadband, at most one target change per
    ``min_change_interval_s``) against the miner's own state, as the link's worker does after a
    poll. Like the simulated gRPC miner (``braiins_sim``) it starts mining at its nominal target.
    The plant takes :attr:`running` and :attr:`target_w` (the target in force).
    """

    def __init__(
        self,
        publishes_hashrate: bool,
        power_min_w: float,
        power_max_w: float,
        nominal_power_w: float = 3250.0,
        deadband_w: float = 100.0,
        min_change_interval_s: float = 30.0,
    ):
        self.last: MinerCommand | None = None
        self._snap = MinerSnapshot()
        self._hashrate = publishes_hashrate
        self._range = (power_min_w, power_max_w)
        self._policy = (deadband_w, min_change_interval_s)
        self.paused = False
        self.target_w = float(nominal_power_w)
        self.last_change_s: float | None = None
        self.calls = {"pause": 0, "resume": 0, "set_target": 0}
        self.notes: tuple[str, ...] = ()
        self.changes: list[tuple[float, float]] = []  #: (now_s, target_w) of every target change sent

    @property
    def running(self) -> bool:
        """Hashing requested on the miner (not paused)."""
        return not self.paused

    def snapshot(self) -> MinerSnapshot:
        return self._snap

    def command(self, cmd: MinerCommand) -> None:
        self.last = cmd

    def apply(self, now_s: float) -> None:
        """Apply the queued command through the cabinet's policy (what the link's worker does)."""
        d = decide(self.last, self._snap, self.last_change_s, now_s, *self._policy)
        self.notes = d.notes
        for action in d.actions:
            self.calls[action.kind] += 1
            if action.kind == "pause":
                self.paused = True
            elif action.kind == "resume":
                self.paused = False
            else:
                self.target_w = float(action.target_w)
                self.last_change_s = now_s
                self.changes.append((now_s, self.target_w))
        if d.actions:  # the worker polls again after acting: the next decision sees the new state
            self._snap = replace(
                self._snap, state=self._state(self._snap.reachable, self._snap.state), power_target_w=self.target_w
            )

    def _state(self, energised: bool, plant_state: MinerState) -> MinerState:
        if not energised:
            return MinerState.UNKNOWN
        if self.paused:
            return MinerState.PAUSED
        return MinerState.MINING if plant_state == MinerState.MINING else MinerState.STOPPED

    def update(self, view: Mapping, now_s: float) -> None:
        mining = bool(view["mining"])
        power_w = float(view["power_w"])
        energised = bool(view["energised"])
        state = self._state(energised, MinerState.MINING if mining else MinerState.STOPPED)
        # S19J: ~100 TH/s at ~3250 W stock (J/TH ~ 32); telemetry only, not used by control
        hashrate = power_w / 32.0 if (self._hashrate and mining) else (0.0 if self._hashrate else None)
        boards = tuple(float(t) for t in view["board_temps_c"])
        self._snap = MinerSnapshot(
            now_s,
            energised,
            state,
            power_w,
            self.target_w,
            hashrate,
            boards,
            max(boards) if boards else None,
            *self._range,
        )


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
    """The set of in-process devices for one simulated site (miners in ``[[miners]]`` order).

    ``deadband_w`` / ``min_change_interval_s``: the miner links' policy, as ``thermiq run
    --field protocol`` takes it from the site (``energy.power_deadband_w``,
    ``fieldbus.miner_link.min_change_interval_s``).
    """

    def __init__(self, miner_cfgs, deadband_w: float = 100.0, min_change_interval_s: float = 30.0):
        self.inverter = InprocInverter()
        self.meters = InprocMeters()
        self.miners = {
            m.name: InprocMiner(
                m.publishes_hashrate, m.power_min_w, m.power_max_w, m.nominal_power_w, deadband_w, min_change_interval_s
            )
            for m in miner_cfgs
        }
        self._names = [m.name for m in miner_cfgs]
        self._order = [self.miners[n] for n in self._names]

    @classmethod
    def for_site(cls, cfg) -> PlantDevices:
        """Devices for a site configuration, with the policy settings the cabinet uses."""
        return cls(cfg.miners, cfg.energy.power_deadband_w, cfg.fieldbus.miner_link.min_change_interval_s)

    def apply_commands(self, now_s: float) -> None:
        """Every miner applies its queued command through the policy."""
        for m in self._order:
            m.apply(now_s)

    def target_changes(self) -> list[tuple[float, str, float]]:
        """(now_s, miner name, target_w) of every target change the miners took, in time order."""
        return sorted((t, n, w) for n in self._names for t, w in self.miners[n].changes)

    def commands(self) -> tuple[tuple[bool, ...], tuple[float, ...]]:
        """(running, target in force [W]) per miner, in plant order."""
        return (tuple(m.running for m in self._order), tuple(m.target_w for m in self._order))

    def update(self, state: PlantState, flows: Flows, params, dt_s: float, now_s: float) -> None:
        view = inverter_view(state, flows, params)
        sig = inverter_signals(view)
        extra = {k: sig[k] for k in INVERTER_EXTRA_NAMES}
        self.inverter._snap = InverterSnapshot(
            now_s,
            view["pv_power_w"],
            view["battery_soc_pct"],
            view["battery_power_w"],
            view["grid_power_w"],
            view["load_power_w"],
            MappingProxyType(extra),
        )
        for i, name in enumerate(self._names):
            self.miners[name].update(miner_view(state, i), now_s)
        self.meters.update(flows, dt_s, now_s)
