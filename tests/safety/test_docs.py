"""docs/SAFETY.md is generated for any site from its trip table; the committed ASP1 copy equals the generator."""

from __future__ import annotations

from pathlib import Path

import pytest

from thermiq.config.load import load_config
from thermiq.interlocks.docs import main, render
from thermiq.interlocks.trip_table import NOTES, build_trip_table

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "SAFETY.md"


def test_safety_md_is_in_step_with_the_trip_table(cfg):
    assert DOC.read_text(encoding="utf-8") == render(cfg), (
        "docs/SAFETY.md drifted: run `python -m thermiq.interlocks.docs`"
    )
    assert main(["--out", str(DOC), "--check"]) == 0


def test_matrix_names_every_row_with_its_configured_limit(cfg):
    text = render(cfg)
    for spec in build_trip_table(cfg):
        assert f"| {spec.id} |" in text and f"- **{spec.id}**: {spec.hint}" in text
    assert f"any >= {cfg.limits.buffer_top_trip_c:g} (buffer_top_trip_c)" in text
    assert f"{cfg.routing.valve_travel_s:g} (routing.valve_travel_s)" in text
    for note in NOTES:
        assert f"**{note.id}**" in text


def test_a_changed_limit_changes_the_document(cfg):
    hotter = cfg.model_copy(update={"limits": cfg.limits.model_copy(update={"buffer_top_trip_c": 88.0})})
    assert render(hotter) != render(cfg) and "any >= 88 (buffer_top_trip_c)" in render(hotter)


@pytest.mark.parametrize("site, miners", [("solo", 1), ("duo", 2), ("quad", 4)])
def test_any_site_gets_its_own_document(tmp_path, site, miners):
    path = REPO / "tests" / "sites" / f"{site}.toml"
    out = tmp_path / "SAFETY.md"
    assert main(["--config", str(path), "--out", str(out)]) == 0
    assert main(["--config", str(path), "--out", str(out), "--check"]) == 0
    text = out.read_text(encoding="utf-8")
    cfg = load_config(path)
    assert len(cfg.miners) == miners and f"site configuration ({site})" in text
    for m in cfg.miners:  # every miner has its rows, and the hints name its own contactor
        for row in ("I1", "I3", "I4", "I10"):
            assert f"| {row}_{m.name}_" in text
        assert f"Check contactor {m.contactor} ({m.contactor_output} -> {m.contactor_feedback})" in text
    for name in ("miner1", "k1_", "rv1", "buffer_top_temp_c", "p3"):  # nothing of ASP1 leaks into another site
        assert name not in text, f"{site}: SAFETY.md mentions ASP1's {name}"
