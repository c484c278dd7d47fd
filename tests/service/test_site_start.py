"""``thermiq run`` takes everything from the site file and refuses, in one line naming what is
missing, to start a real run the site cannot support; ``thermiq safe-outputs`` (ExecStopPost)
de-energises every output of the image."""

from __future__ import annotations

import subprocess
import sys

from hardware_sim.process_image import PlantProcessImage
from tests.core.conftest import RSC
from tests.service.conftest import REPO, bench_site
from thermiq.adapters.revpi.process_image import RevPiProcessImage


def run(*argv) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "thermiq.cli", *argv], cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_a_real_run_without_broker_or_devices_is_refused_in_one_line(tmp_path, image_file):
    site = bench_site(tmp_path, broker=None)
    res = run("run", "--config", str(site), "--procimg", str(image_file), "--run-dir", str(tmp_path / "run"))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "[service.broker]" in lines[0] and "/dev/ttyRS485" in lines[0] and "--field fake" in lines[0]
    assert not (tmp_path / "run").exists()  # nothing was started or created


def test_a_missing_broker_password_file_is_named(tmp_path, image_file):
    site = bench_site(
        tmp_path,
        broker=f'host = "127.0.0.1"\nport = 1883\nusername = "thermiq"\npassword_file = "{tmp_path}/nope.password"',
    )
    res = run("run", "--config", str(site), "--procimg", str(image_file))
    assert res.returncode == 2 and f"{tmp_path}/nope.password" in res.stderr and res.stderr.count("\n") == 1


def test_fakes_only_behind_field_fake(tmp_path, image_file):
    site = bench_site(tmp_path, broker=None)
    res = run(
        "run",
        "--config",
        str(site),
        "--field",
        "fake",
        "--procimg",
        str(image_file),
        "--run-dir",
        str(tmp_path / "run"),
        "--max-scans",
        "3",
    )
    assert res.returncode == 0, res.stderr
    assert '"field": "fake"' in res.stdout


def test_safe_outputs_switches_every_output_off(tmp_path, image_file, io_list):
    ctrl = RevPiProcessImage(io_list, str(image_file), str(RSC))
    ctrl.write({p.signal: True for p in io_list.outputs})  # a crashed daemon left everything on
    ctrl.close()
    plant = PlantProcessImage(io_list, str(image_file), str(RSC))
    assert all(plant.read_outputs().values())
    res = run(
        "safe-outputs", "--config", str(bench_site(tmp_path)), "--procimg", str(image_file), "--configrsc", str(RSC)
    )
    assert res.returncode == 0, res.stderr
    assert not any(plant.read_outputs().values())
    plant.close()
