"""The design study's process image in memory: same byte layout, same binding, same codec.

``thermiq sim`` runs the plant and the controller in one process, so the image need not go
through a file and revpimodio2 on every scan. :class:`MemoryImage` takes the byte offsets of
every I/O-list signal from the piCtory file once (through revpimodio2, exactly as the cabinet
binds them), then both sides work on one 4096-byte ``bytearray``:

* :attr:`MemoryImage.plant` writes the sensors as the AIO/DIO modules encode them
  (``thermiq.iomap.codec.encode_rtd`` / ``encode_current``) and reads the outputs;
* :attr:`MemoryImage.controller` is what the runner scans: ``read()`` decodes every input
  with the controller's codec (``decode_rtd`` / ``decode_current``: open RTD, NE 43) into
  :class:`~thermiq.cycle.image.Signal`, ``write()`` sets the output bits. Freshness works as in
  ``RevPiProcessImage``: after each read it leaves ``CYCLE_MARK`` in ``RevPiIOCycle``, which the
  plant (playing piControl) overwrites on every write; a read that still finds the mark keeps
  the stamp of the last fresh read, so a plant that stops writing makes the signals age (I8).

The controller side has the interface of ``RevPiProcessImage`` (``read``, ``write``,
``io_running``, ``output_names``, ``close``); the plant side that of ``PlantProcessImage``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from thermiq.adapters.revpi.process_image import CYCLE_MARK, check_binding, make_procimg_file, open_modio
from thermiq.clock import Clock, SystemClock
from thermiq.cycle.image import Signal
from thermiq.iomap.codec import decode_current, decode_rtd, encode_current, encode_rtd
from thermiq.iomap.io_list import IoList

IMAGE_BYTES = 4096
_NOT_RUNNING = Signal(None, 0.0, "io_not_running")


def _int_at(io) -> tuple[int, int, bool]:
    return io.address, io.length, bool(getattr(io, "signed", False))


def _bit_at(io) -> tuple[int, int]:
    bit = io._bitaddress
    return io.address + bit // 8, 1 << (bit % 8)


class _Layout:
    """Byte offsets of the I/O list's signals in the piCtory image (read once)."""

    def __init__(self, io_list: IoList, configrsc: str):
        with tempfile.TemporaryDirectory() as tmp:
            img = make_procimg_file(Path(tmp) / "procimg.bin", configrsc)
            rpi = open_modio(str(img), str(configrsc), simulator=True)
            try:
                check_binding(rpi, io_list, str(configrsc))
                io = rpi.io
                self.analog = [
                    (p.signal, _int_at(io[p.signal]), _int_at(io[p.status_signal]), p.kind, p.range_lo, p.range_hi)
                    for p in io_list.analog_inputs
                ]
                self.digital = [(p.signal, *_bit_at(io[p.signal])) for p in io_list.inputs if p.kind == "di"]
                self.outputs = [(p.signal, *_bit_at(io[p.signal])) for p in io_list.outputs]
                self.status = _int_at(io["RevPiStatus"]) if "RevPiStatus" in io else None
                self.cycle = _int_at(io["RevPiIOCycle"]) if "RevPiIOCycle" in io else None
                rpi.writeprocimg()  # the modules' default bytes: the image starts as piControl's would
                self.initial = Path(img).read_bytes()[:IMAGE_BYTES].ljust(IMAGE_BYTES, b"\0")
            finally:
                rpi.cleanup()


class ControllerSide:
    """What the runner scans (interface of ``RevPiProcessImage``)."""

    def __init__(self, buf: bytearray, layout: _Layout, clock: Clock):
        self._buf = buf
        self.clock = clock
        self._status = layout.status
        self._cycle = layout.cycle
        self.stamp_s: float | None = None  #: monotonic time [s] the plant was last seen refreshing the image
        self._analog = [
            (name, v[0], v[1], v[2], s[0], decode_rtd if kind == "rtd" else decode_current, lo, hi)
            for name, v, s, kind, lo, hi in layout.analog
        ]
        self._digital = layout.digital
        self._outputs = {name: (addr, mask) for name, addr, mask in layout.outputs}
        self.io_running = False

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(self._outputs)

    def read(self) -> dict[str, Signal]:
        """Decode every input of the I/O list (invalid is None with a fault)."""
        buf = self._buf
        st = self._status
        now_s = self.clock.monotonic()
        self.io_running = st is None or bool(buf[st[0]] & 0x01)
        if not self.io_running:
            return {a[0]: _NOT_RUNNING for a in self._analog} | {d[0]: _NOT_RUNNING for d in self._digital}
        cyc = self._cycle
        if cyc is None or buf[cyc[0]] != CYCLE_MARK:
            self.stamp_s = now_s
            if cyc is not None:
                buf[cyc[0]] = CYCLE_MARK
        elif self.stamp_s is None:
            self.stamp_s = now_s
        stamp = self.stamp_s
        out: dict[str, Signal] = {}
        from_bytes = int.from_bytes
        for name, addr, length, signed, st_addr, decode, lo, hi in self._analog:
            value, fault = decode(from_bytes(buf[addr : addr + length], "little", signed=signed), buf[st_addr], lo, hi)
            out[name] = Signal(value, 0.0, fault, stamp)
        for name, addr, mask in self._digital:
            out[name] = Signal(bool(buf[addr] & mask), 0.0, None, stamp)
        return out

    def write(self, digital: Mapping[str, bool]) -> None:
        """Set every digital output of the I/O list (missing ones go to False)."""
        buf = self._buf
        get = digital.get
        for name, (addr, mask) in self._outputs.items():
            if get(name, False):
                buf[addr] |= mask
            else:
                buf[addr] &= ~mask & 0xFF

    def close(self) -> None:
        return None


class PlantSide:
    """The plant's side (interface of ``hardware_sim.process_image.PlantProcessImage``)."""

    def __init__(self, buf: bytearray, layout: _Layout):
        self._buf = buf
        self._analog = [(name, v, s[0], kind == "rtd", lo, hi) for name, v, s, kind, lo, hi in layout.analog]
        self._digital = layout.digital
        self._outputs = layout.outputs
        self._status = layout.status
        self._cycle = layout.cycle

    def write_inputs(self, values: Mapping[str, float | bool], faults: Mapping[str, str] | None = None) -> None:
        """Encode sensor values as the modules would (``faults``: signal -> "open" | "short")."""
        buf = self._buf
        faults = faults or {}
        get, fget = values.get, faults.get
        for name, (addr, length, signed), st_addr, rtd, lo, hi in self._analog:
            v, fault = get(name), fget(name)
            raw, status = encode_rtd(v, fault) if rtd else encode_current(v, lo, hi, fault)
            buf[addr : addr + length] = raw.to_bytes(length, "little", signed=signed)
            buf[st_addr] = status
        for name, addr, mask in self._digital:
            if name in values:
                if values[name]:
                    buf[addr] |= mask
                else:
                    buf[addr] &= ~mask & 0xFF
        if self._status is not None:
            buf[self._status[0]] = 0x01  # piControl running
        if self._cycle is not None:
            buf[self._cycle[0]] = 5  # piBridge cycle [ms] of Connect + DIO + AIO

    def read_outputs(self) -> dict[str, bool]:
        buf = self._buf
        return {name: bool(buf[addr] & mask) for name, addr, mask in self._outputs}

    def close(self) -> None:
        return None


class MemoryImage:
    """One in-memory process image with the piCtory layout of ``configrsc``; ``plant`` and
    ``controller`` are its two sides; ``clock`` stamps the controller's reads (the runner's clock).

    Raises
    ------
    IoBindingError  the piCtory file lacks names of the I/O list (as the cabinet would)
    """

    def __init__(self, io_list: IoList, configrsc: str | Path, clock: Clock = SystemClock()):
        layout = _Layout(io_list, str(configrsc))
        self.buffer = bytearray(layout.initial)
        self.plant = PlantSide(self.buffer, layout)
        self.controller = ControllerSide(self.buffer, layout, clock)
