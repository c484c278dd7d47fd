"""systemd/thermiq.service: the settings the cabinet's fail-safe design relies on, and an offline verify."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from thermiq.cli import build_parser
from thermiq.config.load import load_config

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "thermiq.service"


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """systemd unit -> {section: {key: [values in order]}} (keys may repeat, unlike configparser)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"line {n} is not KEY=VALUE inside a section: {raw!r}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def seconds(value: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|min)?", value)
    assert m, f"unsupported time span {value!r}"
    return float(m.group(1)) * {"ms": 0.001, "s": 1.0, "min": 60.0, None: 1.0}[m.group(2)]


@pytest.fixture(scope="module")
def unit():
    return parse_unit(UNIT.read_text(encoding="utf-8"))


def one(unit, section, key):
    values = unit[section].get(key)
    assert values and len(values) == 1, f"[{section}] {key} must be set exactly once, got {values}"
    return values[0]


def test_notify_watchdog_and_restart(unit):
    assert one(unit, "Service", "Type") == "notify"
    assert one(unit, "Service", "NotifyAccess") == "main"
    assert one(unit, "Service", "Restart") == "always"
    assert one(unit, "Unit", "StartLimitIntervalSec") == "0"  # never give up restarting


def test_watchdog_is_layered_above_the_output_watchdog_and_the_scan():
    """docs/SOURCES.md S-WATCHDOG: output watchdog (1-2 s) < WatchdogSec (~10 s) < hardware watchdog (60 s)."""
    unit = parse_unit(UNIT.read_text(encoding="utf-8"))
    cfg = load_config(REPO / "thermiq" / "sites" / "asp1.toml")
    watchdog_s = seconds(one(unit, "Service", "WatchdogSec"))
    output_watchdog_s = cfg.process_image.output_watchdog_ms / 1000.0
    assert 0 < output_watchdog_s < watchdog_s < 60.0
    # the software overrun trip (one scan > factor x period, I12) fires before systemd kills the process
    assert cfg.scan.overrun_trip_factor * cfg.scan.period_s < watchdog_s


def test_runs_as_thermiq_with_picontrol_group(unit):
    assert one(unit, "Service", "User") == "thermiq"
    groups = one(unit, "Service", "SupplementaryGroups").split()
    assert "picontrol" in groups and "dialout" in groups
    assert one(unit, "Service", "CapabilityBoundingSet") == ""
    assert one(unit, "Service", "NoNewPrivileges") == "yes"


def test_execstart_is_a_valid_thermiq_run_command(unit):
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert Path(argv[0]).name == "thermiq"
    assert argv[1:] == ["run", "--config", "/etc/thermiq/site.toml"]  # the site file is the whole configuration
    args = build_parser().parse_args(argv[1:])  # the real CLI accepts exactly these options
    assert (args.command, args.config, args.field, args.mqtt) == ("run", "/etc/thermiq/site.toml", "protocol", None)
    stop = shlex.split(one(unit, "Service", "ExecStopPost"))
    assert stop[1:] == ["safe-outputs", "--config", "/etc/thermiq/site.toml"]
    assert build_parser().parse_args(stop[1:]).command == "safe-outputs"
    # the latch file lives in the state directory the unit creates, the config in its config directory
    assert one(unit, "Service", "StateDirectory") == "thermiq"
    assert one(unit, "Service", "ConfigurationDirectory") == "thermiq"


def test_hardening_keeps_picontrol_reachable(unit):
    svc = unit["Service"]
    assert svc.get("PrivateDevices", ["no"]) == ["no"]  # PrivateDevices=yes would hide /dev/piControl0
    assert one(unit, "Service", "DevicePolicy") == "closed"
    assert "char-piControl rw" in svc["DeviceAllow"]
    assert one(unit, "Service", "ProtectSystem") == "strict"
    for key in (
        "ProtectHome",
        "PrivateTmp",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectControlGroups",
        "RestrictSUIDSGID",
        "LockPersonality",
        "RestrictNamespaces",
    ):
        assert one(unit, "Service", key) == "yes", key


def test_no_network_listening(unit):
    svc = unit["Service"]
    assert one(unit, "Service", "SocketBindDeny") == "any"
    # the only bind allowed is the loopback metrics port of the shipped site file
    port = load_config(Path(__file__).resolve().parents[2] / "thermiq/sites/asp1.toml").service.metrics.port
    assert svc["SocketBindAllow"] == [f"tcp:{port}"]
    assert set(one(unit, "Service", "RestrictAddressFamilies").split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    listening = {"ListenStream", "ListenDatagram", "Sockets"}
    assert not listening & set(svc) and not listening & set(unit.get("Socket", {}))


def test_parser_rejects_garbage():
    with pytest.raises(AssertionError, match="line 2"):
        parse_unit("[Service]\nthis is not a key\n")


def _verify(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed (no systemd here)")
def test_systemd_analyze_verify_is_clean(tmp_path):
    """systemd-analyze exits 0 on unknown keys (it only warns), so any output is a failure too.

    ExecStart's binary is not installed here, and verify fails on a missing binary: point it at
    python3 for the check (docs/SOURCES.md S-MQTT, tested).
    """
    text = UNIT.read_text(encoding="utf-8")
    candidate = tmp_path / "thermiq.service"
    candidate.write_text(re.sub(r"^(ExecStart|ExecStopPost)=\S+", rf"\1={shutil.which('python3')}", text, flags=re.M))
    res = _verify(candidate)
    assert res.returncode == 0 and res.stdout + res.stderr == "", res.stdout + res.stderr
    # the check is meaningful: a typo in a key is reported
    typo = tmp_path / "typo.service"
    typo.write_text(candidate.read_text().replace("WatchdogSec=", "WatchdogSecs="))
    assert "Unknown key 'WatchdogSecs'" in (_verify(typo).stderr + _verify(typo).stdout)
    # hardening score stays "OK" (exposure below 3.0 of 10)
    sec = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--threshold=30", str(candidate)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    m = re.search(r"Overall exposure level for thermiq.service: (\d+\.\d)", sec.stdout)
    assert m and float(m.group(1)) < 3.0, sec.stdout[-500:]
