"""Issue 11, bad input: every ``thermiq sim`` option is checked before the run starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hardware_sim.sim_args import SimArgsError, sim_period
from tests.core.conftest import REPO

START, END = 1230771300.0, 1262303700.0  # the bundled PVGIS year: 2009-01-01 00:55 .. 2009-12-31 23:55 UTC


def _sim(*args: str, out) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "thermiq", "sim", *args, "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )


@pytest.mark.parametrize(
    "args, says",
    [
        (("--start", "2015-01-10"), "--start 2015-01-10 is outside the weather file (2009-01-01 .. 2009-12-31)"),
        (("--start", "10.01.2009"), "is not a date"),
        (("--days", "400"), "runs past the end of the weather file"),
        (("--days", "0"), "--days 0 must be a positive number of days"),
        (("--days", "nan"), "must be a positive number of days"),
        (("--period", "0"), "--period 0 must be between"),
        (("--period", "-10"), "must be between"),
        (("--period", "7"), "must divide the 300 s report interval"),
        (("--year", "--days", "2"), "--year simulates the whole weather file"),
    ],
)
def test_bad_option_is_one_line_and_nothing_runs(tmp_path, args, says):
    out = tmp_path / "report"
    proc = _sim(*args, out=out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_unwritable_out_is_refused_before_the_run(tmp_path):
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file", tmp_path / "file" / "report", "/proc/thermiq-report"):
        proc = _sim("--days", "1", out=out)
        assert proc.returncode == 2 and proc.stderr.startswith("error: --out "), proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_first_day_of_the_weather_file_runs(tmp_path):
    out = tmp_path / "deep" / "report"
    proc = _sim("--start", "2009-01-01", "--days", "0.25", out=out)
    assert proc.returncode == 0, proc.stderr
    assert (out / "summary.md").exists() and "0.25 days" in proc.stdout


def test_year_is_the_whole_weather_file_in_whole_samples():
    p = sim_period(None, None, True, 10.0, START, END)
    assert p.start_utc_s == START and START + p.duration_s <= END
    assert END - (START + p.duration_s) < 300.0 and p.days > 364.9
    assert sim_period("2009-01-01", 7.0, False, 10.0, START, END).start_utc_s == START  # before the first stamp
    with pytest.raises(SimArgsError, match="at most 355.99 days"):
        sim_period(None, 400.0, False, 10.0, START, END)
