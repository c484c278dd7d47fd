"""Frozen, validated parameters of the ASP1 plant model (loaded from ``hardware_sim/asp1_plant.toml``).

Every value that is not from a cited source is marked *assumed* in the TOML file and in the
field description. Units are in the field names. Unknown keys are rejected and every bound is
checked at load time; :class:`PlantParamsError` names the file and the offending key.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from thermiq.config.load import read_toml, validation_lines

WATER_CP_J_KG_K = 4186.0
"""Specific heat capacity of water [J/(kg K)] (value at ~20-60 °C, rounded)."""
WATER_DENSITY_KG_L = 0.99
"""Density of water at ~40-50 °C [kg/L] (rounded)."""

DEFAULT_PARAMS_PATH = Path(__file__).resolve().parents[1] / "asp1_plant.toml"


class PlantParamsError(ValueError):
    """A plant parameter file that cannot be used; the message names the file and the keys."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SimulationParams(_Section):
    """Numerics and site-wide boundary values."""

    max_substep_s: float = Field(5.0, gt=0.0, le=10.0)
    plant_room_temp_c: float = Field(15.0, ge=-10.0, le=35.0)
    utc_offset_h: float = Field(1.0, ge=-12.0, le=14.0)


class TankParams(_Section):
    """One stratified tank (buffer or DHW)."""

    volume_l: float = Field(gt=10.0, le=10000.0)
    layers: int = Field(ge=2, le=50)
    height_m: float = Field(gt=0.2, le=5.0)
    ua_w_k: float = Field(ge=0.0, le=50.0)
    water_conductivity_w_m_k: float = Field(0.6, ge=0.0, le=2.0)
    stb_trip_c: float = Field(95.0, gt=40.0, le=110.0)

    @property
    def layer_mass_kg(self) -> float:
        """Water mass of one layer [kg]."""
        return self.volume_l * WATER_DENSITY_KG_L / self.layers

    @property
    def conduction_w_k(self) -> float:
        """Layer-to-layer conduction G = A * lambda / h_layer [W/K] (Modelica Stratified)."""
        area_m2 = self.volume_l / 1000.0 / self.height_m
        return area_m2 * self.water_conductivity_w_m_k / (self.height_m / self.layers)


class DhwParams(TankParams):
    """The DHW tank plus its cold water and tapping temperatures."""

    cold_water_temp_c: float = Field(10.0, ge=0.0, le=25.0)
    tap_temp_c: float = Field(40.0, ge=25.0, le=60.0)
    sensor_layer: int = Field(1, ge=0)


class MinerLoopParams(_Section):
    """Miner cooling loop, plate heat exchanger and the per-miner water/heat-sink masses."""

    water_volume_l: float = Field(30.0, gt=1.0, le=1000.0)
    p3_flow_kg_s: float = Field(0.30, gt=0.0, le=5.0)
    hx_effectiveness: float = Field(0.85, gt=0.0, le=1.0)
    ua_w_k: float = Field(2.0, ge=0.0, le=100.0)
    stb_trip_c: float = Field(75.0, gt=30.0, le=110.0)
    stb_reset_band_k: float = Field(10.0, ge=0.0, le=50.0)
    miner_heat_capacity_j_k: float = Field(20000.0, gt=100.0, le=1e7)
    thermosiphon_w_k: float = Field(5.0, ge=0.0, le=1000.0)


class MinerParams(_Section):
    """Antminer S19J on Braiins OS, electrical behaviour."""

    power_min_w: float = Field(1700.0, gt=0.0)
    power_max_w: float = Field(3600.0, gt=0.0, le=10000.0)
    nominal_power_w: float = Field(3250.0, gt=0.0)
    ramp_w_per_s: float = Field(30.0, gt=0.0, le=10000.0)
    idle_power_w: float = Field(15.0, ge=0.0, le=500.0)
    boot_time_s: float = Field(120.0, ge=0.0, le=3600.0)
    board_offset_k: float = Field(15.0, ge=0.0, le=60.0)
    board_spread_k: float = Field(1.5, ge=0.0, le=10.0)
    shutdown_board_temp_c: float = Field(110.0, gt=50.0, le=150.0)

    @model_validator(mode="after")
    def _range(self) -> "MinerParams":
        if not self.power_min_w < self.power_max_w:
            raise ValueError("power_min_w must be below power_max_w")
        return self


class HeatPumpParams(_Section):
    """Buderus WLW186i-7 AR: COP/capacity fit, own thermostat, SG-Ready behaviour."""

    flow_kg_s: float = Field(0.33, gt=0.0, le=5.0)
    cop_coef: tuple[float, float, float, float] = (6.6763, 0.35239, -0.083593, -0.0059825)
    cop_min: float = Field(1.0, ge=1.0, le=3.0)
    cop_max: float = Field(8.0, ge=2.0, le=15.0)
    capacity_w_at_0c: float = Field(7119.0, gt=0.0, le=50000.0)
    capacity_slope_w_per_k: float = Field(105.7, ge=0.0, le=2000.0)
    capacity_derate_per_k: float = Field(0.0055, ge=0.0, le=0.05)
    capacity_min_w: float = Field(2000.0, gt=0.0)
    max_flow_temp_c: float = Field(75.0, gt=30.0, le=90.0)
    min_outdoor_temp_c: float = Field(-20.0, ge=-40.0, le=0.0)
    hysteresis_k: float = Field(5.0, gt=0.0, le=20.0)
    min_run_s: float = Field(600.0, ge=0.0, le=7200.0)
    min_off_s: float = Field(300.0, ge=0.0, le=7200.0)
    standby_power_w: float = Field(15.0, ge=0.0, le=200.0)
    buffer_offset_k: float = Field(5.0, ge=0.0, le=20.0)
    dhw_target_c: float = Field(50.0, ge=30.0, le=70.0)
    boost_k: float = Field(5.0, ge=0.0, le=20.0)
    forced_extra_k: float = Field(10.0, ge=0.0, le=30.0)
    room_setpoint_c: float = Field(21.0, ge=10.0, le=28.0)
    design_outdoor_c: float = Field(-14.0, ge=-30.0, le=5.0)
    design_flow_c: float = Field(45.0, ge=25.0, le=75.0)
    curve_exponent: float = Field(1.1, ge=1.0, le=2.0)
    heating_limit_c: float = Field(16.0, ge=5.0, le=25.0)
    min_flow_c: float = Field(25.0, ge=15.0, le=40.0)
    outdoor_damping_tau_s: float = Field(14400.0, gt=0.0, le=7 * 86400.0)

    @model_validator(mode="after")
    def _checks(self) -> "HeatPumpParams":
        if not self.cop_min < self.cop_max:
            raise ValueError("cop_min must be below cop_max")
        if not self.design_outdoor_c < self.room_setpoint_c < self.design_flow_c:
            raise ValueError("need design_outdoor_c < room_setpoint_c < design_flow_c")
        return self


class HouseParams(_Section):
    """1R1C house and its emitters."""

    h_w_k: float = Field(250.0, gt=0.0, le=5000.0)
    c_j_k: float = Field(24e6, gt=1e5, le=1e9)
    internal_gains_w: float = Field(300.0, ge=0.0, le=5000.0)
    solar_gain_w_per_pv_w: float = Field(0.1, ge=0.0, le=2.0)
    emitter_ua_w_k: float = Field(180.0, gt=0.0, le=5000.0)
    emitter_exponent: float = Field(1.3, ge=1.0, le=1.5)
    p5_flow_kg_s: float = Field(0.25, gt=0.0, le=5.0)
    pipe_tau_s: float = Field(600.0, gt=0.0, le=86400.0)


class ElectricalParams(_Section):
    """PV, battery (Deye self-consumption dispatch), household load and pump powers."""

    pv_peak_kwp: float = Field(15.0, ge=0.0, le=1000.0)
    battery_capacity_kwh: float = Field(10.0, gt=0.0, le=1000.0)
    battery_max_charge_w: float = Field(5000.0, ge=0.0, le=100000.0)
    battery_max_discharge_w: float = Field(5000.0, ge=0.0, le=100000.0)
    battery_round_trip_eff: float = Field(0.92, gt=0.5, le=1.0)
    battery_min_soc_pct: float = Field(10.0, ge=0.0, le=90.0)
    battery_nominal_voltage_v: float = Field(51.2, gt=0.0, le=1000.0)
    household_annual_kwh: float = Field(4500.0, ge=0.0, le=100000.0)
    pump_power_w: float = Field(25.0, ge=0.0, le=500.0)


class ValveParams(_Section):
    """RV1/RV2 Belimo change-over valves."""

    travel_s: float = Field(75.0, gt=0.0, le=600.0)


class PlantParams(_Section):
    """All plant parameters. Build with :func:`load_plant_params` or ``PlantParams()`` for defaults."""

    simulation: SimulationParams = SimulationParams()
    buffer: TankParams = TankParams(volume_l=1000.0, layers=6, height_m=2.0, ua_w_k=3.0, stb_trip_c=95.0)
    dhw: DhwParams = DhwParams(volume_l=300.0, layers=3, height_m=1.5, ua_w_k=1.5, stb_trip_c=95.0)
    miner_loop: MinerLoopParams = MinerLoopParams()
    miners: MinerParams = MinerParams()
    heat_pump: HeatPumpParams = HeatPumpParams()
    house: HouseParams = HouseParams()
    electrical: ElectricalParams = ElectricalParams()
    valves: ValveParams = ValveParams()

    @model_validator(mode="after")
    def _stability(self) -> "PlantParams":
        # Explicit Euler substeps must stay well inside the fastest coupling's time constant.
        loop = self.miner_loop
        # worst case: a single miner takes the whole loop flow (N miners share it equally)
        per_miner_g = loop.p3_flow_kg_s * WATER_CP_J_KG_K + loop.thermosiphon_w_k
        tau_miner_s = loop.miner_heat_capacity_j_k / per_miner_g
        loop_c = loop.water_volume_l * WATER_DENSITY_KG_L * WATER_CP_J_KG_K
        loop_g = loop.p3_flow_kg_s * WATER_CP_J_KG_K * (1.0 + loop.hx_effectiveness) + loop.ua_w_k
        tau_min_s = min(tau_miner_s, loop_c / loop_g)
        if self.simulation.max_substep_s > 0.4 * tau_min_s:
            raise ValueError(
                f"simulation.max_substep_s={self.simulation.max_substep_s} exceeds 0.4 x the fastest "
                f"time constant ({tau_min_s:.1f} s) of the miner loop: explicit steps would be unstable"
            )
        if self.buffer.layers < 4:
            raise ValueError("buffer.layers must be >= 4 (stratification needs at least 4 segments)")
        if self.dhw.sensor_layer >= self.dhw.layers:
            raise ValueError("dhw.sensor_layer must be below dhw.layers")
        return self

    @property
    def substep_limit_s(self) -> float:
        """Largest internal substep [s]."""
        return self.simulation.max_substep_s

    def substeps(self, dt_s: float) -> int:
        """Number of internal substeps for an outer step of ``dt_s`` [s]."""
        return max(1, math.ceil(dt_s / self.simulation.max_substep_s - 1e-9))


def parse_plant_params(data: dict, source: str = "<dict>") -> PlantParams:
    """Validate an already parsed TOML table into :class:`PlantParams`.

    Raises
    ------
    PlantParamsError
        Listing every offending key as ``source: section.key: message``.
    """
    try:
        return PlantParams.model_validate(data)
    except ValidationError as err:
        raise PlantParamsError("invalid plant parameters" + validation_lines(err, source)) from None


def load_plant_params(path: str | Path = DEFAULT_PARAMS_PATH) -> PlantParams:
    """Read and validate a plant parameter TOML file.

    Parameters
    ----------
    path : str or Path
        TOML file; default ``hardware_sim/asp1_plant.toml``.

    Raises
    ------
    PlantParamsError
        The file is missing, is not TOML, has unknown keys or a value out of bounds.
    """
    data = read_toml(path, PlantParamsError, "plant parameters")
    return parse_plant_params(data, str(path))
