"""The plant's side of the file-backed process image (revpimodio2 ``simulator=True``).

The simulator writes the controller's inputs exactly as the DIO/AIO modules would encode them
and reads the controller's outputs, so the controller code cannot tell the laptop from the
cabinet (docs/SOURCES.md S-REVPI).
"""

from __future__ import annotations

from collections.abc import Mapping

from thermiq.adapters.revpi.process_image import check_binding, open_modio
from thermiq.iomap.codec import encode_current, encode_rtd
from thermiq.iomap.io_list import IoList


class PlantProcessImage:
    """Plant (simulator) side of a file-backed image: writes the controller's inputs, reads its outputs.

    Uses revpimodio2's ``simulator=True`` mode, so the bytes are exactly what the AIO/DIO would show.
    """

    def __init__(self, io_list: IoList, procimg: str, configrsc: str):
        self.rpi = open_modio(procimg, configrsc, simulator=True)
        check_binding(self.rpi, io_list, configrsc)
        io = self.rpi.io
        self._analog = [
            (p.signal, io[p.signal], io[p.status_signal], p.kind, p.range_lo, p.range_hi) for p in io_list.analog_inputs
        ]
        self._digital = {p.signal: io[p.signal] for p in io_list.inputs if p.kind == "di"}
        self._outputs = [(p.signal, io[p.signal]) for p in io_list.outputs]
        self._status = io["RevPiStatus"] if "RevPiStatus" in io else None
        self._cycle = io["RevPiIOCycle"] if "RevPiIOCycle" in io else None

    def write_inputs(self, values: Mapping[str, float | bool], faults: Mapping[str, str] | None = None) -> None:
        """Encode sensor values (°C / bool) as the modules would and write them.

        ``faults`` maps a signal to ``"open"`` or ``"short"`` to inject a sensor fault.
        """
        faults = faults or {}
        for name, value_io, status_io, kind, lo, hi in self._analog:
            v, fault = values.get(name), faults.get(name)
            raw, status = encode_rtd(v, fault) if kind == "rtd" else encode_current(v, lo, hi, fault)
            value_io.value, status_io.value = raw, status
        for name, di in self._digital.items():
            if name in values:
                di.value = bool(values[name])
        if self._status is not None:
            self._status.value = 0x01  # piControl running
        if self._cycle is not None:
            self._cycle.value = 5  # piBridge cycle [ms] of Connect + DIO + AIO
        self.rpi.writeprocimg()

    def read_outputs(self) -> dict[str, bool]:
        """Read the controller's digital outputs from the image."""
        self.rpi.readprocimg()
        return {name: bool(do.value) for name, do in self._outputs}

    def close(self) -> None:
        self.rpi.cleanup()
