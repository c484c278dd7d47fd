"""The plant's instances as configuration: pumps, valves, tanks, the miner loop, heating circuits,
the heat pump's contacts and the cabinet's own signals.

Every instance names its I/O-list signals; the controllers, the trip table, the status/topic
registry, discovery, the dashboard and the docs are built from these instances (Klipper builds a
heater per config section, evcc a charger per registry entry). No module outside the site file and
the I/O list names a concrete signal: code asks the configuration (``ThermiqConfig.tank_by_role``,
``ThermiqConfig.pump``, ...) which signal plays a role.

Cross-references between instances (a valve's port names a tank, a circuit names its pump) are
checked when the whole configuration loads (``ThermiqConfig._plant_references``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from thermiq.config.base import Section as _Section

_NAME = r"^[a-z0-9_]+$"

TankRole = Literal["buffer", "dhw"]


class PumpInstance(_Section):
    """One circulation pump on a relay output (Wilo Stratos PICO plus: no speed input).

    The switching limits default to the Wilo figures (at most 100 switchings a day, 20 an hour,
    1 minute between switchings: Wilo Stratos PICO plus installation and operating instructions).
    """

    name: str = Field(pattern=_NAME, description="pump tag, e.g. p3 (used in topics)")
    output: str = Field(description="I/O-list digital output of the pump's interposing relay")
    label: str = Field("", description="plain-words description for the HMI, e.g. 'miner loop pump'")
    overrun_s: float = Field(0.0, ge=0, description="runs this long after its last heat source stops")
    min_switch_interval_s: float = Field(60.0, ge=60.0, description="Wilo: >= 1 min between switchings")
    max_switchings_per_hour: int = Field(20, ge=1, le=20, description="Wilo: <= 20 per hour")
    max_switchings_per_day: int = Field(100, ge=1, le=100, description="Wilo: <= 100 per 24 h")


class ValveInstance(_Section):
    """A 3-way change-over valve (Belimo C320Q-J with CQ actuator): energised = port A.

    ``port_a`` and ``port_b`` name the tanks the valve routes to; the spring return goes to B,
    so B must be the safe path (the buffer at ASP1). End-position feedback is optional.
    """

    name: str = Field(pattern=_NAME, description="valve tag, e.g. rv1 (used in topics)")
    output: str = Field(description="I/O-list digital output; energised = port A")
    port_a: str = Field(description="tank name the valve routes to when energised")
    port_b: str = Field(description="tank name the valve routes to de-energised (spring return, safe)")
    feedback_a: str | None = Field(None, description="I/O-list input: end position A reached")
    feedback_b: str | None = Field(None, description="I/O-list input: end position B reached")
    label: str = Field("", description="plain-words description for the HMI")


class TankInstance(_Section):
    """A storage tank with its temperature sensors and its control band."""

    name: str = Field(pattern=_NAME, description="tank name, e.g. buffer (used in topics)")
    role: TankRole = Field(description="buffer (space heating store) or dhw (domestic hot water)")
    top_temp_signal: str = Field(description="I/O-list signal of the top (hottest) sensor; the trip sensor")
    mid_temp_signal: str | None = Field(None, description="I/O-list signal of the middle sensor")
    bottom_temp_signal: str | None = Field(None, description="I/O-list signal of the bottom sensor")
    volume_l: float = Field(300.0, gt=0, le=100000, description="water volume [l]")
    setpoint_c: float = Field(ge=20, le=90)
    hysteresis_k: float = Field(5.0, ge=0.5, le=20)
    max_c: float = Field(ge=30, le=95, description="charging stops at this temperature")
    label: str = Field("", description="plain-words description for the HMI")

    @model_validator(mode="after")
    def _order(self):
        if not self.setpoint_c < self.max_c:
            raise ValueError(f"setpoint_c ({self.setpoint_c}) must be below max_c ({self.max_c})")
        return self

    @property
    def temp_signals(self) -> tuple[str, ...]:
        """The tank's temperature signals, top first."""
        return tuple(s for s in (self.top_temp_signal, self.mid_temp_signal, self.bottom_temp_signal) if s)


class MinerLoopConfig(_Section):
    """The miners' cooling loop: one pump, supply/return sensors, the valve that routes its heat."""

    pump: str = Field(description="pump name that circulates the loop")
    supply_temp_signal: str = Field(description="I/O-list signal: loop supply after the miners (trip sensor)")
    return_temp_signal: str = Field(description="I/O-list signal: loop return before the miners (delta-T reference)")
    valve: str | None = Field(None, description="valve that routes the miner heat between tanks")
    default_tank: str = Field("buffer", description="tank the miner heat goes to when not routed elsewhere")


class HeatingCircuitInstance(_Section):
    """A heating circuit fed from a tank by its pump, on the outdoor-temperature heating curve."""

    name: str = Field(pattern=_NAME, description="circuit name, e.g. hc1 (used in topics)")
    pump: str = Field(description="pump name of the circuit")
    source_tank: str = Field("buffer", description="tank the circuit draws from")
    flow_temp_signal: str = Field(description="I/O-list signal: flow temperature (trip sensor)")
    return_temp_signal: str | None = Field(None, description="I/O-list signal: return temperature")
    room_temp_signal: str | None = Field(None, description="I/O-list signal: reference room temperature")
    label: str = Field("", description="plain-words description for the HMI")


class HeatPumpSignals(_Section):
    """How the cabinet reaches the heat pump: SG-Ready contacts, its fault contact, its charge pump."""

    sg_in1_output: str = Field(description="I/O-list output: SG-Ready input 1 (EVU block contact)")
    sg_in4_output: str = Field(description="I/O-list output: SG-Ready input 4 (boost contact)")
    fault_ok_signal: str | None = Field(None, description="I/O-list input: fault contact, 1 = no fault")
    charge_pump: str | None = Field(None, description="pump name that charges the tanks from the heat pump")
    valve: str | None = Field(None, description="valve that routes the heat-pump flow between tanks")
    default_tank: str = Field("buffer", description="tank the heat-pump flow goes to when not routed elsewhere")


class CabinetSignals(_Section):
    """The cabinet's own signals: heartbeat, alarm lamp, key switch, outdoor sensor, safety chain."""

    heartbeat_output: str = Field(description="I/O-list output toggled every scan (retriggerable timer relay)")
    alarm_lamp_output: str | None = Field(None, description="I/O-list output: alarm lamp, 1 = a trip is latched")
    manual_mode_input: str | None = Field(None, description="I/O-list input: hand/auto key switch, 1 = manual (FA-014)")
    outdoor_temp_signal: str = Field(description="I/O-list signal: outdoor temperature (heating curve)")
    safety_chain_inputs: tuple[str, ...] = Field(
        (), description="I/O-list inputs read back from the hardware safety chain (1 = closed); mirrored by I13"
    )
