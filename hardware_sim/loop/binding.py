"""Bind the plant model's roles to the site configuration's signals (built once per run).

The plant knows roles (buffer top, miner 3's outlet, the valve that routes the miner heat);
the site configuration knows which I/O-list signal plays each role (``thermiq/config/plant.py``
instances and ``[[miners]]``). :class:`SiteBinding` joins the two once, so the per-scan work is
a walk over a flat table. Nothing here names a concrete signal.

Rules, where the plant model is coarser than the configuration:

* tank role ``buffer``: top/mid/bottom sensors read the top, middle and bottom layer; tank role
  ``dhw``: the top sensor reads the layer of the DHW thermostat well (``dhw.sensor_layer``),
  mid/bottom the middle and bottom layer;
* every safety-chain readback (``cabinet.safety_chain_inputs``) reads the whole chain: the
  model's STBs sit in series in one chain, it does not model which readback sits where;
* a valve's energised port is ``port_a``; the plant's valve position is 1 at the DHW tank, so a
  valve whose ``port_a`` is the DHW tank moves to 1 when energised, otherwise to 0;
* the plant has one heating circuit and one miner loop: a site with more circuits is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hardware_sim.plant.state import Actuators
from thermiq.config.schema import ThermiqConfig


class BindingError(ValueError):
    """The site configuration does not fit the plant model (one line, names the instance)."""


def _valve_rules(cfg: ThermiqConfig, name: str | None, plant_key: str, ins: list, where: str):
    """(output, energised_means_dhw) of a valve, and its feedback rows appended to ``ins``."""
    if name is None:
        return None, False
    v = cfg.valve(name)
    a_is_dhw = cfg.tank(v.port_a).role == "dhw"
    b_is_dhw = cfg.tank(v.port_b).role == "dhw"
    if a_is_dhw == b_is_dhw:
        raise BindingError(f"{where} valve {name!r} must route between the buffer and the DHW tank")
    # feedback at port A: position at A's end (1 if A is the DHW tank, else 0)
    if v.feedback_a:
        ins.append((v.feedback_a, plant_key, None, "at_one" if a_is_dhw else "at_zero"))
    if v.feedback_b:
        ins.append((v.feedback_b, plant_key, None, "at_zero" if a_is_dhw else "at_one"))
    return v.output, a_is_dhw


@dataclass(frozen=True)
class SiteBinding:
    """Flat tables from plant roles to site signals.

    inputs : rows (signal, readings key, index or None, transform) with transform one of
        ``""`` (value as is), ``"at_one"`` (position >= 1), ``"at_zero"`` (position <= 0),
        ``"false"`` (constant False: the key switch is on auto)
    contactors : contactor output per miner, plant order = ``[[miners]]`` order
    miner_pump, charge_pump, heating_pump : pump outputs (charge pump may be None)
    miner_valve, hp_valve : valve outputs (None: no valve, the heat goes to the default tank)
    miner_valve_a_dhw, hp_valve_a_dhw : the valve's energised port is the DHW tank; without a
        valve: the instance's ``default_tank`` is the DHW tank
    sg_in1, sg_in4 : SG-Ready contact outputs
    """

    inputs: tuple[tuple[str, str, int | None, str], ...]
    contactors: tuple[str, ...]
    miner_pump: str
    charge_pump: str | None
    heating_pump: str
    miner_valve: str | None
    miner_valve_a_dhw: bool
    hp_valve: str | None
    hp_valve_a_dhw: bool
    sg_in1: str
    sg_in4: str

    @classmethod
    def from_config(cls, cfg: ThermiqConfig) -> SiteBinding:
        """Build the binding from the site's instances.

        Raises
        ------
        BindingError
            More than one heating circuit, or a valve that does not route between the buffer
            and the DHW tank.
        """
        if len(cfg.heating_circuits) != 1:
            raise BindingError(
                f"the plant model has one heating circuit, the site declares {len(cfg.heating_circuits)}"
            )
        ins: list[tuple[str, str, int | None, str]] = []
        for tank in cfg.tanks:
            prefix = tank.role
            top = "dhw_sensor_c" if tank.role == "dhw" else "buffer_top_c"
            for signal, key in (
                (tank.top_temp_signal, top),
                (tank.mid_temp_signal, f"{prefix}_mid_c"),
                (tank.bottom_temp_signal, f"{prefix}_bottom_c"),
            ):
                if signal:
                    ins.append((signal, key, None, ""))
        for i, m in enumerate(cfg.miners):
            ins.append((m.outlet_temp_signal, "miner_outlet_c", i, ""))
            ins.append((m.contactor_feedback, "miner_closed", i, ""))
        ins.append((cfg.miner_loop.supply_temp_signal, "loop_supply_c", None, ""))
        ins.append((cfg.miner_loop.return_temp_signal, "loop_return_c", None, ""))
        hc = cfg.heating_circuits[0]
        for signal, key in (
            (hc.flow_temp_signal, "heating_flow_c"),
            (hc.return_temp_signal, "heating_return_c"),
            (hc.room_temp_signal, "room_c"),
        ):
            if signal:
                ins.append((signal, key, None, ""))
        cab = cfg.cabinet
        ins.append((cab.outdoor_temp_signal, "outdoor_c", None, ""))
        ins.extend((s, "safety_chain_ok", None, "") for s in cab.safety_chain_inputs)
        if cab.manual_mode_input:
            ins.append((cab.manual_mode_input, "safety_chain_ok", None, "false"))
        if cfg.heat_pump.fault_ok_signal:
            ins.append((cfg.heat_pump.fault_ok_signal, "hp_ok", None, ""))
        miner_valve, mv_a_dhw = _valve_rules(cfg, cfg.miner_loop.valve, "miner_valve_pos", ins, "miner_loop")
        hp_valve, hv_a_dhw = _valve_rules(cfg, cfg.heat_pump.valve, "hp_valve_pos", ins, "heat_pump")
        if miner_valve is None:
            mv_a_dhw = cfg.tank(cfg.miner_loop.default_tank).role == "dhw"
        if hp_valve is None:
            hv_a_dhw = cfg.tank(cfg.heat_pump.default_tank).role == "dhw"
        charge = cfg.pump(cfg.heat_pump.charge_pump).output if cfg.heat_pump.charge_pump else None
        return cls(
            inputs=tuple(ins),
            contactors=tuple(m.contactor_output for m in cfg.miners),
            miner_pump=cfg.pump(cfg.miner_loop.pump).output,
            charge_pump=charge,
            heating_pump=cfg.pump(hc.pump).output,
            miner_valve=miner_valve,
            miner_valve_a_dhw=mv_a_dhw,
            hp_valve=hp_valve,
            hp_valve_a_dhw=hv_a_dhw,
            sg_in1=cfg.heat_pump.sg_in1_output,
            sg_in4=cfg.heat_pump.sg_in4_output,
        )

    @property
    def input_signals(self) -> frozenset[str]:
        """Every input signal the plant writes."""
        return frozenset(row[0] for row in self.inputs)

    def sensor_values(self, readings: Mapping) -> dict[str, float | bool]:
        """Process-image input values by site signal name, from :func:`hardware_sim.plant.views.readings`."""
        out: dict[str, float | bool] = {}
        for signal, key, idx, how in self.inputs:
            v = readings[key]
            if idx is not None:
                v = v[idx]
            if how:
                v = (v >= 1.0) if how == "at_one" else (v <= 0.0) if how == "at_zero" else False
            out[signal] = v
        return out

    def actuators(
        self, outs: Mapping[str, bool], miner_run: tuple[bool, ...], miner_target_w: tuple[float, ...]
    ) -> Actuators:
        """Plant actuators from the digital outputs (by site signal) and the miners' run/target."""
        mv = outs[self.miner_valve] == self.miner_valve_a_dhw if self.miner_valve else self.miner_valve_a_dhw
        hv = outs[self.hp_valve] == self.hp_valve_a_dhw if self.hp_valve else self.hp_valve_a_dhw
        return Actuators(
            contactor=tuple(outs[s] for s in self.contactors),
            miner_run=miner_run,
            miner_target_w=miner_target_w,
            p3=outs[self.miner_pump],
            p4=outs[self.charge_pump] if self.charge_pump else False,
            p5=outs[self.heating_pump],
            rv1_to_dhw=mv,
            rv2_to_dhw=hv,
            sg_in1=outs[self.sg_in1],
            sg_in4=outs[self.sg_in4],
        )
