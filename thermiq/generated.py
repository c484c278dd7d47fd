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


def site_generator_main(
    module: str,
    description: str,
    default_site: str | Path,
    default_out: str | Path,
    render_site,
    argv: list[str] | None = None,
) -> int:
    """``python -m <module> [--config TOML] [-o OUT] [--check]`` for a file rendered from a site config.

    ``render_site(site_path) -> str``; a bad site file exits 2 with the message, a stale file 1.
    """
    import argparse

    ap = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    ap.add_argument("--config", "--site", dest="site", default=str(default_site), help="site configuration TOML")
    ap.add_argument("-o", "--output", default=str(default_out))
    ap.add_argument("--check", action="store_true", help="only compare; exit 1 when the file differs")
    a = ap.parse_args(argv)
    try:
        text = render_site(a.site)
    except (OSError, ValueError) as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    return write_or_check(a.output, text, a.check, f"python -m {module}")
