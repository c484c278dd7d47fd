"""Schaltschrank/terminal_plan.md is generated from the I/O list and must not drift from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from thermiq.iomap.io_list import load_io_list, parse_io_rows
from thermiq.iomap.terminal_plan import DEFAULT_OUT, fail_safe_text, main, module_positions, render

REPO = Path(__file__).resolve().parents[2]
IO_LIST = REPO / "Schaltschrank" / "io_list.csv"


@pytest.fixture(scope="module")
def io_list():
    return load_io_list(IO_LIST)


def test_committed_plan_matches_the_io_list(io_list):
    assert DEFAULT_OUT.read_text(encoding="utf-8") == render(io_list), (
        "Schaltschrank/terminal_plan.md is stale: run python -m thermiq.iomap.terminal_plan"
    )


def test_every_point_appears_once_with_its_terminal(io_list):
    text = render(io_list)
    for p in io_list.points:
        rows = [line for line in text.splitlines() if f"`{p.signal}`" in line]
        assert len(rows) == 1, p.signal
        assert rows[0].startswith(f"| {p.module}-{p.terminal} | {p.channel} | {p.tag} |")


def test_spare_channels_are_the_unused_ones(io_list):
    text = render(io_list)
    assert "Spare: I_12, I_13, I_14, O_12, O_13, O_14." in text  # dio1 uses I_1..I_11 and O_1..O_11
    assert text.count("Spare: none.") == 2  # both AIO are full (12 temperature points)


def test_placement_matches_the_pictory_generator(io_list):
    from thermiq.iomap.pictory import build_rsc

    rsc = build_rsc(io_list)
    assert module_positions(io_list) == {d["name"]: int(d["position"]) for d in rsc["Devices"] if d["position"] != "0"}


def test_a_changed_io_list_changes_the_plan(io_list):
    rows = [
        {
            c: str(getattr(p, c))
            for c in (
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
                "description",
            )
        }
        for p in io_list.points
    ]
    rows[0]["terminal"] = "X3:9-12"
    assert render(parse_io_rows(rows)) != render(io_list)


def test_fail_safe_that_does_not_fit_the_channel_is_rejected(io_list):
    rows = [
        {
            c: str(getattr(p, c))
            for c in (
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
                "description",
            )
        }
        for p in io_list.points
    ]
    heartbeat = next(r for r in rows if r["signal"] == "heartbeat")
    heartbeat["fail_safe"] = "true"  # an output that would stay on when the controller dies
    bad = parse_io_rows(rows)
    with pytest.raises(ValueError, match="KW01 .heartbeat.: fail_safe 'true'"):
        fail_safe_text(bad["heartbeat"])


def test_check_mode_reports_drift(tmp_path):
    out = tmp_path / "plan.md"
    assert main(["--io-list", str(IO_LIST), "--out", str(out), "--check"]) == 1
    assert main(["--io-list", str(IO_LIST), "--out", str(out)]) == 0
    assert main(["--io-list", str(IO_LIST), "--out", str(out), "--check"]) == 0
    out.write_text(out.read_text() + "edited by hand\n")
    assert main(["--io-list", str(IO_LIST), "--out", str(out), "--check"]) == 1


def test_module_entry_point_runs(tmp_path):
    out = tmp_path / "plan.md"
    res = subprocess.run(
        [sys.executable, "-m", "thermiq.iomap.terminal_plan", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert out.read_text() == DEFAULT_OUT.read_text()
    res = subprocess.run(
        [sys.executable, "-m", "thermiq.iomap.terminal_plan", "--io-list", str(tmp_path / "none.csv")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert res.returncode == 2 and "cannot read I/O list" in res.stderr
