"""One clock: nothing in ``thermiq/`` reads the system time behind ``thermiq.clock``.

Parses every module with ``ast`` and flags an import of ``time`` (``import time``,
``from time import ...``) anywhere but ``thermiq/clock.py``, and any call of ``.now()``,
``.utcnow()`` or ``.today()`` on ``datetime``/``date`` and of an event loop's ``.time()``.
The pure core is stricter still (no clock module at all: tests/cabinet/test_import_rules.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ALLOWED = {"thermiq/clock.py"}
DATE_CALLS = frozenset({"now", "utcnow", "today"})
DATE_NAMES = frozenset({"datetime", "date"})


def clock_violations(source: str) -> list[str]:
    """Lines of ``source`` that read the system time without the Clock interface."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name == "time"]
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            out.append(f"line {node.lineno}: from time import {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if node.func.attr in DATE_CALLS and name in DATE_NAMES:
                out.append(f"line {node.lineno}: {name}.{node.func.attr}()")
            elif (
                node.func.attr == "time"
                and isinstance(owner, ast.Call)
                and getattr(owner.func, "attr", None) in ("get_event_loop", "get_running_loop")
            ):
                out.append(f"line {node.lineno}: event loop time()")
    return out


def test_nothing_in_thermiq_reads_the_system_time_behind_the_clock():
    files = sorted(p for p in (REPO / "thermiq").rglob("*.py") if p.relative_to(REPO).as_posix() not in ALLOWED)
    assert len(files) > 50
    found = {p.relative_to(REPO).as_posix(): v for p in files if (v := clock_violations(p.read_text(encoding="utf-8")))}
    assert found == {}


def test_the_clock_module_is_where_the_system_time_is_read():
    assert clock_violations((REPO / "thermiq" / "clock.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "source",
    [
        "import time\n",
        "import os, time as t\n",
        "from time import monotonic\n",
        "def f():\n    from time import perf_counter\n",
        "from datetime import datetime\nx = datetime.now()\n",
        "import datetime\nx = datetime.datetime.utcnow()\n",
        "import datetime\nx = datetime.date.today()\n",
        "import asyncio\nx = asyncio.get_event_loop().time()\n",
    ],
)
def test_checker_flags(source):
    assert clock_violations(source), source


def test_checker_accepts_a_clock_user():
    src = (
        "from thermiq.clock import Clock\n"
        "def f(clock: Clock):\n    return clock.monotonic(), clock.wall()\n"
        "from datetime import datetime, timezone\nx = datetime.fromtimestamp(0.0, timezone.utc)\n"
    )
    assert clock_violations(src) == []
