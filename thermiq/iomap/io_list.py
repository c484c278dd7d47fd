"""The cabinet I/O list (``Schaltschrank/io_list.csv``): the one source of truth for I/O names.

Each row binds a signal name (equal to its piCtory I/O name) to a module channel, a terminal, a
signal type with its measuring range, and a fail-safe state. The controller, the simulator,
the piCtory configuration and the docs all derive from this table.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

#: signal_type -> (kind, direction). RTD: AIO RTD channel; AI_4_20MA: AIO current input with a
#: temperature transmitter; DI/DO: DIO 24 V channels.
SIGNAL_TYPES = {
    "RTD_PT1000_4W": ("rtd", "in"),
    "RTD_PT1000_3W": ("rtd", "in"),
    "RTD_PT100_4W": ("rtd", "in"),
    "AI_4_20MA": ("ai_current", "in"),
    "DI_24V": ("di", "in"),
    "DO_24V": ("do", "out"),
}
#: module name prefix -> channel pattern allowed on it
MODULE_CHANNELS = {
    "aio": re.compile(r"^(RTD[12]|AI[1-4])$"),
    "dio": re.compile(r"^(I_(?:[1-9]|1[0-4])|O_(?:[1-9]|1[0-4]))$"),
}
COLUMNS = (
    "tag",
    "signal",
    "module",
    "channel",
    "terminal",
    "signal_type",
    "range_lo",
    "range_hi",
    "unit",
    "fail_safe",
    "max_rate_k_per_s",
    "stuck_ref",
    "description",
)
#: columns that may be empty: the signal-quality parameters (I8) and the description
OPTIONAL = ("max_rate_k_per_s", "stuck_ref", "description")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")  # piCtory I/O name rules


class IoListError(ValueError):
    """The I/O list cannot be used; the message names the file, the line and the column."""


@dataclass(frozen=True, slots=True)
class IoPoint:
    """One row of the I/O list. range_lo/range_hi in ``unit`` (°C for temperatures).

    The signal-quality parameters (I8, ``thermiq.interlocks.quality``) are data of the signal:
    max_rate_k_per_s : largest plausible rate of change [K/s] (sensors in tanks or air); None = no rate check
    stuck_ref : the signal whose movement proves this one should move (stuck check); None = none
    """

    tag: str
    signal: str
    module: str
    channel: str
    terminal: str
    signal_type: str
    range_lo: float
    range_hi: float
    unit: str
    fail_safe: str
    description: str
    max_rate_k_per_s: float | None = None
    stuck_ref: str | None = None

    @property
    def kind(self) -> str:
        """``rtd`` | ``ai_current`` | ``di`` | ``do``."""
        return SIGNAL_TYPES[self.signal_type][0]

    @property
    def is_input(self) -> bool:
        return SIGNAL_TYPES[self.signal_type][1] == "in"

    @property
    def status_signal(self) -> str | None:
        """piCtory name of the AIO status byte that belongs to an analog channel."""
        return f"{self.signal}_status" if self.kind in ("rtd", "ai_current") else None


@dataclass(frozen=True)
class IoList:
    """All points of one cabinet, in file order."""

    points: tuple[IoPoint, ...]
    source: str = "<memory>"

    def __post_init__(self):
        object.__setattr__(self, "_by", {p.signal: p for p in self.points})

    def __getitem__(self, signal: str) -> IoPoint:
        return self._by[signal]  # type: ignore[attr-defined]

    def __contains__(self, signal: str) -> bool:
        return signal in self._by  # type: ignore[attr-defined]

    @property
    def inputs(self) -> tuple[IoPoint, ...]:
        return tuple(p for p in self.points if p.is_input)

    @property
    def outputs(self) -> tuple[IoPoint, ...]:
        return tuple(p for p in self.points if not p.is_input)

    @property
    def analog_inputs(self) -> tuple[IoPoint, ...]:
        return tuple(p for p in self.points if p.kind in ("rtd", "ai_current"))

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.module for p in self.points))


def _row_error(path, line: int, col: str, msg: str) -> IoListError:
    return IoListError(f"{path}:{line}: column '{col}': {msg}")


def parse_io_rows(rows: list[dict[str, str]], source: str = "<rows>") -> IoList:
    """Validate I/O-list rows (dicts with the :data:`COLUMNS` keys) into an :class:`IoList`.

    Raises
    ------
    IoListError
        On a missing column, unknown signal type or module, a channel the module lacks,
        a duplicate signal, tag or channel, or a bad range.
    """
    points: list[IoPoint] = []
    seen_signal, seen_tag, seen_channel = {}, {}, {}
    for line, row in enumerate(rows, start=2):
        missing = [c for c in COLUMNS if not (row.get(c) or "").strip() and c not in OPTIONAL]
        if missing:
            raise _row_error(source, line, missing[0], "is empty or missing")
        r = {c: (row.get(c) or "").strip() for c in COLUMNS}
        if r["signal_type"] not in SIGNAL_TYPES:
            raise _row_error(
                source, line, "signal_type", f"unknown type {r['signal_type']!r}; known: {sorted(SIGNAL_TYPES)}"
            )
        if not _NAME.match(r["signal"]):
            raise _row_error(source, line, "signal", f"{r['signal']!r} is not a valid piCtory name (a-z0-9_, max 31)")
        prefix = r["module"].rstrip("0123456789")
        pattern = MODULE_CHANNELS.get(prefix)
        if pattern is None:
            raise _row_error(source, line, "module", f"unknown module {r['module']!r} (aioN or dioN)")
        if not pattern.match(r["channel"]):
            raise _row_error(source, line, "channel", f"{r['module']} has no channel {r['channel']!r}")
        try:
            lo, hi = float(r["range_lo"]), float(r["range_hi"])
        except ValueError:
            raise _row_error(source, line, "range_lo", "range is not numeric") from None
        if not lo < hi:
            raise _row_error(source, line, "range_hi", f"range {lo}..{hi} is empty")
        for key, seen, what in (
            (r["signal"], seen_signal, "signal"),
            (r["tag"], seen_tag, "tag"),
            ((r["module"], r["channel"]), seen_channel, "channel"),
        ):
            if key in seen:
                raise _row_error(source, line, what, f"duplicate {what} {key!r} (first on line {seen[key]})")
            seen[key] = line
        rate = None
        if r["max_rate_k_per_s"]:
            try:
                rate = float(r["max_rate_k_per_s"])
            except ValueError:
                raise _row_error(source, line, "max_rate_k_per_s", "is not numeric") from None
            if not rate > 0 or SIGNAL_TYPES[r["signal_type"]][0] not in ("rtd", "ai_current"):
                raise _row_error(source, line, "max_rate_k_per_s", "must be > 0 and on an analog input")
        points.append(
            IoPoint(
                r["tag"],
                r["signal"],
                r["module"],
                r["channel"],
                r["terminal"],
                r["signal_type"],
                lo,
                hi,
                r["unit"],
                r["fail_safe"],
                r["description"],
                rate,
                r["stuck_ref"] or None,
            )
        )
    by = {p.signal: p for p in points}
    for line, p in enumerate(points, start=2):
        ref = by.get(p.stuck_ref) if p.stuck_ref else None
        if p.stuck_ref and (
            ref is None
            or ref.kind not in ("rtd", "ai_current")
            or p.kind not in ("rtd", "ai_current")
            or ref.signal == p.signal
        ):
            raise _row_error(source, line, "stuck_ref", f"{p.stuck_ref!r} is not another analog input of this list")
    if not points:
        raise IoListError(f"{source}: the I/O list has no rows")
    return IoList(tuple(points), str(source))


def load_io_list(path: str | Path) -> IoList:
    """Read and validate the I/O-list CSV at ``path`` (see :func:`parse_io_rows`)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = tuple(reader.fieldnames or ())
            if header != COLUMNS:
                raise IoListError(f"{path}:1: header must be {','.join(COLUMNS)}; got {','.join(header)}")
            rows = list(reader)
    except OSError as err:
        raise IoListError(f"{path}: cannot read I/O list: {err.strerror}") from None
    return parse_io_rows(rows, str(path))


def site_io_list(cfg) -> IoList:
    """The I/O list a site configuration names (``process_image.io_list``; a relative path is
    taken from the working directory if it exists there, else from the repository)."""
    path = Path(cfg.process_image.io_list)
    if not path.is_absolute() and not path.exists():
        path = Path(__file__).resolve().parents[2] / path
    return load_io_list(path)
