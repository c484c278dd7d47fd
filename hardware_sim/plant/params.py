"""Frozen, validated parameters of the ASP1 plant model (loaded from ``hardware_sim/asp1_plant.toml``).

Every value that is not from a cited source is marked *assumed* in the TOML file and in the
field description. Units are in the field names. Unknown keys are rejected and every bound is
checked at load time; :class:`PlantParamsError` names the file and the offending key.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

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

    max_substep_s: float = Field(5.0, gt=0.0, le=600.0)
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
    stratified_inlets: bool = Field(True, description="charge/return water enters at the layer of its temperature")

    def layer_at(self, height_m: float) -> int:
        """Index (0 = top) of the layer that contains ``height_m`` above the tank bottom."""
        k = int((self.height_m - height_m) / self.height_m * self.layers)
        return min(self.layers - 1, max(0, k))

    @property
    def layer_mass_kg(self) -> float:
        """Water mass of one layer [kg]."""
        return self.volume_l * WATER_DENSITY_KG_L / self.layers

    @property
    def conduction_w_k(self) -> float:
        """Layer-to-layer conduction G = A * lambda / h_layer [W/K] (Modelica Stratified)."""
        area_m2 = self.volume_l / 1000.0 / self.height_m
        return area_m2 * self.water_conductivity_w_m_k / (self.height_m / self.layers)


class BufferParams(TankParams):
    """The buffer tank and the heights of its sensors [m above the bottom]."""

    top_sensor_height_m: float = Field(1.8, ge=0.0, le=5.0)
    mid_sensor_height_m: float = Field(1.0, ge=0.0, le=5.0)
    bottom_sensor_height_m: float = Field(0.2, ge=0.0, le=5.0)


class DhwParams(TankParams):
    """The DHW tank, its heating coil, cold water and tapping temperatures."""

    cold_water_temp_c: float = Field(10.0, ge=0.0, le=25.0)
    tap_temp_c: float = Field(40.0, ge=25.0, le=60.0)
    dishwashing_tap_temp_c: float = Field(55.0, ge=25.0, le=70.0)
    sensor_height_m: float = Field(0.9, ge=0.0, le=5.0)
    coil_ua_w_k: float = Field(1500.0, gt=0.0, le=20000.0)
    coil_bottom_height_m: float = Field(0.1, ge=0.0, le=5.0)
    coil_top_height_m: float = Field(0.7, ge=0.0, le=5.0)
    draw_day_sigma: float = Field(0.2, ge=0.0, le=0.6)
    draw_shift_max_s: float = Field(1800.0, ge=0.0, le=7200.0)
    draw_seed: int = Field(814, ge=0)

    @property
    def sensor_layer(self) -> int:
        """Layer of the DHW sensor."""
        return self.layer_at(self.sensor_height_m)

    @property
    def coil_layers(self) -> tuple[int, int]:
        """(first, last) layer index of the coil, top first."""
        return self.layer_at(self.coil_top_height_m), self.layer_at(self.coil_bottom_height_m)


class MinerLoopParams(_Section):
    """Miner cooling loop, plate heat exchanger and the per-miner water/heat-sink masses."""

    water_volume_l: float = Field(30.0, gt=1.0, le=1000.0)
    p3_flow_kg_s: float = Field(0.30, gt=0.0, le=5.0)
    hx_ua_w_k: float = Field(2500.0, gt=0.0, le=100000.0)
    secondary_flow_kg_s: float = Field(0.30, gt=0.0, le=5.0)
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
    def _range(self) -> MinerParams:
        if not self.power_min_w < self.power_max_w:
            raise ValueError("power_min_w must be below power_max_w")
        return self


class HeatPumpParams(_Section):
    """Buderus WLW186i-7 AR: performance map from Keymark and datasheet points (see heat_pump.py),
    flow-temperature envelope, modulation, cycling, backup heater, own thermostat, SG-Ready."""

    flow_kg_s: float = Field(0.33, gt=0.0, le=5.0)
    full_load_outdoor_c: tuple[float, ...] = (-10.0, -7.0, 2.0, 7.0)
    full_load_heat_w: tuple[float, ...] = (5860.0, 6710.0, 7090.0, 7970.0)
    full_load_cop: tuple[float, ...] = (2.23, 2.36, 2.83, 3.07)
    full_load_flow_c: float = Field(35.0, ge=20.0, le=60.0)
    capacity_derate_per_k: float = Field(0.0055, ge=0.0, le=0.05)
    condenser_approach_k: float = Field(6.0, ge=0.0, le=30.0)
    evaporator_approach_k: float = Field(8.5, ge=-10.0, le=30.0)
    part_load_ratio_knots: tuple[float, ...] = (0.2, 0.3, 0.5, 0.75, 1.0)
    part_load_cop_factor: tuple[float, ...] = (1.4729, 1.6243, 1.4405, 1.1603, 1.039)
    min_modulation_frac: float = Field(0.232, gt=0.0, le=1.0)
    envelope_outdoor_c: tuple[float, ...] = (-20.0, -10.0)
    envelope_max_flow_c: tuple[float, ...] = (65.0, 75.0)
    charge_margin_k: float = Field(3.0, ge=0.0, le=20.0)
    start_tau_s: float = Field(120.0, ge=0.0, le=3600.0)
    backup_heater_w: float = Field(3000.0, ge=0.0, le=20000.0)
    backup_delay_k_s: float = Field(36000.0, ge=0.0, le=1e7)
    forced_uses_backup: bool = False
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
    def _checks(self) -> HeatPumpParams:
        n = len(self.full_load_outdoor_c)
        if n < 2 or len(self.full_load_heat_w) != n or len(self.full_load_cop) != n:
            raise ValueError("full_load_outdoor_c, full_load_heat_w, full_load_cop need the same length >= 2")
        if list(self.full_load_outdoor_c) != sorted(set(self.full_load_outdoor_c)):
            raise ValueError("full_load_outdoor_c must be strictly increasing")
        if min(self.full_load_heat_w) <= 0.0 or min(self.full_load_cop) < 1.0:
            raise ValueError("full_load_heat_w must be > 0 and full_load_cop >= 1")
        k = self.part_load_ratio_knots
        if len(k) < 2 or len(self.part_load_cop_factor) != len(k) or list(k) != sorted(set(k)) or k[-1] != 1.0:
            raise ValueError("part_load_ratio_knots must increase to 1.0, one part_load_cop_factor each")
        if len(self.envelope_outdoor_c) != len(self.envelope_max_flow_c) or len(self.envelope_outdoor_c) < 1:
            raise ValueError("envelope_outdoor_c and envelope_max_flow_c need the same length")
        if not self.design_outdoor_c < self.room_setpoint_c < self.design_flow_c:
            raise ValueError("need design_outdoor_c < room_setpoint_c < design_flow_c")
        return self

    @property
    def max_flow_temp_c(self) -> float:
        """Highest flow temperature anywhere in the envelope [°C]."""
        return max(self.envelope_max_flow_c)


class WindowParams(_Section):
    """Glazing of one facade (vertical): solar gains = area x g x frame/shading factor x POA."""

    azimuth_deg: float = Field(ge=0.0, lt=360.0)
    area_m2: float = Field(ge=0.0, le=500.0)


class HouseParams(_Section):
    """Two-node house (air + mass), emitters with thermostatic valves, night setback."""

    h_w_k: float = Field(250.0, gt=0.0, le=5000.0)
    c_j_k: float = Field(24e6, gt=1e5, le=1e9)
    air_c_j_k: float = Field(2.0e6, gt=1e4, le=1e8)
    air_outdoor_frac: float = Field(0.4, gt=0.0, lt=1.0)
    air_mass_w_k: float = Field(3000.0, gt=0.0, le=1e5)
    internal_gains_w: float = Field(300.0, ge=0.0, le=5000.0)
    windows: tuple[WindowParams, ...] = ()
    window_g: float = Field(0.6, ge=0.0, le=1.0)
    window_frame_shading_frac: float = Field(0.6, ge=0.0, le=1.0)
    emitter_ua_w_k: float = Field(180.0, gt=0.0, le=5000.0)
    emitter_exponent: float = Field(1.3, ge=1.0, le=1.5)
    p5_flow_kg_s: float = Field(0.25, gt=0.0, le=5.0)
    pipe_tau_s: float = Field(600.0, gt=0.0, le=86400.0)
    trv_band_k: float = Field(2.0, gt=0.0, le=10.0)
    trv_offset_k: float = Field(1.0, ge=-5.0, le=5.0)
    trv_follow_setback: bool = False
    room_setpoint_c: float = Field(21.0, ge=10.0, le=28.0)
    night_setback_k: float = Field(3.0, ge=0.0, le=10.0)
    night_start_h: float = Field(22.0, ge=0.0, lt=24.0)
    night_end_h: float = Field(6.0, ge=0.0, lt=24.0)

    @model_validator(mode="after")
    def _split(self) -> HouseParams:
        if self.air_mass_w_k <= self.h_w_k * (1.0 - self.air_outdoor_frac):
            raise ValueError("air_mass_w_k must exceed h_w_k x (1 - air_outdoor_frac)")
        return self

    @property
    def air_outdoor_w_k(self) -> float:
        """Direct air-to-outdoor conductance (windows, ventilation) [W/K]."""
        return self.h_w_k * self.air_outdoor_frac

    @property
    def mass_outdoor_w_k(self) -> float:
        """Mass-to-outdoor conductance so that the series/parallel total is ``h_w_k`` [W/K]."""
        rest = self.h_w_k - self.air_outdoor_w_k
        return rest * self.air_mass_w_k / (self.air_mass_w_k - rest)

    def night(self, local_hour: float) -> bool:
        """Whether ``local_hour`` lies in the setback period."""
        a, b = self.night_start_h, self.night_end_h
        return (a <= local_hour or local_hour < b) if a > b else (a <= local_hour < b)


class PvArrayParams(_Section):
    """One PV array: orientation (pvlib convention, azimuth 180 = south), size and its inverter.

    ``losses_pct`` is PVGIS' "system loss" (default 14 %); ``mounting`` picks PVGIS' module
    temperature coefficients (``hardware_sim/plant/pv.py``: free-standing or building-integrated).
    """

    tilt_deg: float = Field(ge=0.0, le=90.0)
    azimuth_deg: float = Field(ge=0.0, lt=360.0)
    kwp: float = Field(gt=0.0, le=1000.0)
    inverter_limit_w: float = Field(gt=0.0, le=1e6)
    losses_pct: float = Field(14.0, ge=0.0, le=50.0)
    mounting: Literal["free-standing", "building-integrated"] = "free-standing"


class GridOutageParams(_Section):
    """A scheduled grid outage: local start ``YYYY-MM-DDTHH:MM`` and its length."""

    start_local: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
    hours: float = Field(gt=0.0, le=24.0 * 30)


class ElectricalParams(_Section):
    """PV arrays, battery (Deye self-consumption dispatch), household load, grid outages, pumps."""

    pv_arrays: tuple[PvArrayParams, ...] = (
        PvArrayParams(tilt_deg=35.0, azimuth_deg=177.0, kwp=15.0, inverter_limit_w=12000.0),
    )
    battery_capacity_kwh: float = Field(10.0, gt=0.0, le=1000.0)
    battery_max_charge_w: float = Field(5000.0, ge=0.0, le=100000.0)
    battery_max_discharge_w: float = Field(5000.0, ge=0.0, le=100000.0)
    battery_round_trip_eff: float = Field(0.92, gt=0.5, le=1.0)
    battery_min_soc_pct: float = Field(10.0, ge=0.0, le=90.0)
    backup_restart_soc_pct: float = Field(20.0, ge=0.0, le=100.0)
    battery_nominal_voltage_v: float = Field(51.2, gt=0.0, le=1000.0)
    household_annual_kwh: float = Field(4500.0, ge=0.0, le=100000.0)
    pump_power_w: float = Field(25.0, ge=0.0, le=500.0)
    grid_outages: tuple[GridOutageParams, ...] = ()

    @property
    def pv_peak_kwp(self) -> float:
        """Sum of the arrays' peak power [kWp]."""
        return sum(a.kwp for a in self.pv_arrays)


class SiteParams(_Section):
    """Where the plant is; the weather file's point is compared with it (boundary.py)."""

    latitude_deg: float = Field(48.64, ge=-90.0, le=90.0)
    longitude_deg: float = Field(11.20, ge=-180.0, le=180.0)
    elevation_m: float = Field(490.0, ge=-500.0, le=6000.0)
    temperature_lapse_k_per_km: float = Field(6.5, ge=0.0, le=10.0)
    albedo: float = Field(0.2, ge=0.0, le=1.0)


class DumpParams(_Section):
    """Optional dump heat sink (dry cooler) on the miner loop, opened by its own thermostat."""

    enabled: bool = False
    ua_w_k: float = Field(300.0, ge=0.0, le=100000.0)
    open_temp_c: float = Field(60.0, ge=20.0, le=100.0)
    band_k: float = Field(5.0, gt=0.0, le=30.0)
    fan_power_w: float = Field(80.0, ge=0.0, le=5000.0)


class ValveParams(_Section):
    """RV1/RV2 Belimo change-over valves."""

    travel_s: float = Field(75.0, gt=0.0, le=600.0)


class ForecastParams(_Section):
    """Tomorrow's PV forecast the house's forecast service would send (MQTT setpoint
    ``pv_forecast_tomorrow_kwh``): the weather file's own next-day PV times ``1 + bias + e``, with
    ``e`` drawn once per local day from N(0, ``sigma``) (``hardware_sim.inputs.forecast_inputs``).
    Day-ahead PV forecasts for single sites err by roughly 20-40 % of the daily energy (RMSE),
    so ``sigma = 0.2`` is an optimistic default."""

    enabled: bool = Field(True, description="send a forecast at all (off: the battery threshold never falls)")
    sigma: float = Field(0.2, ge=0.0, le=2.0, description="relative day-to-day error (standard deviation)")
    bias: float = Field(0.0, ge=-1.0, le=5.0, description="relative bias (+1: forecasts twice the PV)")
    seed: int = Field(1, description="seed of the error draw (same seed, same forecast)")


class OperatorParams(_Section):
    """The simulated operator (``hardware_sim.operator``): acknowledges and resets a latched trip
    ``delay_s`` after its cause cleared. Off by default, as in the cabinet; a study that turns it
    on counts the resets a person would have made (report: operator resets)."""

    enabled: bool = Field(False, description="reset cleared trips at all")
    delay_s: float = Field(3600.0, ge=0.0, le=7 * 86400.0, description="from cause cleared to ack + reset [s]")


class PlantParams(_Section):
    """All plant parameters. Build with :func:`load_plant_params` or ``PlantParams()`` for defaults."""

    simulation: SimulationParams = SimulationParams()
    site: SiteParams = SiteParams()
    buffer: BufferParams = BufferParams(volume_l=1000.0, layers=20, height_m=2.0, ua_w_k=3.0, stb_trip_c=95.0)
    dhw: DhwParams = DhwParams(volume_l=300.0, layers=12, height_m=1.5, ua_w_k=1.5, stb_trip_c=95.0)
    miner_loop: MinerLoopParams = MinerLoopParams()
    miners: MinerParams = MinerParams()
    heat_pump: HeatPumpParams = HeatPumpParams()
    house: HouseParams = HouseParams()
    electrical: ElectricalParams = ElectricalParams()
    valves: ValveParams = ValveParams()
    dump: DumpParams = DumpParams()
    forecast: ForecastParams = ForecastParams()
    operator: OperatorParams = OperatorParams()

    @model_validator(mode="after")
    def _stability(self) -> PlantParams:
        # Explicit Euler substeps must stay well inside the fastest coupling's time constant.
        loop = self.miner_loop
        # worst case: a single miner takes the whole loop flow (N miners share it equally)
        per_miner_g = loop.p3_flow_kg_s * WATER_CP_J_KG_K + loop.thermosiphon_w_k
        tau_miner_s = loop.miner_heat_capacity_j_k / per_miner_g
        loop_c = loop.water_volume_l * WATER_DENSITY_KG_L * WATER_CP_J_KG_K
        loop_g = loop.p3_flow_kg_s * WATER_CP_J_KG_K * 2.0 + loop.ua_w_k
        tau_min_s = min(tau_miner_s, loop_c / loop_g)
        if self.simulation.max_substep_s > 0.4 * tau_min_s:
            raise ValueError(
                f"simulation.max_substep_s={self.simulation.max_substep_s} exceeds 0.4 x the fastest "
                f"time constant ({tau_min_s:.1f} s) of the miner loop: explicit steps would be unstable"
            )
        # explicit advection in the tanks needs a Courant number below 1 for the largest flows
        h = self.simulation.max_substep_s
        buf_flow = max(self.heat_pump.flow_kg_s + self.miner_loop.secondary_flow_kg_s, self.house.p5_flow_kg_s)
        for name, flow, layer_kg in (
            ("buffer", buf_flow, self.buffer.layer_mass_kg),
            ("dhw", 0.1, self.dhw.layer_mass_kg),
        ):  # 6 l/min shower
            if flow * h / layer_kg > 0.9:
                raise ValueError(
                    f"simulation.max_substep_s={h} moves more than 0.9 of a {name} layer per "
                    f"substep ({flow} kg/s into {layer_kg:.1f} kg layers): use fewer layers or a "
                    f"shorter substep"
                )
        if self.buffer.layers < 4:
            raise ValueError("buffer.layers must be >= 4 (stratification needs at least 4 segments)")
        for tank_name, tank in (("buffer", self.buffer), ("dhw", self.dhw)):
            for key, value in tank:
                if key.endswith("height_m") and key != "height_m" and value > tank.height_m:
                    raise ValueError(f"{tank_name}.{key}={value} is above the tank height {tank.height_m} m")
        if self.dhw.coil_bottom_height_m >= self.dhw.coil_top_height_m:
            raise ValueError("dhw.coil_bottom_height_m must be below dhw.coil_top_height_m")
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
