"""Generate the cabinet terminal plan (``Schaltschrank/terminal_plan.md``) from the I/O list.

One table per module, in piCtory position order (the same placement rule as
:mod:`thermiq.iomap.pictory`): module connector terminal, tag, signal, field device, signal type
and wiring, measuring range, and what the channel does when the wire breaks or the controller
stops. Spare channels are listed so the electrician sees what is free.

Run ``python -m thermiq.iomap.terminal_plan`` to rewrite the file, ``--check`` to fail (exit 1)
when the file is out of date; ``tests/cabinet/test_terminal_plan.py`` does the same check.

Sources: channel counts RevPi AIO (4 AI, 2 RTD) and DIO (14 DI, 14 DO) (docs/SOURCES.md S-REVPI); open RTD = 850.0 °C with status 2, NAMUR NE 43 limits (thermiq/iomap/codec.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from thermiq.generated import write_or_check
from thermiq.iomap.codec import NE43_LOW_UA, RTD_OPEN_RAW
from thermiq.iomap.io_list import IoList, IoPoint, load_io_list

REPO = Path(__file__).resolve().parents[2]
DEFAULT_IO_LIST = REPO / "Schaltschrank" / "io_list.csv"
DEFAULT_OUT = REPO / "Schaltschrank" / "terminal_plan.md"

#: every channel a module kind offers, in connector order (docs/SOURCES.md S-REVPI)
MODULE_CHANNELS = {
    "aio": ("RTD1", "RTD2", "AI1", "AI2", "AI3", "AI4"),
    "dio": tuple(f"I_{n}" for n in range(1, 15)) + tuple(f"O_{n}" for n in range(1, 15)),
}
MODULE_TITLES = {
    "aio": "RevPi AIO (piCtory productType 103): 2 RTD + 4 analog inputs",
    "dio": "RevPi DIO (piCtory productType 96): 14 DI + 14 DO",
}

#: signal_type -> (signal and wiring, cable) — cable types are *assumed* (SCHALTSCHRANK.md, A-table)
WIRING = {
    "RTD_PT1000_4W": ("Pt1000 RTD, 4-wire", "4 x 0.5 mm², shielded"),
    "RTD_PT1000_3W": ("Pt1000 RTD, 3-wire", "3 x 0.5 mm², shielded"),
    "RTD_PT100_4W": ("Pt100 RTD, 4-wire", "4 x 0.5 mm², shielded"),
    "AI_4_20MA": ("4-20 mA, 2-wire loop, 24 V from the cabinet", "2 x 0.75 mm², twisted pair, shielded"),
    "DI_24V": ("24 V DC input (EN 61131-2 type 1/3)", "2 x 0.75 mm²"),
    "DO_24V": ("24 V DC high-side output, max 500 mA", "2 x 0.75 mm²"),
}


def fail_safe_text(p: IoPoint) -> str:
    """What the channel means after a wire break (inputs) or a controller stop (outputs).

    Raises
    ------
    ValueError : a ``fail_safe`` entry that does not fit the signal kind (names the tag).
    """
    expected = {"rtd": "invalid", "ai_current": "invalid", "di": "false", "do": "false"}[p.kind]
    if p.fail_safe != expected:
        raise ValueError(
            f"{p.tag} ({p.signal}): fail_safe {p.fail_safe!r} does not fit a {p.kind} channel (expected {expected!r})"
        )
    if p.kind == "rtd":
        return f"break: reads {RTD_OPEN_RAW / 10:.1f} °C, status 2 -> invalid"
    if p.kind == "ai_current":
        return f"break: <= {NE43_LOW_UA / 1000:.1f} mA (NE 43) -> invalid"
    if p.kind == "di":
        return "break: reads 0 = fault (closed-circuit)" if p.signal.endswith("_ok") else "break: reads 0"
    return "0 (de-energised) on stop, crash, output watchdog"


def module_positions(io_list: IoList) -> dict[str, int]:
    """piCtory position of each module: DIO left of the base (31, 30), AIO right (32, 33, ...)."""
    left = [m for m in io_list.modules if m.startswith("dio")]
    right = [m for m in io_list.modules if m.startswith("aio")]
    return {**{m: 31 - i for i, m in enumerate(left)}, **{m: 32 + i for i, m in enumerate(right)}}


def _range(p: IoPoint) -> str:
    if p.kind in ("di", "do"):
        return "0/1"
    return f"{p.range_lo:g} .. {p.range_hi:g} {p.unit.replace('degC', '°C')}"


def render(io_list: IoList, source: str = "Schaltschrank/io_list.csv") -> str:
    """The terminal plan as Markdown (deterministic: same I/O list, same text).

    Raises
    ------
    ValueError : a fail_safe entry that does not fit its channel kind.
    """
    positions = module_positions(io_list)
    order = sorted(io_list.modules, key=lambda m: (0 if m.startswith("dio") else 1, positions[m]))
    out = [
        "# Terminal plan (Klemmenplan) of the ASP1 cabinet",
        "",
        f"<!-- generated from {source} by `python -m thermiq.iomap.terminal_plan`; do not edit by hand -->",
        "",
        "Terminals are the module connectors (`<module>-<connector>:<pins>`); every field cable is",
        "tagged `W-<tag>`. Fail-safe: what the controller sees after a wire break (inputs), or what",
        "the output does when the controller stops (outputs). Cable types are *assumed*",
        "(SCHALTSCHRANK.md, assumptions table). Placement: DIO left of the RevPi Connect 4, AIO right.",
        "",
        "| module | position | kind | channels used | spare |",
        "|---|---|---|---|---|",
    ]
    for m in order:
        kind = m.rstrip("0123456789")
        used = {p.channel for p in io_list.points if p.module == m}
        spare = [c for c in MODULE_CHANNELS[kind] if c not in used]
        out.append(f"| {m} | {positions[m]} | {MODULE_TITLES[kind]} | {len(used)} | {len(spare)} |")
    for m in order:
        kind = m.rstrip("0123456789")
        points = [p for p in io_list.points if p.module == m]
        out += [
            "",
            f"## {m} (position {positions[m]}): {MODULE_TITLES[kind]}",
            "",
            "| terminal | channel | tag | signal | field device | signal / wiring | cable | range | fail-safe |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for p in points:
            wiring, cable = WIRING[p.signal_type]
            out.append(
                f"| {m}-{p.terminal} | {p.channel} | {p.tag} | `{p.signal}` | {p.description} | {wiring} "
                f"| W-{p.tag}: {cable} | {_range(p)} | {fail_safe_text(p)} |"
            )
        used = {p.channel for p in points}
        spare = [c for c in MODULE_CHANNELS[kind] if c not in used]
        out += ["", f"Spare: {', '.join(spare) if spare else 'none'}."]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """CLI: write the plan (default) or ``--check`` it; exit 1 when out of date, 2 on a bad I/O list."""
    ap = argparse.ArgumentParser(prog="python -m thermiq.iomap.terminal_plan", description=__doc__.splitlines()[0])
    ap.add_argument("--io-list", default=str(DEFAULT_IO_LIST))
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if the file differs")
    args = ap.parse_args(argv)
    try:
        text = render(load_io_list(args.io_list))
    except ValueError as err:  # IoListError is a ValueError
        sys.stderr.write(f"error: {err}\n")
        return 2
    return write_or_check(args.out, text, args.check, "python -m thermiq.iomap.terminal_plan")


if __name__ == "__main__":
    sys.exit(main())
