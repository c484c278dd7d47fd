"""Site configuration schema: frozen pydantic models, unknown keys rejected, bounds at load.

Every field carries its unit in its name; the description says what it is. The values for
ASP1 live in ``thermiq/sites/asp1.toml``; nothing site-specific lives in code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from thermiq.config.base import Section as _Section
from thermiq.config.dispatch import (
    DeratingConfig,
    DhwConfig,
    DispatchConfig,
    ForecastConfig,  # noqa: F401 (core imports them from here)
    HeatPumpCostConfig,
    MiningConfig,
    TariffConfig,
    ZoneConfig,
    minutes_of_day,
    trip_margin_errors,
)
from thermiq.config.fieldbus import FieldbusConfig
from thermiq.config.plant import (
    CabinetSignals,
    HeatingCircuitInstance,
    HeatPumpSignals,
    MinerLoopConfig,
    PumpInstance,
    TankInstance,
    ValveInstance,
)
from thermiq.config.service import ServiceConfig


class SiteConfig(_Section):
    name: str = Field(pattern=r"^[a-z0-9_]+$", description="site id used in MQTT topics")
    latitude_deg: float = Field(ge=-90, le=90)
    longitude_deg: float = Field(ge=-180, le=180)


class ScanConfig(_Section):
    period_s: float = Field(0.5, gt=0.005, le=10.0, description="scan period on the monotonic clock")
    overrun_trip_count: int = Field(3, ge=1, le=100, description="consecutive overruns that trip (I12)")
    overrun_trip_factor: float = Field(10.0, gt=1.0, description="one scan longer than factor x period trips")
    good_scans_before_start: int = Field(10, ge=1, description="scans with good inputs before miners may start (I15)")
    inverter_max_age_s: float = Field(15.0, gt=0, description="older inverter data is invalid")
    meter_max_age_s: float = Field(15.0, gt=0, description="older meter data is invalid")
    miner_max_age_s: float = Field(30.0, gt=0, description="older miner telemetry is invalid")


class ProcessImageConfig(_Section):
    procimg: str = Field("/dev/piControl0", description="process image: device or 4096-byte file")
    configrsc: str = Field("/etc/revpi/config.rsc", description="piCtory configuration")
    io_list: str = Field("Schaltschrank/io_list.csv", description="I/O list (relative to the repository)")
    output_watchdog_ms: int = Field(2000, ge=0, le=60000, description="piControl output watchdog; 0 = off")


class MinerConfig(_Section):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    host: str = "127.0.0.1"
    port: int = Field(50051, ge=1, le=65535)
    username: str = "root"
    password_env: str = Field("THERMIQ_MINER_PASSWORD", description="environment variable holding the password")
    contactor: str = Field("", description="contactor tag on the cabinet drawings, e.g. K1 (named in trip hints)")
    contactor_output: str = Field(description="I/O-list signal of the contactor coil")
    contactor_feedback: str = Field(description="I/O-list signal of the contactor auxiliary contact")
    outlet_temp_signal: str = Field(description="I/O-list signal of the cooling-water outlet temperature")
    nominal_power_w: float = Field(3250.0, gt=0, le=10000)
    power_min_w: float = Field(1700.0, gt=0, description="lowest power target the miner accepts")
    power_max_w: float = Field(3600.0, gt=0, description="highest power target ThermIQ requests")
    publishes_hashrate: bool = True

    @model_validator(mode="after")
    def _range(self):
        if not self.power_min_w < self.power_max_w:
            raise ValueError(f"power_min_w ({self.power_min_w}) must be below power_max_w ({self.power_max_w})")
        return self


class EnergyConfig(_Section):
    priority_soc_pct: float = Field(
        90.0, ge=0, le=100, description="battery SoC above which PV surplus may go to miners"
    )
    soc_hysteresis_pct: float = Field(5.0, ge=0, le=50, description="miners stop below priority_soc_pct - this")
    surplus_start_w: float = Field(2000.0, ge=0, description="surplus needed to start one miner at its minimum")
    surplus_stop_w: float = Field(-300.0, description="surplus below which a running miner stops (negative = import)")
    start_delay_s: float = Field(120.0, ge=0)
    stop_delay_s: float = Field(120.0, ge=0)
    min_on_s: float = Field(900.0, ge=0)
    min_off_s: float = Field(600.0, ge=0)
    power_deadband_w: float = Field(100.0, ge=0, description="target changes smaller than this are not sent")
    power_ramp_w_per_s: float = Field(10.0, gt=0, description="rate limit of the power target")
    grid_heating_allowed: bool = Field(False, description="allow miners on grid power when heat is needed")
    grid_import_margin_w: float = Field(100.0, ge=0, description="surplus kept back to avoid grid import")


class LimitsConfig(_Section):
    """Software trip limits: 5-10 K below the hardware STBs."""

    buffer_top_trip_c: float = Field(85.0, ge=40, le=105)
    miner_loop_supply_trip_c: float = Field(65.0, ge=30, le=90)
    miner_outlet_trip_c: float = Field(68.0, ge=30, le=90)
    dhw_trip_c: float = Field(75.0, ge=40, le=95)
    heating_flow_trip_c: float = Field(55.0, ge=25, le=90)
    miner_delta_t_max_k: float = Field(15.0, gt=0, le=40)
    clear_hysteresis_k: float = Field(5.0, ge=0.5, le=20, description="a trip's cause clears this far below its limit")
    temp_valid_min_c: float = Field(-40.0)
    temp_valid_max_c: float = Field(130.0)
    # --- issue #3 safety layer (SA-001, SA-006, SA-008, I3/I4/I9/I10/I11, signal quality I8)
    flow_min_delta_t_k: float = Field(
        0.5,
        ge=0.0,
        le=5.0,
        description="SA-001: miner outlet - loop return below this while the miner draws power = no flow or stuck sensor [K]",
    )
    flow_proof_delay_s: float = Field(
        120.0,
        ge=0.0,
        le=1800.0,
        description="SA-001: time a miner may draw power before its delta-T must prove flow [s]",
    )
    miner_running_power_w: float = Field(
        500.0, gt=0.0, description="a miner reporting more than this draws power (guards I3/I4/stuck) [W]"
    )
    miner_off_power_w: float = Field(
        100.0, gt=0.0, description="SA-006: a paused/disconnected miner must report less than this [W]"
    )
    miner_stop_check_s: float = Field(
        30.0,
        ge=0.0,
        le=600.0,
        description="SA-006: time after contactor-off/pause before the miner must have stopped drawing power [s]",
    )
    miner_telemetry_grace_s: float = Field(
        300.0,
        ge=0.0,
        le=3600.0,
        description="I10: miner telemetry may be missing this long while its contactor is closed (Braiins OS boot) [s]",
    )
    contactor_feedback_s: float = Field(
        2.0, ge=0.1, le=60.0, description="I11: contactor auxiliary contact must follow the coil within this [s]"
    )
    no_sink_buffer_top_c: float = Field(
        75.0,
        ge=30.0,
        le=105.0,
        description="SA-008: buffer top at/above this counts as full for the no-sink trip [degC]",
    )
    no_sink_dhw_c: float = Field(
        65.0,
        ge=30.0,
        le=95.0,
        description="SA-008: hot-water tank at/above this counts as full for the no-sink trip [degC]",
    )
    no_sink_delay_s: float = Field(
        60.0, ge=0.0, le=1800.0, description="SA-008: both tanks full this long with a miner contactor closed trips [s]"
    )
    signal_max_age_s: float = Field(
        2.0, gt=0.0, le=60.0, description="I8: process-image signals older than this are stale [s]"
    )
    stuck_window_s: float = Field(600.0, gt=0.0, le=86400.0, description="I8: window of the stuck-value check [s]")
    stuck_min_change_k: float = Field(
        0.05, ge=0.0, le=5.0, description="I8: a sensor moving less than this in the window ... [K]"
    )
    stuck_ref_change_k: float = Field(
        3.0, gt=0.0, le=50.0, description="I8: ... while its reference sensor moved more than this is stuck [K]"
    )

    @model_validator(mode="after")
    def _order(self):
        if not self.temp_valid_min_c < self.temp_valid_max_c:
            raise ValueError("temp_valid_min_c must be below temp_valid_max_c")
        return self


class HeatingConfig(_Section):
    room_setpoint_c: float = Field(21.0, ge=5, le=28)
    design_outdoor_c: float = Field(-14.0, ge=-30, le=0, description="standard outdoor design temperature")
    design_flow_c: float = Field(45.0, ge=25, le=70, description="flow temperature at the design outdoor temperature")
    curve_exponent: float = Field(1.1, ge=1.0, le=1.5, description="radiator exponent n of the heating curve")
    heating_limit_c: float = Field(
        16.0, ge=5, le=22, description="heating-circuit pumps off above this outdoor temperature"
    )
    heating_limit_hysteresis_k: float = Field(1.0, ge=0.1, le=5)


class HeatPumpConfig(HeatPumpSignals):
    """The heat pump: its contacts and charge pump (``HeatPumpSignals``) and the SG-Ready dwell."""

    min_dwell_s: float = Field(900.0, ge=0, description="minimum time in one SG-Ready state")
    min_release_s: float = Field(
        1200.0,
        ge=0,
        description="least time the heat pump stays released (SG normal/boost) before a block may stop it: "
        "its compressor's minimum run, so that with min_dwell_s it is asked for <= 3 starts an hour",
    )
    comfort_hold_s: float = Field(
        1800.0,
        ge=0,
        description="a room that stays this long below its zone's switch-on point overrides a block (comfort first)",
    )
    block_margin_k: float = Field(
        3.0,
        ge=0,
        description="block the heat pump while buffer top >= heating demand + this; release below the demand",
    )


class RouteConfig(_Section):
    valve_travel_s: float = Field(90.0, gt=0, description="Belimo CQ actuator running time 75 s/90 deg plus margin")
    min_dwell_s: float = Field(300.0, ge=0, description="minimum time between valve moves")
    dhw_priority_max_s: float = Field(
        3600.0,
        gt=0,
        description="longest the heat pump serves hot water in one go; "
        "then the demand drops until the tank falls below its switch-on point",
    )


class HomeAssistantConfig(_Section):
    """What Home Assistant may do besides reading (its broker user is read-only by default)."""

    writable_setpoints: tuple[str, ...] = Field(
        (),
        description="setpoints HA may write (names under setpoints/, e.g. dhw_setpoint_c, mode); each needs "
        "the broker ACL line that docs/COMMUNICATION.md prints for it",
    )


class ThermiqConfig(_Section):
    """The whole site configuration (one TOML file)."""

    site: SiteConfig
    scan: ScanConfig = ScanConfig()
    process_image: ProcessImageConfig = ProcessImageConfig()
    miners: tuple[MinerConfig, ...] = Field(min_length=1, max_length=8)
    energy: EnergyConfig = EnergyConfig()
    limits: LimitsConfig = LimitsConfig()
    heating: HeatingConfig = HeatingConfig()
    heat_pump: HeatPumpConfig
    cabinet: CabinetSignals
    pumps: tuple[PumpInstance, ...] = Field(min_length=1, max_length=16)
    valves: tuple[ValveInstance, ...] = Field((), max_length=16)
    tanks: tuple[TankInstance, ...] = Field(min_length=1, max_length=8)
    miner_loop: MinerLoopConfig
    heating_circuits: tuple[HeatingCircuitInstance, ...] = Field(min_length=1, max_length=8)
    routing: RouteConfig = RouteConfig()
    fieldbus: FieldbusConfig = FieldbusConfig()
    service: ServiceConfig = ServiceConfig()
    home_assistant: HomeAssistantConfig = HomeAssistantConfig()
    mode: Literal["off", "manual", "pv_only", "heat_priority", "auto"] = "auto"
    dispatch: DispatchConfig = DispatchConfig()

    @model_validator(mode="after")
    def _unique_miners(self):
        names = [m.name for m in self.miners]
        if len(set(names)) != len(names):
            raise ValueError(f"miner names must be unique, got {names}")
        return self

    @model_validator(mode="after")
    def _plant_references(self):
        """Instances reference each other by name; every name resolves, no signal has two owners."""
        for kind, items in (
            ("pump", self.pumps),
            ("valve", self.valves),
            ("tank", self.tanks),
            ("heating circuit", self.heating_circuits),
        ):
            names = [i.name for i in items]
            if len(set(names)) != len(names):
                raise ValueError(f"{kind} names must be unique, got {names}")
        roles = [t.role for t in self.tanks]
        for role in ("buffer", "dhw"):
            if roles.count(role) != 1:
                raise ValueError(f"exactly one tank with role {role!r} is needed, got {roles.count(role)}")
        pumps, valves, tanks = ({i.name for i in xs} for xs in (self.pumps, self.valves, self.tanks))

        def need(where: str, name: str | None, pool: set[str], kind: str) -> None:
            if name is not None and name not in pool:
                raise ValueError(f"{where} names {kind} {name!r}, which is not declared (have {sorted(pool)})")

        need("miner_loop.pump", self.miner_loop.pump, pumps, "pump")
        need("miner_loop.valve", self.miner_loop.valve, valves, "valve")
        need("miner_loop.default_tank", self.miner_loop.default_tank, tanks, "tank")
        need("heat_pump.charge_pump", self.heat_pump.charge_pump, pumps, "pump")
        need("heat_pump.valve", self.heat_pump.valve, valves, "valve")
        need("heat_pump.default_tank", self.heat_pump.default_tank, tanks, "tank")
        for v in self.valves:
            need(f"valve {v.name} port_a", v.port_a, tanks, "tank")
            need(f"valve {v.name} port_b", v.port_b, tanks, "tank")
        for c in self.heating_circuits:
            need(f"heating circuit {c.name} pump", c.pump, pumps, "pump")
            need(f"heating circuit {c.name} source_tank", c.source_tank, tanks, "tank")
        owners: dict[str, str] = {}
        for owner, signal in self.signal_owners():
            if signal in owners and owners[signal] != owner:
                raise ValueError(f"signal {signal!r} is claimed by both {owners[signal]} and {owner}")
            owners[signal] = owner
        return self

    @model_validator(mode="after")
    def _trip_margins(self):
        if errors := trip_margin_errors(self):
            raise ValueError("; ".join(errors))
        return self

    def signal_owners(self) -> list[tuple[str, str]]:
        """(instance, I/O-list signal) for every signal an instance claims; outputs and inputs.

        Shared sensors (a loop return used by every miner's delta-T) are claimed once, by the
        instance that declares them.
        """
        out: list[tuple[str, str]] = []
        for m in self.miners:
            out += [
                (f"miner {m.name}", m.contactor_output),
                (f"miner {m.name}", m.contactor_feedback),
                (f"miner {m.name}", m.outlet_temp_signal),
            ]
        out += [(f"pump {p.name}", p.output) for p in self.pumps]
        for v in self.valves:
            out += [(f"valve {v.name}", s) for s in (v.output, v.feedback_a, v.feedback_b) if s]
        for t in self.tanks:
            out += [(f"tank {t.name}", s) for s in t.temp_signals]
        out += [("miner_loop", self.miner_loop.supply_temp_signal), ("miner_loop", self.miner_loop.return_temp_signal)]
        for c in self.heating_circuits:
            out += [
                (f"heating circuit {c.name}", s)
                for s in (c.flow_temp_signal, c.return_temp_signal, c.room_temp_signal)
                if s
            ]
        hp = self.heat_pump
        out += [("heat_pump", s) for s in (hp.sg_in1_output, hp.sg_in4_output, hp.fault_ok_signal) if s]
        cab = self.cabinet
        out += [
            ("cabinet", s)
            for s in (
                cab.heartbeat_output,
                cab.alarm_lamp_output,
                cab.manual_mode_input,
                cab.outdoor_temp_signal,
                *cab.safety_chain_inputs,
            )
            if s
        ]
        return out

    # --- role look-ups: the only way code outside the site file finds a concrete signal -----------

    def tank_by_role(self, role: str) -> TankInstance:
        """The tank playing ``role`` ("buffer" | "dhw"); exactly one exists (checked at load)."""
        for t in self.tanks:
            if t.role == role:
                return t
        raise StopIteration(role)

    @property
    def buffer(self) -> TankInstance:
        return self.tank_by_role("buffer")

    @property
    def dhw(self) -> TankInstance:
        return self.tank_by_role("dhw")

    def tank(self, name: str) -> TankInstance:
        """The tank named ``name``; KeyError if none."""
        for t in self.tanks:
            if t.name == name:
                return t
        raise KeyError(name)

    def pump(self, name: str) -> PumpInstance:
        """The pump named ``name``; KeyError if none."""
        for p in self.pumps:
            if p.name == name:
                return p
        raise KeyError(name)

    def valve(self, name: str) -> ValveInstance:
        """The valve named ``name``; KeyError if none."""
        for v in self.valves:
            if v.name == name:
                return v
        raise KeyError(name)
