"""Load-time proof (issue #8 done-when 2): check-config and run refuse a site whose I/O list or
piCtory file lacks a signal an instance needs, or where two miners claim one contactor, naming the
signal and the instance; nothing runs."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from thermiq.cli import main
from thermiq.config.load import load_config
from thermiq.cycle.proof import needs, prove
from thermiq.iomap.io_list import load_io_list
from thermiq.iomap.pictory import build_rsc, dump_rsc

from .conftest import REPO

SITES = REPO / "tests" / "sites"


def _site(tmp_path: Path, site: str = "quad", drop: tuple[str, ...] = (), toml_edit=None, retype=None) -> Path:
    """A copy of a test site in ``tmp_path`` with I/O-list rows dropped or retyped and the TOML edited."""
    with (SITES / f"{site}_io_list.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        cols, rows = reader.fieldnames, [r for r in reader if r["signal"] not in drop]
    for r in rows:
        if retype and r["signal"] in retype:
            r["signal_type"] = retype[r["signal"]]
            r["channel"] = "O_14" if retype[r["signal"]] == "DO_24V" else "I_14"
    io = tmp_path / "io_list.csv"
    with io.open("w", newline="") as fh:
        w = csv.DictWriter(fh, cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    text = (
        (SITES / f"{site}.toml").read_text().replace(f'io_list = "tests/sites/{site}_io_list.csv"', f'io_list = "{io}"')
    )
    if toml_edit:
        text = toml_edit(text)
    path = tmp_path / f"{site}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("site", ["solo", "duo", "quad"])
def test_test_sites_pass_with_their_generated_pictory_file(tmp_path, capsys, site):
    rsc = tmp_path / "config.rsc"
    rsc.write_text(dump_rsc(build_rsc(load_io_list(SITES / f"{site}_io_list.csv"))))
    assert main(["check-config", "--config", str(SITES / f"{site}.toml"), "--configrsc", str(rsc)]) == 0
    assert "OK" in capsys.readouterr().out


def test_missing_outlet_sensor_of_one_miner_is_refused_naming_signal_and_miner(tmp_path, capsys):
    path = _site(tmp_path, drop=("s3_outlet_temp_c",))
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "miner s3: outlet_temp_signal 's3_outlet_temp_c' is not in the I/O list" in err
    assert "trip I1_s3_outlet_hh (miner s3)" in err, "the interlock that needs it is named too"
    assert "miner s1" not in err and "miner s4" not in err


def test_exit_code_of_the_command(tmp_path):
    path = _site(tmp_path, drop=("s3_outlet_temp_c",))
    proc = subprocess.run(
        [sys.executable, "-m", "thermiq", "check-config", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 2 and "s3_outlet_temp_c" in proc.stderr and "miner s3" in proc.stderr
    assert "OK" not in proc.stdout


def test_contactor_named_twice_is_refused_naming_both_miners(tmp_path, capsys):
    path = _site(
        tmp_path, toml_edit=lambda t: t.replace('contactor_output = "k12_s2_run"', 'contactor_output = "k11_s1_run"')
    )
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "'k11_s1_run'" in err and "miner s1" in err and "miner s2" in err


def test_an_input_where_an_output_is_needed_is_refused(tmp_path, capsys):
    path = _site(
        tmp_path,
        site="duo",
        drop=("lamp",),
        retype={"kb_west_coil": "DI_24V"},
        toml_edit=lambda t: t.replace('alarm_lamp_output = "lamp"\n', ""),
    )
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        "miner west: contactor_output 'kb_west_coil' is a digital input (DI) in the I/O list (KY02); "
        "a digital output (DO) is needed"
    ) in err


def test_pictory_file_lacking_a_signal_is_refused(tmp_path, capsys):
    reduced = tmp_path / "reduced"
    reduced.mkdir()
    rsc = tmp_path / "config.rsc"
    rsc.write_text(
        dump_rsc(
            build_rsc(load_io_list(_site(reduced, drop=("west_outlet_temp_c",), site="duo").parent / "io_list.csv"))
        )
    )
    assert main(["check-config", "--config", str(SITES / "duo.toml"), "--configrsc", str(rsc)]) == 2
    err = capsys.readouterr().err
    assert "miner west: outlet_temp_signal 'west_outlet_temp_c': piCtory I/O 'west_outlet_temp_c' is missing" in err


def test_run_refuses_before_the_first_scan_and_opens_nothing(tmp_path, capsys):
    path = _site(tmp_path, drop=("k14_s4_closed",))
    img = tmp_path / "pi.img"
    assert (
        main(
            [
                "run",
                "--config",
                str(path),
                "--procimg",
                str(img),
                "--max-scans",
                "1",
                "--configrsc",
                str(REPO / "Schaltschrank" / "config.rsc"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "miner s4: contactor_feedback 'k14_s4_closed' is not in the I/O list" in err
    assert not img.exists(), "nothing ran: no process image was created"


def test_every_instance_signal_is_a_need(cfg):
    claimed = {sig for _, sig in cfg.signal_owners()}
    assert {n.signal for n in needs(cfg)} == claimed
    assert prove(cfg, load_io_list(REPO / "Schaltschrank" / "io_list.csv")) == []


def test_the_runner_itself_refuses_a_config_the_io_list_cannot_serve(tmp_path):
    from thermiq.adapters.fakes import StaticInverter, StaticMeters
    from thermiq.cycle.runner import Runner

    path = _site(tmp_path, drop=("s2_outlet_temp_c",))
    cfg = load_config(path)
    with pytest.raises(ValueError, match=r"miner s2: outlet_temp_signal 's2_outlet_temp_c' is not in the I/O list"):
        Runner(cfg, load_io_list(tmp_path / "io_list.csv"), None, StaticInverter(), StaticMeters(), {})


def test_an_instance_name_too_long_for_a_remote_reset_is_refused(tmp_path, capsys):
    long = "s" + "x" * 50
    path = _site(tmp_path, toml_edit=lambda t: t.replace('name = "s4"', f'name = "{long}"'))
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"miner {long}: trip id 'I11_{long}_contactor_feedback' is longer than 64 characters" in err


def test_a_four_miner_site_runs_through_the_cli(tmp_path):
    rsc = tmp_path / "config.rsc"
    rsc.write_text(dump_rsc(build_rsc(load_io_list(SITES / "quad_io_list.csv"))))
    latches = tmp_path / "latches.json"
    assert (
        main(
            [
                "run",
                "--config",
                str(SITES / "quad.toml"),
                "--procimg",
                str(tmp_path / "pi.img"),
                "--configrsc",
                str(rsc),
                "--max-scans",
                "3",
                "--latches",
                str(latches),
                "--field",
                "fake",
            ]
        )
        == 0
    )
    assert (tmp_path / "pi.img").stat().st_size == 4096
