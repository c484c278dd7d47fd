"""Generate the cabinet's piCtory configuration (``config.rsc``) from the I/O list.

The device entries (inputs, outputs, MEM settings, byte layout) are taken from a real piCtory
2.1.1 export (``Schaltschrank/reference/lava_connect4_dio_do_aio_mio.rsc``, KUNBUS LAVA test
suite); only the I/O names and the MEM settings the I/O list implies are changed:

- an I/O-list channel gets the signal name, its AIO status byte ``<signal>_status``;
- every other I/O gets ``<module>_<default name>`` so names stay unique across modules;
- RTD channels get ``RTDnType`` PT1000/PT100 and ``RTDnWiring`` from the signal type, current
  inputs ``InputnRange`` = 4-20 mA (enum values from ``revpimodio2.pictory.AIO``).

Module placement: DIO modules left of the base (positions 31, 30, ...), AIO modules right of it
(32, 33, ...); byte offsets follow piCtory's order (left modules, base, right modules).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path

from thermiq.iomap.io_list import IoList

TEMPLATE_RSC = Path(__file__).resolve().parents[2] / "Schaltschrank" / "reference" / "lava_connect4_dio_do_aio_mio.rsc"
_PRODUCT = {"dio": "96", "aio": "103", "base": "136"}
_SUFFIX = re.compile(r"_i\d\d$")
# enum values: revpimodio2.pictory.AIO
_RTD_TYPE = {"RTD_PT1000_4W": (1, 1), "RTD_PT1000_3W": (1, 0), "RTD_PT100_4W": (0, 1)}
_IN_RANGE_4_20MA = 7
_GUID_NS = uuid.UUID("6f1c9a52-4d0e-4b7e-9a55-2f9e3d1b7c10")


def _channel_names(kind: str, channel: str) -> tuple[str, str | None]:
    """Default piCtory (value, status) I/O names of a channel."""
    if kind == "aio":
        n = channel[-1]
        return (
            (f"RTDValue_{n}", f"RTDStatus_{n}")
            if channel.startswith("RTD")
            else (f"InputValue_{n}", f"InputStatus_{n}")
        )
    return channel, None


def _device_length(dev: dict) -> int:
    end = 0
    for sec in ("inp", "out", "mem"):
        for entry in dev[sec].values():
            end = max(end, int(entry[3]) + max(1, int(entry[2]) // 8))
    return end


def _rename(dev: dict, module: str, names: dict[str, str]) -> None:
    for sec in ("inp", "out", "mem"):
        for entry in dev[sec].values():
            default = _SUFFIX.sub("", entry[0])
            entry[0] = names.get(default, f"{module}_{default}")


def build_rsc(io_list: IoList, template_path: Path = TEMPLATE_RSC) -> dict:
    """Build the piCtory configuration for the modules named in ``io_list``.

    Returns
    -------
    dict : the JSON document piCtory would export (``App``, ``Summary``, ``Devices``, ``Connections``).

    Raises
    ------
    ValueError : more than 2 left or 8 right modules, or a module kind without a template.
    """
    template = json.loads(Path(template_path).read_text(encoding="utf-8"))
    by_product = {d["productType"]: d for d in template["Devices"]}
    left = [m for m in io_list.modules if m.startswith("dio")]
    right = [m for m in io_list.modules if m.startswith("aio")]
    if len(left) > 2 or len(right) > 8:
        raise ValueError(f"too many modules: left {left}, right {right}")
    placed = (
        [(m, 31 - i) for i, m in enumerate(left)][::-1] + [("base", 0)] + [(m, 32 + i) for i, m in enumerate(right)]
    )
    devices, offset = [], 0
    for module, position in placed:
        kind = module.rstrip("0123456789")
        dev = copy.deepcopy(by_product[_PRODUCT[kind]])
        names: dict[str, str] = {}
        mem: dict[str, int] = {}
        for p in io_list.points:
            if p.module != module:
                continue
            value_name, status_name = _channel_names(kind, p.channel)
            names[value_name] = p.signal
            if status_name:
                names[status_name] = p.status_signal
            if p.kind == "rtd":
                n = p.channel[-1]
                mem[f"RTD{n}Type"], mem[f"RTD{n}Wiring"] = _RTD_TYPE[p.signal_type]
            elif p.kind == "ai_current":
                mem[f"Input{p.channel[-1]}Range"] = _IN_RANGE_4_20MA
        if kind != "base":
            for entry in dev["mem"].values():
                default = _SUFFIX.sub("", entry[0])
                if default in mem:
                    entry[1] = str(mem[default])
            _rename(dev, module, names)
            dev["name"] = dev["bmk"] = module
        dev["GUID"] = str(uuid.uuid5(_GUID_NS, module))
        dev["position"] = str(position)
        dev["offset"] = offset
        dev["comment"] = f"ThermIQ {module} (generated from io_list.csv)"
        offset += _device_length(dev)
        devices.append(dev)
    inp_total = sum(len(d["inp"]) for d in devices)
    out_total = sum(len(d["out"]) for d in devices)
    return {
        "App": {
            "name": "PiCtory",
            "version": template["App"]["version"],
            "saveTS": "20261120000000",
            "language": "en",
            "layout": {},
        },
        "Summary": {"inpTotal": inp_total, "outTotal": out_total},
        "Devices": devices,
        "Connections": [],
    }


def dump_rsc(rsc: dict) -> str:
    """Serialise like piCtory (compact JSON, stable key order) with a trailing newline."""
    return json.dumps(rsc, separators=(",", ":")) + "\n"


def rsc_io_names(path: str | Path) -> dict[str, str]:
    """All I/O names of a piCtory file -> ``inp`` | ``out`` | ``mem`` (no revpimodio2 needed)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return {entry[0]: sec for dev in doc["Devices"] for sec in ("inp", "out", "mem") for entry in dev[sec].values()}
