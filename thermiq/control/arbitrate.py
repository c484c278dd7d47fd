"""Arbitration: clamp the controllers' requests to the interlocks' permits -> the output image.

No controller writes an output and none can override a permit (style rule 2). SA-008: a miner's
contactor closes only while P3 runs and a tank can take the heat. The Wilo switching limits
apply to requests; a safety effect switches a pump regardless of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from thermiq.config.schema import ThermiqConfig
from thermiq.control.heat import HeatRequest, SgState
from thermiq.control.miners import MinerRequest
from thermiq.control.timers import PumpGuard, pump_step
from thermiq.cycle.image import MinerCommand, OutputImage
from thermiq.interlocks.evaluate import Permits

_IDLE_PUMP = PumpGuard()  #: a pump seen for the first time


@dataclass(frozen=True, slots=True)
class Arbitrated:
    outputs: OutputImage
    pumps: Mapping[str, PumpGuard]
    sg_state: SgState


def arbitrate(
    miner_req: Mapping[str, MinerRequest],
    heat_req: HeatRequest,
    permits: Permits,
    pumps: Mapping[str, PumpGuard],
    heartbeat: bool,
    latched: bool,
    cfg: ThermiqConfig,
    now_s: float,
) -> Arbitrated:
    """Build the output image of this scan from requests and permits."""
    guards: dict[str, PumpGuard] = {}
    output_of: dict[str, str] = {}

    def pump(name: str | None, want: bool, force: bool) -> bool:
        if name is None:
            return False
        pc = cfg.pump(name)
        output_of[name] = pc.output
        guards[name] = pump_step(
            pumps.get(name, _IDLE_PUMP),
            want,
            now_s,
            pc.min_switch_interval_s,
            pc.max_switchings_per_hour,
            pc.max_switchings_per_day,
            force,
        )
        return guards[name].on

    any_miner = any(r.closed and permits.miner(n) for n, r in miner_req.items())
    loop_on = pump(cfg.miner_loop.pump, heat_req.p3 or permits.force_miner_pump or any_miner, permits.force_miner_pump)
    pump(cfg.heat_pump.charge_pump, heat_req.p4 and permits.heat_pump, not permits.heat_pump)
    for circuit in cfg.heating_circuits:
        pump(circuit.pump, heat_req.p5 and permits.heating_pump, not permits.heating_pump)
    sg = heat_req.sg_state if permits.heat_pump else SgState.BLOCK
    sg_in1, sg_in4 = sg.contacts

    digital = {output_of[name]: g.on for name, g in guards.items()}
    dhw = cfg.dhw.name
    for route, to_dhw in ((cfg.miner_loop, heat_req.rv1_to_dhw), (cfg.heat_pump, heat_req.rv2_to_dhw)):
        if route.valve is not None:  # energised = port A; the spring return (B) is the safe path
            target = dhw if (to_dhw and permits.dhw_charge) else route.default_tank
            valve = cfg.valve(route.valve)
            digital[valve.output] = valve.port_a == target
    hp, cab = cfg.heat_pump, cfg.cabinet
    digital[hp.sg_in1_output], digital[hp.sg_in4_output] = sg_in1, sg_in4
    digital[cab.heartbeat_output] = heartbeat
    if cab.alarm_lamp_output:
        digital[cab.alarm_lamp_output] = latched
    commands: dict[str, MinerCommand] = {}
    for m in cfg.miners:
        req = miner_req.get(m.name)
        closed = bool(req and req.closed and permits.miner(m.name) and loop_on)
        run = closed and req.run  # paused with the contactor closed: a cloud passing
        digital[m.contactor_output] = closed
        target = min(max(req.power_target_w, m.power_min_w), m.power_max_w) if run else None
        commands[m.name] = MinerCommand(run, target)
    return Arbitrated(OutputImage(digital, commands), guards, sg)


def safe_outputs(cfg: ThermiqConfig) -> OutputImage:
    """The fail-safe output image: everything de-energised, miners paused.

    De-energised is safe by design (energise-to-run): contactors open, pumps off, valves spring
    back to the buffer, SG-Ready contacts open = the heat pump runs on its own controller.
    """
    return OutputImage({}, {m.name: MinerCommand(False, None) for m in cfg.miners})
