"""Generated files (docs, flows, terminal plan): write them, or check that the committed copy is current."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(out: str | Path, text: str, check: bool, regen_cmd: str) -> int:
    """Write ``text`` to ``out``; with ``check`` only compare. Returns the exit code (1 = out of date)."""
    out = Path(out)
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            sys.stderr.write(f"{out} is out of date; run {regen_cmd}\n")
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {out}\n")
    return 0
