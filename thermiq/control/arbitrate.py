"""Arbitration: clamp the controllers' requests to the interlocks' permits -> the output image.

No controller writes an output and none can override a permit (style rule 2). SA-008: a miner's
contactor closes only while P3 runs and a tank can take the heat. The Wilo switching limits
apply to requests; a safety effect switches a pump regardless of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from thermiq.config.schema import ThermiqConfig
from thermiq.control.heat import HeatRequest, SgState
from thermiq.control.miners import MinerRequest
from thermiq.control.timers import PumpGuard, pump_step
from thermiq.cycle.image import MinerCommand, OutputImage
from thermiq.interlocks.evaluate import Permits

PUMPS = ("p3_miner_loop_run", "p4_buffer_charge_run", "p5_heating_run")


@dataclass(frozen=True, slots=True)
class Arbitrated:
    outputs: OutputImage
    pumps: Mapping[str, PumpGuard]
    sg_state: SgState


def arbitrate(miner_req: Mapping[str, MinerRequest], heat_req: HeatRequest, permits: Permits,
              pumps: Mapping[str, PumpGuard], heartbeat: bool, latched: bool, cfg: ThermiqConfig,
              now_s: float) -> Arbitrated:
    """Build the output image of this scan from requests and permits."""
    pc = cfg.pumps

    def pump(name: str, want: bool, force: bool) -> PumpGuard:
        return pump_step(pumps.get(name, PumpGuard()), want, now_s, pc.min_switch_interval_s,
                         pc.max_switchings_per_hour, pc.max_switchings_per_day, force)

    any_miner = permits.miners and any(r.run for r in miner_req.values())
    p3 = pump(PUMPS[0], heat_req.p3 or permits.force_miner_pump or any_miner, permits.force_miner_pump)
    p4 = pump(PUMPS[1], heat_req.p4 and permits.heat_pump, not permits.heat_pump)
    p5 = pump(PUMPS[2], heat_req.p5 and permits.heating_pump, not permits.heating_pump)
    sg = heat_req.sg_state if permits.heat_pump else SgState.BLOCK
    sg_in1, sg_in4 = sg.contacts

    digital = {
        PUMPS[0]: p3.on, PUMPS[1]: p4.on, PUMPS[2]: p5.on,
        "rv1_to_dhw": heat_req.rv1_to_dhw and permits.dhw_charge,
        "rv2_to_dhw": heat_req.rv2_to_dhw and permits.dhw_charge,
        "hp_sg_in1": sg_in1, "hp_sg_in4": sg_in4,
        "heartbeat": heartbeat, "alarm_lamp": latched,
    }
    commands: dict[str, MinerCommand] = {}
    for m in cfg.miners:
        req = miner_req.get(m.name)
        run = bool(req and req.run and permits.miners and p3.on)
        digital[m.contactor_output] = run
        target = min(max(req.power_target_w, m.power_min_w), m.power_max_w) if run else None
        commands[m.name] = MinerCommand(run, target)
    return Arbitrated(OutputImage(digital, commands), {PUMPS[0]: p3, PUMPS[1]: p4, PUMPS[2]: p5}, sg)


def safe_outputs(cfg: ThermiqConfig) -> OutputImage:
    """The fail-safe output image: everything de-energised, miners paused.

    De-energised is safe by design (energise-to-run): contactors open, pumps off, valves spring
    back to the buffer, SG-Ready contacts open = the heat pump runs on its own controller.
    """
    return OutputImage({}, {m.name: MinerCommand(False, None) for m in cfg.miners})
