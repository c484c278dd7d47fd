"""Run the broker tests again under paho-mqtt 2.x (the venv pins 1.5.1 through sunsynk).

paho 2.x is installed with pip into a temp ``--target`` directory and put first on PYTHONPATH
of a child pytest, so the venv itself is not touched. Skipped when pip cannot fetch it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import unavailable

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def paho2_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("paho2")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), "paho-mqtt>=2.1,<3"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if r.returncode != 0:
        unavailable(f"cannot install paho-mqtt 2.x: {r.stderr[-300:]}")
    return target


@pytest.mark.skipif(os.environ.get("THERMIQ_EXPECT_PAHO") == "2", reason="already the paho 2 run")
def test_bridge_and_acl_suites_pass_on_paho2(paho2_dir):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(paho2_dir), os.environ.get("PYTHONPATH", "")]),
        THERMIQ_EXPECT_PAHO="2",
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::DeprecationWarning",
            str(HERE / "test_bridge.py"),
            str(HERE / "test_acl.py"),
            str(HERE / "test_compat.py"),
            str(HERE / "test_runner_e2e.py"),
            str(HERE / "test_every_command_answered.py"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
        cwd=HERE.parents[1],
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and "skipped" not in r.stdout.splitlines()[-1], r.stdout[-500:]
