"""deploy/install.sh into a throwaway root: idempotent install, a broker that starts from what it
installed, and an uninstall that keeps only the site's data (issue 9, done-when 4)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "deploy" / "install.sh"
KEPT = {
    "etc/thermiq/site.toml",
    "etc/thermiq/io_list.csv",
    "var/lib/thermiq/latches.json",
    "var/lib/thermiq/audit.jsonl",
    "var/lib/thermiq/audit.jsonl.1",
}

pytestmark = pytest.mark.skipif(
    shutil.which("mosquitto_passwd") is None or shutil.which("openssl") is None,
    reason="needs mosquitto_passwd and openssl (scripts/install-system-deps.sh)",
)


def run_install(root: Path, *args: str) -> str:
    res = subprocess.run(
        ["bash", str(INSTALL), "--root", str(root), *args], capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return res.stdout


def manifest(root: Path) -> dict[str, tuple]:
    """Every path under root -> (kind, mode, sha256 or link target, mtime_ns of files)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                out[rel] = (
                    "file",
                    stat.S_IMODE(st.st_mode),
                    hashlib.sha256(p.read_bytes()).hexdigest(),
                    st.st_mtime_ns,
                )
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    # --no-deps: the test checks the install, not pip's resolver (the real install pulls the deps)
    args = ("--pip-args", "--no-deps", "--cert-name", "localhost", "--cert-name", "127.0.0.1")
    first = run_install(root, *args)
    m1 = manifest(root)
    second = run_install(root, *args)
    return root, first, second, m1, manifest(root), args


def test_second_run_changes_nothing(installed):
    root, first, second, m1, m2, _ = installed
    assert len(m1) > 200, len(m1)  # the source tree, the venv, /etc, the units
    assert m2 == m1, {k: (m1.get(k), m2.get(k)) for k in set(m1) | set(m2) if m1.get(k) != m2.get(k)}
    assert "wrote " in first and "wrote " not in second and "installed thermiq" not in second
    print(f"\n{len(m1)} paths installed; second run: identical manifest (paths, modes, hashes, mtimes)")


def test_side_effects_are_recorded_not_run(installed):
    root, first, *_ = installed
    for cmd in (
        "apt-get install",
        "useradd --system",
        "chown root:thermiq /etc/thermiq/site.toml",
        "npm ci",
        "systemctl enable mosquitto.service thermiq.service node-red.service",
    ):
        assert any(line.startswith("skipped (--root): ") and cmd in line for line in first.splitlines()), cmd


def test_installed_layout(installed):
    root = installed[0]
    for unit in ("thermiq.service", "node-red.service"):
        assert (root / "etc/systemd/system" / unit).read_text() == (REPO / "systemd" / unit).read_text()
    dropin = root / "etc/systemd/system/mosquitto.service.d/thermiq.conf"
    assert dropin.read_text() == (REPO / "systemd/mosquitto.service.d/thermiq.conf").read_text()
    # ExecStart's binary: /usr/local/bin/thermiq -> the venv's entry point
    link = root / "usr/local/bin/thermiq"
    assert os.readlink(link) == "/opt/thermiq/venv/bin/thermiq"
    unit = (root / "etc/systemd/system/thermiq.service").read_text()
    assert "ExecStart=/usr/local/bin/thermiq run --config /etc/thermiq/site.toml\n" in unit
    assert "ExecStopPost=/usr/local/bin/thermiq safe-outputs" in unit
    assert (root / "opt/thermiq/venv/bin/thermiq").is_file()
    assert (root / "opt/thermiq/nodered/flows.json").read_bytes() == (REPO / "nodered/flows.json").read_bytes()
    site = (root / "etc/thermiq/site.toml").read_text()
    assert 'io_list = "/etc/thermiq/io_list.csv"' in site
    assert stat.S_IMODE((root / "etc/thermiq/site.toml").stat().st_mode) == 0o640
    # one generated password per system user, all different, and each user in the broker's file
    pws = {
        u: (root / f"etc/thermiq/mqtt-{u}.password").read_text().strip()
        for u in ("thermiq", "nodered", "homeassistant")
    }
    assert all(len(p) >= 24 for p in pws.values()) and len(set(pws.values())) == 3
    users = [line.split(":")[0] for line in (root / "etc/mosquitto/thermiq.passwd").read_text().splitlines()]
    assert sorted(users) == ["homeassistant", "nodered", "thermiq"]
    assert stat.S_IMODE((root / "etc/mosquitto/thermiq.passwd").stat().st_mode) == 0o600
    assert f"MQTT_PASSWORD={pws['nodered']}\n" in (root / "etc/thermiq/node-red.env").read_text()
    assert stat.S_IMODE((root / "etc/mosquitto/certs/server.key").stat().st_mode) == 0o600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_installed_broker_starts_and_takes_the_generated_logins(installed, tmp_path):
    """Debian's mosquitto.conf (include_dir conf.d) with the installed conf.d file, ACL, password
    file and certificates; only the paths into the throwaway root and the ports are rewritten."""
    paho = pytest.importorskip("paho.mqtt.client")
    root = installed[0]
    plain, tls = free_port(), free_port()
    confd = tmp_path / "conf.d"
    confd.mkdir()
    text = (root / "etc/mosquitto/conf.d/thermiq.conf").read_text()
    for old, new in (
        ("/etc/mosquitto/", f"{root}/etc/mosquitto/"),
        ("listener 1883 ", f"listener {plain} "),
        ("listener 8883", f"listener {tls} 127.0.0.1"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    (confd / "thermiq.conf").write_text(text)
    # the lines of Debian 12's /etc/mosquitto/mosquitto.conf that matter, then the include
    main = tmp_path / "mosquitto.conf"
    main.write_text(
        f"persistence true\npersistence_location {tmp_path}/\nlog_dest stderr\n"
        + ("user root\n" if os.geteuid() == 0 else "")
        + f"include_dir {confd}\n"
    )
    proc = subprocess.Popen(["mosquitto", "-c", str(main)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read()
            try:
                socket.create_connection(("127.0.0.1", tls), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        pw = (root / "etc/thermiq/mqtt-thermiq.password").read_text().strip()

        def connect(port: int, password: str, ca: Path | None) -> int:
            rc: list[int] = []
            c = (
                paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"t{port}{len(password)}")
                if hasattr(paho, "CallbackAPIVersion")
                else paho.Client(client_id=f"t{port}{len(password)}")
            )
            c.username_pw_set("thermiq", password)
            if ca is not None:
                c.tls_set(ca_certs=str(ca), cert_reqs=ssl.CERT_REQUIRED)
            c.on_connect = lambda client, userdata, flags, reason, *rest: rc.append(
                int(getattr(reason, "value", reason))
            )
            c.connect("127.0.0.1", port)
            c.loop_start()
            t0 = time.monotonic()
            while not rc and time.monotonic() - t0 < 5:
                time.sleep(0.05)
            c.loop_stop()
            c.disconnect()
            return rc[0] if rc else -1

        assert connect(plain, pw, None) == 0
        assert connect(tls, pw, root / "etc/mosquitto/certs/ca.crt") == 0  # the VPN side, CA from the installer
        assert connect(plain, pw + "x", None) != 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_site_file_is_never_overwritten(installed):
    root, *_, args = installed
    site = root / "etc/thermiq/site.toml"
    edited = site.read_text() + "\n# edited on site\n"
    site.write_text(edited)
    out = run_install(root, *args)
    assert site.read_text() == edited and "wrote " not in out


def test_installed_site_file_checks_and_names_the_generated_broker_login(installed, tmp_path):
    """The installed /etc/thermiq/site.toml passes `thermiq check-config` (its absolute I/O-list path
    moved into the throwaway root) and its broker login is the one the installer generated."""
    root = installed[0]
    text = (root / "etc/thermiq/site.toml").read_text()
    broker = tomllib.loads(text)["service"]["broker"]
    assert (broker["username"], broker["password_file"]) == ("thermiq", "/etc/thermiq/mqtt-thermiq.password")
    assert (root / broker["password_file"].lstrip("/")).read_text().strip()
    site = tmp_path / "site.toml"
    site.write_text(text.replace('"/etc/thermiq/io_list.csv"', f'"{root}/etc/thermiq/io_list.csv"'))
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "thermiq.cli",
            "check-config",
            "--config",
            str(site),
            "--configrsc",
            str(root / "opt/thermiq/Schaltschrank/config.rsc"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert res.returncode == 0 and ": OK (site asp1" in res.stdout, res.stdout + res.stderr


def test_uninstall_keeps_only_the_site_data_and_purge_removes_it(installed):
    root = installed[0]
    state = root / "var/lib/thermiq"
    for name in ("latches.json", "audit.jsonl", "audit.jsonl.1", "scratch.tmp"):
        (state / name).write_text("{}\n")
    (root / "var/lib/thermiq-nodered").mkdir(parents=True, exist_ok=True)
    (root / "var/lib/thermiq-nodered/.config.runtime.json").write_text("{}")
    (root / "etc/mosquitto/certs/README").write_text("shipped by the mosquitto package\n")  # not ours
    out = run_install(root, "--uninstall")
    left = {str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir()}
    assert left == KEPT | {"etc/mosquitto/certs/README"}, left
    (root / "etc/mosquitto/certs/README").unlink()
    assert "skipped (--root): systemctl disable --now node-red.service thermiq.service" in out
    run_install(root, "--uninstall", "--purge")
    assert list(root.iterdir()) == []


def test_bad_arguments_are_refused_in_one_line_and_change_nothing(tmp_path):
    for args in (["--bogus"], ["--purge"], ["--site", str(tmp_path / "missing.toml")]):
        root = tmp_path / "r"
        res = subprocess.run(
            ["bash", str(INSTALL), "--root", str(root), *args], capture_output=True, text=True, timeout=60
        )
        assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1 and res.stdout == "", res
        assert res.stderr.startswith("install.sh: ")
        assert not root.exists() or not any(root.iterdir())
