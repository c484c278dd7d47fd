"""Site configuration: loads, rejects unknown keys and bounds with the key and file named."""

from __future__ import annotations

import subprocess
import sys

import pytest

from thermiq.config.load import ConfigError, load_config

from .conftest import REPO

ASP1 = (REPO / "thermiq" / "sites" / "asp1.toml").read_text()


def test_asp1_loads_frozen(cfg):
    assert cfg.site.name == "asp1" and [m.name for m in cfg.miners] == ["m1", "m2"]
    assert cfg.miners[1].publishes_hashrate is False
    with pytest.raises(Exception):
        cfg.scan.period_s = 1.0


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            ("[energy]", "[energy]\npriority_socc_pct = 80.0"),
            "energy.priority_socc_pct: Extra inputs are not permitted",
        ),
        (("period_s = 0.5", "period_s = -1.0"), "scan.period_s: Input should be greater than 0.005"),
        (("power_min_w = 1700.0", "power_min_w = 3700.0"), "miners.0: Value error, power_min_w (3700.0) must be below"),
        (("setpoint_c = 52.0", "setpoint_c = 65.0"), "tanks.1: Value error, setpoint_c (65.0) must be below max_c"),
        (("[site]", "[site\n"), "not valid TOML"),
    ],
)
def test_bad_config_is_refused_with_key_and_file(tmp_path, edit, expected):
    path = tmp_path / "site.toml"
    path.write_text(ASP1.replace(*edit, 1))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_check_config_cli_refuses_and_runs_nothing(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(ASP1.replace("buffer_top_trip_c = 85.0", "buffer_top_trip_c = 150.0"))
    proc = subprocess.run(
        [sys.executable, "-m", "thermiq", "check-config", "--config", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "limits.buffer_top_trip_c: Input should be less than or equal to 105" in proc.stderr
    ok = subprocess.run([sys.executable, "-m", "thermiq", "check-config"], capture_output=True, text=True)
    assert ok.returncode == 0 and "OK" in ok.stdout


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nothere.toml: cannot read configuration"):
        load_config(tmp_path / "nothere.toml")
