"""docs/SAFETY.md is generated from the trip table and the ASP1 configuration; drift fails here."""

from __future__ import annotations

from pathlib import Path

from thermiq.interlocks.docs import render
from thermiq.interlocks.trip_table import NOTES, TRIP_TABLE

DOC = Path(__file__).resolve().parents[2] / "docs" / "SAFETY.md"


def test_safety_md_is_in_step_with_the_trip_table(cfg):
    assert DOC.read_text(encoding="utf-8") == render(cfg), \
        "docs/SAFETY.md drifted: run `python -m thermiq.interlocks.docs`"


def test_matrix_names_every_row_with_its_configured_limit(cfg):
    text = render(cfg)
    for spec in TRIP_TABLE:
        assert f"| {spec.id} |" in text
    assert f"any >= {cfg.limits.buffer_top_trip_c:g} (buffer_top_trip_c)" in text
    assert f"{cfg.routing.valve_travel_s:g} (routing.valve_travel_s)" in text
    for note in NOTES:
        assert f"**{note.id}**" in text


def test_a_changed_limit_changes_the_document(cfg):
    hotter = cfg.model_copy(update={"limits": cfg.limits.model_copy(update={"buffer_top_trip_c": 88.0})})
    assert render(hotter) != render(cfg) and "any >= 88 (buffer_top_trip_c)" in render(hotter)
