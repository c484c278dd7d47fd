"""Proposed ``[fieldbus]`` section: the RS485 line, its meters and inverter, and the miner links.

Frozen pydantic models with unknown keys rejected, like :mod:`thermiq.config.schema`.
``ThermiqConfig.fieldbus`` holds it (``[fieldbus]`` in the site TOML).
Times are seconds on the monotonic clock.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from thermiq.config.base import Section as _Section


class Rs485Config(_Section):
    """The one RS485 line and its master's schedule (OpenEMS defaults: 1 s timeout, 1 retry)."""

    port: str = Field(
        "/dev/ttyRS485",
        description="serial device (RTU), tcp://host:port (Modbus TCP) "
        "or rtu-tcp://host:port (RTU framing over a TCP gateway)",
    )
    baudrate: int = Field(9600, ge=1200, le=115200, description="Deye and Eastron default 9600 8N1")
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    period_s: float = Field(1.0, gt=0.05, le=60, description="one pass over every device")
    timeout_s: float = Field(0.5, gt=0.01, le=10, description="reply timeout per request")
    retries: int = Field(1, ge=0, le=5, description="extra attempts per poll before it counts as failed")
    gap_s: float = Field(0.02, ge=0, le=1, description="silence between requests (OpenEMS PR #3099: 25 ms)")
    backoff_step_s: float = Field(2.0, ge=0, le=60, description="skip time added per consecutive failure")
    backoff_max_s: float = Field(30.0, ge=0, le=600, description="longest skip of a silent device")
    invalid_after_failures: int = Field(
        1,
        ge=1,
        le=10,
        description="failed polls before values turn invalid "
        "(how old a value may be: scan.inverter_max_age_s, scan.meter_max_age_s)",
    )

    @model_validator(mode="after")
    def _port(self):
        p = self.port
        if not (p.startswith("/") or p.startswith("tcp://") or p.startswith("rtu-tcp://")):
            raise ValueError(f"port {p!r} must be a device path, tcp://host:port or rtu-tcp://host:port")
        return self


class MeterBusConfig(_Section):
    """One energy meter on the line."""

    name: str = Field(pattern=r"^[a-z0-9_]+$", description="meter name in ProcessImage.meters")
    model: str = Field(
        description="bundled map (eastron_sdm630, eastron_sdm72d_m, carlo_gavazzi_em24) or a path to a map .toml"
    )
    unit_id: int = Field(ge=1, le=247)
    role: Literal["miners", "heat_pump", "house", "other"] = Field(
        "other", description="what the meter measures (the dashboard's energy flow and HA's Energy view use it)"
    )
    label: str = Field("", description="plain-words name for the HMI, e.g. 'heat pump'")


class InverterBusConfig(_Section):
    """The Deye on the line, read through sunsynk, and the site's sign corrections."""

    kind: Literal["single-phase", "single-phase-16kw", "three-phase", "three-phase-hv"] = "single-phase"
    unit_id: int = Field(1, ge=1, le=247)
    grid_source: Literal["inverter", "ct"] = Field(
        "inverter", description="grid power from the inverter (reg 169/625) or its external CT (reg 172/619)"
    )
    invert_grid: bool = Field(False, description="CT mounted the wrong way round")
    invert_battery: bool = False
    invert_load: bool = False


class MinerLinkConfig(_Section):
    """How the Braiins OS links poll and command the miners."""

    poll_period_s: float = Field(2.0, gt=0.05, le=60)
    call_deadline_s: float = Field(2.0, gt=0.01, le=30, description="gRPC deadline of every call")
    min_change_interval_s: float = Field(
        30.0, ge=0, le=3600, description="at most one power-target change per this time (evcc-braiins v1.8.5: 30 s)"
    )
    invalid_after_failures: int = Field(
        2,
        ge=1,
        le=10,
        description="failed polls before the miner is unreachable (how old telemetry may be: scan.miner_max_age_s)",
    )
    power_valid_max_w: float = Field(10000.0, gt=0, description="reported power above this is implausible")
    temp_valid_max_c: float = Field(150.0, gt=0, description="reported temperature above this is implausible")


class FieldbusConfig(_Section):
    """Everything ThermIQ needs to reach its field devices."""

    rs485: Rs485Config = Rs485Config()
    meters: tuple[MeterBusConfig, ...] = ()
    inverter: InverterBusConfig | None = InverterBusConfig()
    miner_link: MinerLinkConfig = MinerLinkConfig()

    @model_validator(mode="after")
    def _unique(self):
        names = [m.name for m in self.meters]
        units = [m.unit_id for m in self.meters] + ([self.inverter.unit_id] if self.inverter else [])
        if len(set(names)) != len(names) or "inverter" in names:
            raise ValueError(f"meter names must be unique and not 'inverter', got {names}")
        if len(set(units)) != len(units):
            raise ValueError(f"unit ids on one line must be unique, got {units}")
        return self
