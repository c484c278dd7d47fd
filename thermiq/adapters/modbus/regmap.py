"""Modbus register maps as data: load a meter map (TOML) and decode raw register words.

A map file (``thermiq/adapters/modbus/maps/<model>.toml``) has a ``[meter]`` table and one
``[[registers]]`` table per quantity::

    [meter]
    model = "Eastron SDM630 v2"
    register_type = "input"        # "input" (FC04) or "holding" (FC03)
    max_block_regs = 40            # largest single read [registers]
    max_gap_regs = 8               # unused registers a block read may span
    source = "where the addresses come from"

    [[registers]]
    name = "power_w"               # canonical name with its unit suffix
    address = 0x0034               # 0-based PDU address
    encoding = "float32"           # float32 | int32 | uint32 | int16 | uint16
    word_order = "big"             # big: high word first; little: low word first
    scale = 1.0                    # engineering value = raw * scale * sign
    sign = 1                       # +1, or -1 where the device counts the other way
    unit = "W"

The names ``power_w``, ``import_energy_kwh`` and ``export_energy_kwh`` fill
:class:`thermiq.cycle.image.MeterSnapshot`; other names are decoded and kept as extras.
A new meter model is a new data file plus a recorded fixture, no code.
"""

from __future__ import annotations

import math
import struct
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

ENCODING_WORDS = {"float32": 2, "int32": 2, "uint32": 2, "int16": 1, "uint16": 1}
_STRUCT = {"float32": ">f", "int32": ">i", "uint32": ">I", "int16": ">h", "uint16": ">H"}
REGISTER_TYPES = ("input", "holding")


class RegisterMapError(ValueError):
    """A register map file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class RegisterSpec:
    """One quantity of a meter: where it lives and how its words decode (see module doc)."""

    name: str
    address: int
    encoding: str
    word_order: str
    scale: float
    sign: int
    unit: str

    @property
    def words(self) -> int:
        """Number of 16-bit registers the value occupies."""
        return ENCODING_WORDS[self.encoding]


@dataclass(frozen=True, slots=True)
class MeterMap:
    """A parsed meter register map: model name, register type and its quantities."""

    model: str
    register_type: str
    registers: tuple[RegisterSpec, ...]
    max_block_regs: int = 40
    max_gap_regs: int = 8


def _spec(entry: Mapping, where: str) -> RegisterSpec:
    allowed = {"name", "address", "encoding", "word_order", "scale", "sign", "unit"}
    unknown = set(entry) - allowed
    if unknown:
        raise RegisterMapError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        name, address, encoding = entry["name"], entry["address"], entry["encoding"]
    except KeyError as err:
        raise RegisterMapError(f"{where}: missing key {err.args[0]!r}") from None
    if encoding not in ENCODING_WORDS:
        raise RegisterMapError(f"{where} ({name}): encoding {encoding!r} not in {sorted(ENCODING_WORDS)}")
    if not isinstance(address, int) or not 0 <= address <= 0xFFFF:
        raise RegisterMapError(f"{where} ({name}): address {address!r} is not a 16-bit register address")
    word_order = entry.get("word_order", "big")
    if word_order not in ("big", "little"):
        raise RegisterMapError(f"{where} ({name}): word_order {word_order!r} must be 'big' or 'little'")
    sign = entry.get("sign", 1)
    if sign not in (1, -1):
        raise RegisterMapError(f"{where} ({name}): sign {sign!r} must be 1 or -1")
    scale = float(entry.get("scale", 1.0))
    if not math.isfinite(scale) or scale == 0.0:
        raise RegisterMapError(f"{where} ({name}): scale {scale!r} must be finite and non-zero")
    return RegisterSpec(name, address, encoding, word_order, scale, sign, str(entry.get("unit", "")))


def parse_map(data: Mapping, source: str = "<dict>") -> MeterMap:
    """Validate a parsed map table (see the module doc for the format).

    Raises
    ------
    RegisterMapError
        Naming ``source`` and the offending entry: unknown keys, bad encoding, duplicate
        names or overlapping registers.
    """
    meter = data.get("meter")
    if not isinstance(meter, Mapping) or "model" not in meter:
        raise RegisterMapError(f"{source}: missing [meter] table with 'model'")
    rtype = meter.get("register_type", "input")
    if rtype not in REGISTER_TYPES:
        raise RegisterMapError(f"{source}: register_type {rtype!r} not in {REGISTER_TYPES}")
    entries = data.get("registers") or []
    if not entries:
        raise RegisterMapError(f"{source}: no [[registers]] entries")
    specs = tuple(_spec(e, f"{source}: registers[{i}]") for i, e in enumerate(entries))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise RegisterMapError(f"{source}: duplicate register names in {names}")
    used: dict[int, str] = {}
    for s in specs:
        for a in range(s.address, s.address + s.words):
            if a in used:
                raise RegisterMapError(f"{source}: {s.name} overlaps {used[a]} at address {a}")
            used[a] = s.name
    block = int(meter.get("max_block_regs", 40))
    gap = int(meter.get("max_gap_regs", 8))
    if not 2 <= block <= 125 or not 0 <= gap < block:
        raise RegisterMapError(f"{source}: max_block_regs must be 2..125 and max_gap_regs 0..block-1")
    return MeterMap(str(meter["model"]), rtype, specs, block, gap)


def load_map(name_or_path: str | Path) -> MeterMap:
    """Load a map by bundled model name (``"eastron_sdm630"``) or by file path.

    Raises
    ------
    RegisterMapError
        If no such map exists or it breaks the format.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml":
        res = resources.files("thermiq.adapters.modbus") / "maps" / f"{name_or_path}.toml"
        if not res.is_file():
            raise RegisterMapError(f"no bundled meter map {name_or_path!r}; have {bundled_maps()}")
        text, source = res.read_text(encoding="utf-8"), f"maps/{name_or_path}.toml"
    else:
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except OSError as err:
            raise RegisterMapError(f"{path}: cannot read meter map: {err.strerror}") from None
    try:
        return parse_map(tomllib.loads(text), source)
    except tomllib.TOMLDecodeError as err:
        raise RegisterMapError(f"{source}: not valid TOML: {err}") from None


def bundled_maps() -> list[str]:
    """Names of the maps shipped in ``thermiq/adapters/modbus/maps``."""
    folder = resources.files("thermiq.adapters.modbus") / "maps"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def plan_reads(meter_map: MeterMap) -> tuple[tuple[int, int], ...]:
    """Group the map's registers into block reads ``(start_address, count)``.

    Registers are sorted by address; a block grows while the next register ends within
    ``max_block_regs`` of the block start and leaves at most ``max_gap_regs`` unused words.
    """
    blocks: list[list[int]] = []
    for s in sorted(meter_map.registers, key=lambda r: r.address):
        end = s.address + s.words
        if blocks:
            start, stop = blocks[-1]
            if s.address - stop <= meter_map.max_gap_regs and end - start <= meter_map.max_block_regs:
                blocks[-1][1] = max(stop, end)
                continue
        blocks.append([s.address, end])
    return tuple((a, b - a) for a, b in blocks)


def decode_value(spec: RegisterSpec, words: Sequence[int]) -> float | None:
    """Decode one quantity from its raw 16-bit words; ``None`` for NaN/inf floats.

    >>> decode_value(RegisterSpec("p", 0, "int32", "little", 0.1, 1, "W"), [0x3039, 0x0000])
    1234.5
    """
    if len(words) != spec.words:
        raise ValueError(f"{spec.name}: need {spec.words} words, got {len(words)}")
    if any(not 0 <= w <= 0xFFFF for w in words):
        raise ValueError(f"{spec.name}: register words must be 0..65535, got {list(words)}")
    ordered = list(words) if spec.word_order == "big" else list(reversed(words))
    raw = struct.unpack(_STRUCT[spec.encoding], struct.pack(f">{len(ordered)}H", *ordered))[0]
    value = float(raw) * spec.scale * spec.sign
    return value if math.isfinite(value) else None


def encode_value(spec: RegisterSpec, value: float) -> list[int]:
    """Inverse of :func:`decode_value` (used by the simulated meters); rounds integer encodings.

    Raises
    ------
    ValueError
        If the value does not fit the encoding.
    """
    raw = value / (spec.scale * spec.sign)
    if spec.encoding != "float32":
        raw = int(round(raw))
    try:
        packed = struct.pack(_STRUCT[spec.encoding], raw)
    except struct.error as err:
        raise ValueError(f"{spec.name}: {value} does not fit {spec.encoding}: {err}") from None
    words = list(struct.unpack(f">{spec.words}H", packed))
    return words if spec.word_order == "big" else list(reversed(words))


def decode_registers(meter_map: MeterMap, regs: Mapping[int, int]) -> dict[str, float | None]:
    """Decode every quantity of ``meter_map`` from an address → word mapping.

    A quantity whose words are missing from ``regs`` decodes to ``None``.
    """
    out: dict[str, float | None] = {}
    for s in meter_map.registers:
        words = [regs.get(a) for a in range(s.address, s.address + s.words)]
        out[s.name] = None if any(w is None for w in words) else decode_value(s, words)
    return out
