"""No module of the controller names a concrete signal: the plant is configuration (issue #8).

Every string literal in thermiq/**/*.py (docstrings aside) is scanned for the signal names of the
shipped I/O list and of the test sites' I/O lists. A literal that *is* a signal name, or that
contains an identifier-like signal name (one with an underscore) as a whole token, fails here.
The only modules allowed to hold such names are the loaders of the site file and of the I/O list
(they hold none today either); the site TOMLs and the I/O lists are data, not modules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from thermiq.iomap.io_list import load_io_list

REPO = Path(__file__).resolve().parents[2]
IO_LISTS = [REPO / "Schaltschrank" / "io_list.csv", *sorted((REPO / "tests" / "sites").glob("*_io_list.csv"))]
ALLOWED = {"thermiq/config/load.py", "thermiq/iomap/io_list.py"}


def _signals() -> set[str]:
    return {p.signal for path in IO_LISTS for p in load_io_list(path).points}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                ids.add(id(first.value))
    return ids


def offending_literals(source: str, signals: set[str]) -> list[tuple[int, str]]:
    """(line, signal) for every string literal of ``source`` that names one of ``signals``."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    tokens = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if node.value in signals:
                found.append((node.lineno, node.value))
                continue
            found += [(node.lineno, t) for t in tokens.findall(node.value) if t in signals and "_" in t]
    return sorted(found)


def test_the_scan_finds_a_signal_name():
    signals = {"k1_miner1_run", "heartbeat"}
    src = 'X = "k1_miner1_run"\nY = f"state/{a}/k1_miner1_run/x"\nZ = "heartbeat"\nW = "a heartbeat relay"\n'
    assert offending_literals(src, signals) == [(1, "k1_miner1_run"), (2, "k1_miner1_run"), (3, "heartbeat")]
    assert offending_literals('"""Docs may mention ``k1_miner1_run``."""\n', signals) == []


def test_no_module_outside_the_loaders_names_a_signal():
    signals = _signals()
    assert {"k1_miner1_run", "miner1_outlet_temp_c", "rv1_at_dhw", "q1_rig_coil", "s4_outlet_temp_c"} <= signals
    bad = []
    for path in sorted((REPO / "thermiq").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel in ALLOWED or "/_pb/" in rel:
            continue
        bad += [f"{rel}:{line}: {name}" for line, name in offending_literals(path.read_text(encoding="utf-8"), signals)]
    assert not bad, "concrete signal names in code (take them from the site configuration):\n" + "\n".join(bad)
