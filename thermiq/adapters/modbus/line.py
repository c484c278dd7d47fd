"""Build the RS485 line from configuration: one client, its meters and the Deye, one master."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.framer import FramerType

from thermiq.adapters.fieldbus import BusMaster, BusTiming
from thermiq.adapters.inverter.deye import BusInverterSource, DeyeInverter
from thermiq.adapters.inverter.signs import SignConvention
from thermiq.adapters.modbus.meter import BusMeterSource, ModbusMeter
from thermiq.adapters.modbus.regmap import load_map
from thermiq.clock import Clock, SystemClock
from thermiq.config.fieldbus import FieldbusConfig, Rs485Config
from thermiq.cycle.image import InverterSnapshot


def client_factory(cfg: Rs485Config) -> Callable[[], Any]:
    """A maker of unconnected pymodbus async clients for ``cfg.port``.

    ``/dev/…`` → RTU on the serial port; ``tcp://h:p`` → Modbus TCP; ``rtu-tcp://h:p`` → RTU
    framing over TCP (serial gateway). pymodbus' own retries and reconnects are off: the
    bus master owns retries and back-off.
    """
    common = dict(timeout=cfg.timeout_s, retries=0, reconnect_delay=0)
    if cfg.port.startswith("/"):
        return lambda: AsyncModbusSerialClient(
            cfg.port,
            framer=FramerType.RTU,
            baudrate=cfg.baudrate,
            parity=cfg.parity,
            stopbits=cfg.stopbits,
            bytesize=8,
            **common,
        )
    url = urlparse(cfg.port)
    framer = FramerType.RTU if url.scheme == "rtu-tcp" else FramerType.SOCKET
    return lambda: AsyncModbusTcpClient(url.hostname, port=url.port or 502, framer=framer, **common)


def timing_of(cfg: Rs485Config) -> BusTiming:
    """The :class:`BusTiming` of a configured line."""
    return BusTiming(
        cfg.period_s,
        cfg.timeout_s,
        cfg.retries,
        cfg.gap_s,
        cfg.backoff_step_s,
        cfg.backoff_max_s,
        cfg.invalid_after_failures,
    )


class NoInverter:
    """InverterSource of a site without a Modbus inverter: always the empty (invalid) snapshot."""

    def snapshot(self) -> InverterSnapshot:
        return InverterSnapshot()


@dataclass
class Rs485Line:
    """The started line: its master, a MeterSource and an InverterSource over it."""

    bus: BusMaster
    meters: BusMeterSource
    inverter: BusInverterSource | NoInverter

    def close(self) -> None:
        self.bus.close()


def build_line(cfg: FieldbusConfig, clock: Clock = SystemClock(), start: bool = True) -> Rs485Line:
    """Build (and by default start) the RS485 master with every configured device.

    Raises
    ------
    thermiq.adapters.modbus.regmap.RegisterMapError
        If a meter's map cannot be loaded.
    """
    # pymodbus logs every timeout at ERROR on its own; the bus master already logs a device
    # once when it turns invalid, with its name: keep pymodbus to real failures of itself
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    devices: list = []
    inv_cfg = cfg.inverter
    if inv_cfg is not None:
        devices.append(DeyeInverter("inverter", inv_cfg.kind, inv_cfg.unit_id, cfg.rs485.timeout_s))
    for m in cfg.meters:
        devices.append(ModbusMeter(m.name, load_map(m.model), m.unit_id))
    bus = BusMaster(client_factory(cfg.rs485), devices, timing_of(cfg.rs485), clock, name=cfg.rs485.port)
    if start:
        bus.start()
    inverter: BusInverterSource | NoInverter = NoInverter()
    if inv_cfg is not None:
        conv = SignConvention(inv_cfg.grid_source, inv_cfg.invert_grid, inv_cfg.invert_battery, inv_cfg.invert_load)
        inverter = BusInverterSource(bus, "inverter", conv)
    return Rs485Line(bus, BusMeterSource(bus, [m.name for m in cfg.meters]), inverter)
