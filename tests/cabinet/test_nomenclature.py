"""docs/nomenclature.md lists every I/O signal, every unit suffix and every snapshot field."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from thermiq.config.reference import UNIT_SUFFIXES
from thermiq.cycle.image import InverterSnapshot, MeterSnapshot, MinerSnapshot
from thermiq.iomap.io_list import load_io_list

REPO = Path(__file__).resolve().parents[2]
TEXT = (REPO / "docs" / "nomenclature.md").read_text(encoding="utf-8")


def _rows(heading: str) -> list[list[str]]:
    section = TEXT.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
    ][1:]


def test_every_io_signal_with_its_tag():
    listed = {row[0].strip("`"): row[1] for row in _rows("Signals (the I/O list)")}
    io_list = load_io_list(REPO / "Schaltschrank" / "io_list.csv")
    assert listed == {p.signal: p.tag for p in io_list.points}


def test_every_unit_suffix_of_the_generator():
    table = {row[0].strip("`") for row in _rows("Unit suffixes")}
    assert {suffix for suffix, _unit in UNIT_SUFFIXES} <= table


def test_every_snapshot_field():
    names = set(re.findall(r"`([a-z_0-9]+)`", TEXT))
    for cls in (InverterSnapshot, MeterSnapshot, MinerSnapshot):
        missing = {f.name for f in dataclasses.fields(cls)} - names
        assert not missing, f"{cls.__name__}: {missing}"
