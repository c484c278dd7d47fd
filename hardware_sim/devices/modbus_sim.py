"""Simulated RS485 devices: energy meters and a Deye inverter behind one pymodbus server.

One :class:`ModbusDeviceSim` holds every device of the line (each at its own unit id) and
serves them over Modbus TCP and/or Modbus RTU on a serial port (a socat pty end, see
:mod:`hardware_sim.devices.pty_pair`). The closed-loop harness sets the registers from
plant values with :meth:`ModbusDeviceSim.update`; it never imports the plant model.

Faults per device (:meth:`ModbusDeviceSim.set_fault`):
``"silent"`` (no reply at all), ``"exception"`` (Modbus exception code 4, slave failure),
``"garbage"`` (the reply bytes are replaced with noise), ``None`` (healthy).
"""

from __future__ import annotations

import asyncio
import collections
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.exceptions import NoSuchSlaveException
from pymodbus.framer import FramerType
from pymodbus.server import ModbusSerialServer, ModbusTcpServer

from hardware_sim.devices.deye_regs import DeyeRegisters
from thermiq.adapters.modbus.regmap import encode_value, load_map

FAULTS = (None, "silent", "exception", "garbage")
_SIZE = 1024  # registers per device image (Deye three-phase goes up to 708)


@dataclass(frozen=True)
class SimMeterSpec:
    """A simulated meter: name, bundled map name (e.g. ``"eastron_sdm630"``), unit id."""

    name: str
    model: str
    unit_id: int


class _Slave(ModbusSlaveContext):
    """One device image; answers with an exception code while its fault says so."""

    def __init__(self, lock: threading.Lock) -> None:
        block = ModbusSequentialDataBlock(1, [0] * _SIZE)  # +1: pymodbus adds 1 to PDU addresses
        # di= must be passed or pymodbus 3.9.2 ignores hr/ir (docs/SOURCES.md S-HARDWARE)
        super().__init__(
            di=ModbusSequentialDataBlock(1, [0] * 8), co=ModbusSequentialDataBlock(1, [0] * 8), ir=block, hr=block
        )
        self.fault: str | None = None
        self._lock = lock

    async def async_getValues(self, fc_as_hex, address, count=1):
        if self.fault == "exception":
            return 4  # SLAVE_FAILURE
        with self._lock:
            return self.getValues(fc_as_hex, address, count)

    def write(self, regs: Mapping[int, int]) -> None:
        with self._lock:
            for addr, word in regs.items():
                self.setValues(3, addr, [word])


class _Context(ModbusServerContext):
    def __getitem__(self, slave):
        ctx = super().__getitem__(slave)
        if getattr(ctx, "fault", None) == "silent":
            raise NoSuchSlaveException(f"unit {slave} is silent")
        return ctx


class ModbusDeviceSim:
    """The devices of one RS485 line.

    Parameters
    ----------
    meters : meters on the line.
    inverter_kind : sunsynk definitions of the Deye (``None``: no inverter).
    inverter_unit : unit id of the Deye (its default is 1).
    invert_ct : the Deye's external CT counts the wrong way round.

    Raises
    ------
    ValueError
        On duplicate names or unit ids, or an unknown meter model.
    """

    def __init__(
        self,
        meters: Sequence[SimMeterSpec] = (),
        inverter_kind: str | None = "single-phase",
        inverter_unit: int = 1,
        invert_ct: bool = False,
        seed: int = 0,
    ) -> None:
        self._lock = threading.Lock()
        self._slaves: dict[int, _Slave] = {}
        self._units: dict[str, int] = {}
        self._maps = {}
        self.deye = DeyeRegisters(inverter_kind, invert_ct) if inverter_kind else None
        if self.deye is not None:
            self._add("inverter", inverter_unit)
            self._slaves[inverter_unit].write(self.deye.initial())
        for m in meters:
            self._maps[m.name] = load_map(m.model)
            self._add(m.name, m.unit_id)
        self.context = _Context(slaves=self._slaves, single=False)
        self._rng = random.Random(seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list = []
        #: unit ids of the requests served, oldest first (bounded)
        self.request_log: collections.deque[int] = collections.deque(maxlen=2000)

    def _add(self, name: str, unit: int) -> None:
        if name in self._units or unit in self._slaves:
            raise ValueError(f"duplicate device {name!r} or unit id {unit}")
        if not 1 <= unit <= 247:
            raise ValueError(f"{name}: unit id {unit} must be 1..247")
        self._units[name] = unit
        self._slaves[unit] = _Slave(self._lock)

    @property
    def devices(self) -> dict[str, int]:
        """Device name -> unit id."""
        return dict(self._units)

    def update(self, values: Mapping[str, float]) -> None:
        """Set registers from plant values keyed ``"<device>.<quantity>"``.

        Meter quantities are the names of the meter's map (``house.power_w``,
        ``house.import_energy_kwh`` …); inverter quantities are
        :data:`hardware_sim.devices.deye_regs.PLANT_NAMES` (``inverter.pv_power_w`` …).

        Raises
        ------
        ValueError
            Naming the first bad key or value; no register changes then.
        """
        staged: dict[int, dict[int, int]] = {}
        per_device: dict[str, dict[str, float]] = {}
        for key, value in values.items():
            dev, _, qty = key.partition(".")
            if dev not in self._units or not qty:
                raise ValueError(f"unknown device value {key!r}; devices: {sorted(self._units)}")
            per_device.setdefault(dev, {})[qty] = float(value)
        for dev, qtys in per_device.items():
            unit = self._units[dev]
            if dev == "inverter":
                staged[unit] = self.deye.encode(qtys)
                continue
            specs = {s.name: s for s in self._maps[dev].registers}
            regs: dict[int, int] = {}
            for qty, value in qtys.items():
                if qty not in specs:
                    raise ValueError(f"{dev}: no quantity {qty!r} in its map; has {sorted(specs)}")
                words = encode_value(specs[qty], value)
                regs.update(zip(range(specs[qty].address, specs[qty].address + len(words)), words))
            staged[unit] = regs
        for unit, regs in staged.items():
            self._slaves[unit].write(regs)

    def set_fault(self, device: str, fault: str | None) -> None:
        """Inject ``fault`` (one of :data:`FAULTS`) into ``device``.

        Raises
        ------
        ValueError
            For an unknown device or fault.
        """
        if device not in self._units:
            raise ValueError(f"unknown device {device!r}; devices: {sorted(self._units)}")
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; faults: {FAULTS}")
        self._slaves[self._units[device]].fault = fault

    # -- serving --------------------------------------------------------------------------
    def _trace(self, rtu: bool):
        def trace(sending: bool, data: bytes) -> bytes:
            if not sending or len(data) < 2:
                return data
            unit = data[0] if rtu else (data[6] if len(data) > 6 else 0)
            slave = self._slaves.get(unit)
            if slave is not None and slave.fault == "garbage":
                return bytes(self._rng.randrange(256) for _ in range(len(data)))
            return data

        return trace

    def _trace_pdu(self, sending: bool, pdu):
        if not sending:
            self.request_log.append(pdu.dev_id)
        return pdu

    def start(
        self, tcp_port: int | None = None, serial_port: str | None = None, baudrate: int = 9600
    ) -> ModbusDeviceSim:
        """Serve on 127.0.0.1:``tcp_port`` and/or the serial device ``serial_port`` (own thread).

        Raises
        ------
        ValueError
            If neither is given.
        OSError
            If a port cannot be opened (in use, no such serial device).
        """
        if tcp_port is None and serial_port is None:
            raise ValueError("give tcp_port and/or serial_port")
        ready = threading.Event()
        errors: list[str] = []

        async def open_servers() -> None:
            if tcp_port is not None:
                self._servers.append(
                    ModbusTcpServer(
                        self.context,
                        address=("127.0.0.1", tcp_port),
                        ignore_missing_slaves=True,
                        trace_packet=self._trace(False),
                        trace_pdu=self._trace_pdu,
                    )
                )
            if serial_port is not None:
                self._servers.append(
                    ModbusSerialServer(
                        self.context,
                        framer=FramerType.RTU,
                        port=serial_port,
                        baudrate=baudrate,
                        ignore_missing_slaves=True,
                        trace_packet=self._trace(True),
                        trace_pdu=self._trace_pdu,
                    )
                )
            for srv in self._servers:
                await srv.serve_forever(background=True)
                if not srv.transport:
                    errors.append(f"cannot open {srv.comm_params.comm_name}")

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(open_servers())
            except Exception as err:  # reported to the caller of start()
                errors.append(f"{type(err).__name__}: {err}")
            ready.set()
            if not errors:
                loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="modbus-sim", daemon=True)
        self._thread.start()
        ready.wait(10.0)
        if errors:
            self._thread.join(5.0)
            self._loop = None
            self._servers = []
            raise OSError(f"simulated Modbus devices cannot serve: {'; '.join(errors)}")
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            for srv in self._servers:
                await srv.shutdown()
            loop.stop()

        if loop.is_running():
            asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(5.0)
        self._loop = None
        self._servers = []
