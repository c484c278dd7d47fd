"""The RevPi process image through revpimodio2, bound by I/O-list names (no offsets in code).

One ``RevPiModIO`` in manual mode (autorefresh off): :meth:`read` = ``readprocimg()`` + decode,
:meth:`write` = set outputs + ``writeprocimg()``. On the PLC ``procimg`` is ``/dev/piControl0``;
on a laptop it is a 4096-byte file (:func:`make_procimg_file`). With ``simulator=True`` the same
class is the plant's side of the file (revpimodio2 swaps inputs and outputs).

Facts (docs/SOURCES.md S-REVPI): the image file must exist and be 4096 bytes (a short file corrupts
buffers silently, §1.3); piControl's output watchdog ioctl ``KB_SET_OUTPUT_WATCHDOG`` = 19226
zeroes all outputs when no ``write()`` arrives in time or the handle closes (§5.4); a blank image
reads RTD 0.0 °C with status 0, so inputs count only while ``RevPiStatus`` bit0
(piControl running) is set (§1.8).

**Freshness (how a frozen image ages).** piControl has no cycle counter in the image, so the
adapter leaves a mark that only a working piControl erases: after every read it writes
:data:`CYCLE_MARK` (0xFF) into the Core's ``RevPiIOCycle`` input byte. Every I/O cycle piControl
copies the Core's driver block (``RevPiStatus``, ``RevPiIOCycle`` = cycle time in ms, ...) into the
image, but only while the piBridge runs and I/O is not stopped (RevolutionPi/piControl
``revpi_core.c``: ``pI1->drv = pI2->drv`` under ``piBridgeRun`` and not ``PICONTROL_DEV_FLAG_STOP_IO``),
and a ``write()`` may land on any offset of the image (``piControlMain.c`` ``piControlWrite``). A
read that still finds the mark proves that piControl has not cycled since the last read; the
signals keep the stamp of the last read that found the mark gone (``stamp_s``), so they age and
the freeze phase makes them stale after ``limits.signal_max_age_s`` (I8). A cycle time of 255 ms
would be indistinguishable from the mark; the piBridge cycles in about 5 ms (KUNBUS
RevolutionPi/benchmark ``pibridge_cycle_time``). The plant simulator
(``hardware_sim.process_image``) plays piControl on a file and rewrites the byte every step.
"""

from __future__ import annotations

import fcntl
import os
import struct
from collections.abc import Mapping
from pathlib import Path

import revpimodio2

from thermiq.clock import Clock, SystemClock
from thermiq.cycle.image import Signal
from thermiq.iomap.codec import decode_current, decode_rtd
from thermiq.iomap.io_list import IoList

PROCESS_IMAGE_SIZE = 4096  #: piControl KB_PI_LEN [bytes]
KB_SET_OUTPUT_WATCHDOG = 19226  #: _IO('K', 26), piControl src/piControl.h
CYCLE_MARK = 0xFF  #: written into RevPiIOCycle after each read; piControl overwrites it
_NOT_RUNNING = Signal(None, 0.0, "status")


class IoBindingError(LookupError):
    """The piCtory configuration lacks I/O names the I/O list needs (all of them are named)."""


def make_procimg_file(path: str | Path, configrsc: str | Path | None = None) -> Path:
    """Create a 4096-byte process-image file (zeros) unless a file of that size exists.

    With ``configrsc`` the piCtory default values are written too, as piControl does at start.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size != PROCESS_IMAGE_SIZE:
        path.write_bytes(bytes(PROCESS_IMAGE_SIZE))
        if configrsc is not None:
            for sim in (False, True):
                rpi = revpimodio2.RevPiModIO(procimg=str(path), configrsc=str(configrsc), simulator=sim, debug=False)
                rpi.setdefaultvalues()
                rpi.writeprocimg()
                rpi.cleanup()
    return path


def open_modio(procimg: str, configrsc: str, simulator: bool):
    try:
        return revpimodio2.RevPiModIO(
            autorefresh=False, procimg=procimg, configrsc=configrsc, simulator=simulator, debug=False
        )
    except FileNotFoundError as err:
        raise FileNotFoundError(f"process image or piCtory file not found: {err.filename}") from None
    except RuntimeError as err:  # revpimodio2: "can not access pictory configuration at ..."
        raise FileNotFoundError(str(err)) from None


def check_binding(rpi, io_list: IoList, configrsc: str) -> None:
    missing = []
    for p in io_list.points:
        for name in (p.signal, p.status_signal):
            if name is not None and name not in rpi.io:
                missing.append(name)
    if missing:
        raise IoBindingError(
            f"{configrsc}: piCtory configuration lacks {len(missing)} I/O name(s) "
            f"the I/O list needs: {', '.join(missing)}"
        )


class RevPiProcessImage:
    """Controller side of the process image.

    Parameters
    ----------
    io_list : IoList            what to bind
    procimg : str               ``/dev/piControl0`` or a 4096-byte file
    configrsc : str             piCtory configuration
    output_watchdog_ms : int    arm piControl's output watchdog (only on a real device; 0 = off)
    clock : Clock               stamps the signals (the runner's clock)

    Raises
    ------
    IoBindingError   the configuration lacks names of the I/O list (all listed)
    FileNotFoundError  image or configuration missing
    """

    def __init__(
        self, io_list: IoList, procimg: str, configrsc: str, output_watchdog_ms: int = 0, clock: Clock = SystemClock()
    ):
        self.clock = clock
        self.rpi = open_modio(procimg, configrsc, simulator=False)
        check_binding(self.rpi, io_list, configrsc)
        io = self.rpi.io
        self._analog = [
            (
                p.signal,
                io[p.signal],
                io[p.status_signal],
                decode_rtd if p.kind == "rtd" else decode_current,
                p.range_lo,
                p.range_hi,
            )
            for p in io_list.analog_inputs
        ]
        self._digital = [(p.signal, io[p.signal]) for p in io_list.inputs if p.kind == "di"]
        self._outputs = {p.signal: io[p.signal] for p in io_list.outputs}
        self._status = io["RevPiStatus"] if "RevPiStatus" in io else None
        self._cycle = io["RevPiIOCycle"] if "RevPiIOCycle" in io else None
        self.stamp_s: float | None = None  #: monotonic time [s] piControl was last seen refreshing the image
        self.on_hardware = bool(getattr(self.rpi, "_run_on_pi", False))
        self.io_running = False  #: RevPiStatus bit0 (piControl running) at the last read
        if self.on_hardware and output_watchdog_ms > 0:
            fcntl.ioctl(self.rpi._myfh, KB_SET_OUTPUT_WATCHDOG, struct.pack("L", output_watchdog_ms))

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(self._outputs)

    def read(self) -> dict[str, Signal]:
        """Read the image and decode every input of the I/O list (invalid is None with a fault).

        Every signal is stamped with :attr:`stamp_s`, the last time piControl was seen refreshing
        the image (see the module docstring); without a Core device in the configuration there is
        no such proof and the stamp is the time of this read.
        """
        self.rpi.readprocimg()
        now_s = self.clock.monotonic()
        self.io_running = self._status is None or bool(self._status.value & 0x01)
        if not self.io_running:
            return {name: _NOT_RUNNING for name, *_ in self._analog} | {name: _NOT_RUNNING for name, _ in self._digital}
        if self._cycle is None or self._cycle.value != CYCLE_MARK:
            self.stamp_s = now_s
            if self._cycle is not None:
                os.pwrite(self.rpi._myfh.fileno(), bytes((CYCLE_MARK,)), self._cycle.address)
        elif self.stamp_s is None:
            self.stamp_s = now_s  # a mark left by an earlier run: age from the first read
        stamp = self.stamp_s
        out: dict[str, Signal] = {}
        for name, value_io, status_io, decode, lo, hi in self._analog:
            value, fault = decode(value_io.value, status_io.value, lo, hi)
            out[name] = Signal(value, 0.0, fault, stamp)
        for name, di in self._digital:
            out[name] = Signal(bool(di.value), 0.0, None, stamp)
        return out

    def write(self, digital: Mapping[str, bool]) -> None:
        """Set every digital output of the I/O list (missing ones go to False) and write the image."""
        for name, do in self._outputs.items():
            do.value = bool(digital.get(name, False))
        self.rpi.writeprocimg()

    def close(self) -> None:
        self.rpi.cleanup()


def default_procimg_path() -> str:
    """A laptop default for the file-backed image: tmpfs when there is one."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp"
    return f"{base}/thermiq-{os.getuid()}.img"
