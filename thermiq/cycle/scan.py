"""One scan of the functional core: interlocks -> controllers -> arbitrate, over a frozen image.

The imperative shell (``thermiq.cycle.runner``) reads and freezes the image before this, and
writes, publishes and kicks the watchdog after it. ``scan`` is pure: same image, same state,
same config -> same outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from thermiq.config.schema import ThermiqConfig
from thermiq.control.arbitrate import arbitrate
from thermiq.control.heat import HeatCtl, SgState
from thermiq.control.miners import MinerCtl
from thermiq.control.plan import DispatchCtl, plan_scan
from thermiq.control.setpoints import Setpoints, default_setpoints
from thermiq.control.timers import PumpGuard
from thermiq.cycle.image import OutputImage, ProcessImage
from thermiq.interlocks.derive import DeriveState, derive
from thermiq.interlocks.evaluate import (
    CompiledTrip,
    InterlockState,
    Permits,
    TripEvent,
    apply_safety_command,
    compile_table,
    evaluate,
)
from thermiq.interlocks.quality import QualityParams, QualityState, assess


@dataclass(frozen=True, slots=True)
class SafetyCommand:
    """An operator acknowledge/reset that passed authentication and replay checks.

    ``Core.scan`` also takes ``thermiq.commands.SafetyCommand`` (validated from MQTT by
    ``thermiq.commands.validate``): anything with ``action``, ``target`` and ``request_id``.
    """

    action: str  #: "ack" | "reset"
    target: str  #: trip id or "all"
    request_id: str = ""
    topic: str = "cmd/safety/local"


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """The scan's answer to one safety command (refusal reasons per trip joined by "; ")."""

    request_id: str
    accepted: bool
    reason: str | None
    topic: str = "cmd/safety/local"

    def result(self):
        """As a ``thermiq.commands.CommandResult`` for the ack topic and the audit log."""
        from thermiq.commands.envelope import CommandResult

        return CommandResult(self.topic, self.request_id, self.accepted, self.reason, None)


@dataclass(frozen=True, slots=True)
class ControllerState:
    """Everything the core carries from one scan to the next."""

    interlocks: InterlockState
    miners: Mapping[str, MinerCtl]
    heat: HeatCtl
    pumps: Mapping[str, PumpGuard]
    setpoints: Setpoints
    soc_priority: bool = False
    heartbeat: bool = False
    last_now_s: float | None = None
    sg_state: SgState = SgState.NORMAL
    flow_setpoint_c: float | None = None
    quality: QualityState = QualityState()
    derive: DeriveState = DeriveState()
    outputs: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    dispatch: DispatchCtl = DispatchCtl()  #: zones, DHW cycle, derate, mode (thermiq.control.plan)


def initial_state(cfg: ThermiqConfig, interlocks: InterlockState | None = None) -> ControllerState:
    """Start state: no miner on, restored latches (if any), local default setpoints."""
    return ControllerState(
        interlocks or InterlockState(), MappingProxyType({}), HeatCtl(), MappingProxyType({}), default_setpoints(cfg)
    )


@dataclass(frozen=True, slots=True)
class ScanResult:
    state: ControllerState
    outputs: OutputImage
    permits: Permits
    events: tuple[TripEvent, ...]
    outcomes: tuple[CommandOutcome, ...] = ()


def miners_power_w(image: ProcessImage, cfg: ThermiqConfig) -> float | None:
    """Measured power of all miners [W], or None when any miner's power is unknown.

    A miner whose contactor auxiliary contact reads open (valid and False) is unpowered: 0 W by
    proof of the contact, not by default. A miner with a closed or invalid contact and no valid
    telemetry makes the sum unknown (never 0 W): the surplus is then unknown and the dispatch
    lets no miner start or ramp up on it.
    """
    total = 0.0
    for m in cfg.miners:
        if image.value(m.contactor_feedback) is False:
            continue
        snap = image.miners.get(m.name)
        if snap is None or snap.power_w is None:
            return None
        total += snap.power_w
    return total


@dataclass(frozen=True)
class Core:
    """The configured functional core (trip table built and limits resolved once at start)."""

    cfg: ThermiqConfig
    table: tuple[CompiledTrip, ...] = field(default=())
    quality: QualityParams = QualityParams()

    @classmethod
    def build(cls, cfg: ThermiqConfig, io_list) -> Core:
        """The core of site ``cfg``; ``io_list`` carries the per-signal quality parameters (I8)."""
        return cls(cfg, compile_table(cfg), QualityParams.from_io_list(io_list))

    def checked_image(self, image: ProcessImage, st: ControllerState) -> tuple[ProcessImage, QualityState, DeriveState]:
        """The image the core works on: quality-checked signals (I8) plus the pseudo-signals of the trip table."""
        signals, quality = assess(image.signals, st.quality, self.cfg.limits, image.now_s, self.quality)
        pseudo, der = derive(image, signals, st.outputs, st.derive, self.cfg)
        signals.update(pseudo)
        checked = ProcessImage(
            image.now_s, image.wall_s, MappingProxyType(signals), image.inverter, image.meters, image.miners
        )  # = replace(image, signals=...) without its per-call field introspection
        return checked, quality, der

    def scan(
        self, image: ProcessImage, st: ControllerState, safety_commands: tuple[SafetyCommand, ...] = ()
    ) -> ScanResult:
        """Run the interlock, controller and arbitration phases over one frozen image."""
        cfg, now_s = self.cfg, image.now_s
        # --- signal quality (I8) and the derived signals of the trip table
        image, quality, der = self.checked_image(image, st)
        # --- interlocks: operator commands first (on last scan's states), then grant permits, latch trips
        locks, outcomes = st.interlocks, []
        for cmd in safety_commands:
            locks, results = apply_safety_command(locks, cmd.action, cmd.target, self.table)
            refused = [f"{tid}: {why}" for tid, why in results if why]
            outcomes.append(
                CommandOutcome(
                    cmd.request_id, not refused, "; ".join(refused) or None, getattr(cmd, "topic", "cmd/safety/local")
                )
            )
        locks, permits, events = evaluate(image, locks, self.table, cfg.scan.good_scans_before_start)

        # --- controllers: requests (mode, zones, DHW, prices, forecast -> heat side -> derate -> miners)
        plan = plan_scan(image, st, cfg, now_s, miners_power_w(image, cfg))
        soc_ok, heat, heat_req, miner_states, miner_req = (
            plan.soc_ok,
            plan.heat,
            plan.heat_req,
            plan.miners,
            plan.requests,
        )

        # --- arbitrate: clamp requests to permits
        latched = bool(locks.latched)
        arb = arbitrate(miner_req, heat_req, permits, st.pumps, not st.heartbeat, latched, cfg, now_s)
        new = ControllerState(
            locks,
            MappingProxyType(miner_states),
            heat,
            MappingProxyType(dict(arb.pumps)),
            st.setpoints,
            soc_ok,
            not st.heartbeat,
            now_s,
            arb.sg_state,
            heat_req.flow_setpoint_c,
            quality,
            der,
            MappingProxyType(dict(arb.outputs.digital)),
            plan.ctl,
        )
        return ScanResult(new, arb.outputs, permits, events, tuple(outcomes))
