"""The operator's view end to end: Mosquitto, `thermiq sim --mqtt`, Node-RED with the generated flows,
Debian's Chromium headless (driven by Playwright over its own pipe; no browser download).

A site file like ASP1's but with the miner-outlet trip limit below the loop's start temperature makes
the simulation trip at once (the injected trip). The test reads the rendered DOM: the banner names
the first-out trip with its cause from the trip table, values carry their unit and the registry's
number of decimals, and after the simulation is killed (its last will says offline) every value is
marked stale. It saves a screenshot of every page (``THERMIQ_SCREENSHOTS`` or the test's tmp dir)
and checks that the 800x480 panel page needs no scrolling.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mqtt.mqtt_helpers import Probe
from tests.mqtt.testbroker import BrokerError, Mosquitto, free_port, make_passwd
from tests.nodered.test_nodered_live import NR, PW, RED_JS, _poll
from tests.support import unavailable
from thermiq.adapters.mqtt.nodered_flows import PAGES
from thermiq.adapters.mqtt.registry import REPO, registry_for_site
from thermiq.commands import SetpointCommand, validate
from thermiq.config.load import load_config
from thermiq.interlocks.evaluate import compile_table

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NBSP = "\u202f"


def _trip_site(tmp: Path) -> Path:
    """ASP1 with the miner-outlet trip limit at 30 °C: the miner loop starts at 35 °C, so I1 trips at once.

    (A tank trip cannot be lowered below its tank's band: check-config keeps every tank target a
    margin below the trips it feeds, and the hot water must reach its 60 °C anti-legionella cycle.)
    """
    text = (REPO / "thermiq/sites/asp1.toml").read_text()
    text, n = re.subn(r"(?m)^miner_outlet_trip_c = .*$", "miner_outlet_trip_c = 30.0", text)
    assert n == 1
    out = tmp / "site_trip.toml"
    out.write_text(
        text.replace('io_list = "Schaltschrank/io_list.csv"', f'io_list = "{REPO / "Schaltschrank/io_list.csv"}"')
    )
    return out


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright (Python package) not installed")
    if not Path(CHROMIUM).exists():
        unavailable("Debian chromium not installed (scripts/install-system-deps.sh)")
    if shutil.which("node") is None or not RED_JS.exists():
        r = subprocess.run(
            ["sh", str(REPO / "scripts/install-node-red.sh")], capture_output=True, text=True, timeout=240
        )
        if r.returncode != 0:
            unavailable(f"cannot install Node-RED: {r.stderr[-300:]}")
    d = tmp_path_factory.mktemp("hmi")
    shots = Path(os.environ.get("THERMIQ_SCREENSHOTS") or d / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    make_passwd(d / "passwd", PW)
    try:
        broker = Mosquitto(acl_file=REPO / "deploy/mosquitto/acl", passwd_file=d / "passwd").start()
    except BrokerError as err:
        unavailable(str(err))
    shutil.copy(NR / "flows.json", d / "flows.json")
    shutil.copy(NR / "flows_cred.json", d / "flows_cred.json")
    port = free_port()
    env = dict(
        os.environ,
        MQTT_HOST="127.0.0.1",
        MQTT_PORT=str(broker.port),
        MQTT_USER="nodered",
        MQTT_PASSWORD=PW["nodered"],
        NR_PORT=str(port),
        NR_HOST="127.0.0.1",
        NR_DISABLE_EDITOR="1",
    )
    log = d / "nodered.log"
    nr = subprocess.Popen(
        ["node", str(RED_JS), "--userDir", str(d), "--settings", str(NR / "settings.js"), str(d / "flows.json")],
        cwd=d,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    site = _trip_site(d)
    sim = None
    pw = sync_playwright().start()
    browser = None
    try:
        _poll(lambda: "Connected to broker" in log.read_text(), 30)
        sim_env = dict(os.environ, THERMIQ_MQTT_USER="thermiq", THERMIQ_MQTT_PASSWORD=PW["thermiq"])
        sim = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "thermiq",
                "sim",
                "--config",
                str(site),
                "--days",
                "30",
                "--quiet",
                "--out",
                str(d / "report"),
                "--mqtt",
                f"127.0.0.1:{broker.port}",
            ],
            cwd=REPO,
            env=sim_env,
            stdout=subprocess.DEVNULL,
            stderr=(d / "sim.log").open("w"),
        )
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        probe = Probe(broker.port, "alice", PW["alice"])  # a remote operator: reads the tree
        probe.subscribe("thermiq/asp1/state/safety/#")
        probe.subscribe("thermiq/asp1/setpoints/#")
        probe.subscribe("thermiq/asp1/cmd/#")
        yield {
            "port": port,
            "browser": browser,
            "sim": sim,
            "shots": shots,
            "probe": probe,
            "reg": registry_for_site(site),
            "cfg": load_config(site),
            "log": log,
        }
        probe.close()
    finally:
        if browser is not None:
            browser.close()
        pw.stop()
        for proc in (sim, nr):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        broker.close()


def _open(stack, path: str, width: int = 1280, height: int = 900):
    page = stack["browser"].new_page(viewport={"width": width, "height": height})
    page.goto(f"http://127.0.0.1:{stack['port']}/dashboard/{path}", wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid=alarm-banner]", timeout=30000)
    return page


def _text(page, selector: str) -> str:
    el = page.query_selector(selector)
    return el.inner_text().strip() if el else ""


@pytest.mark.timeout(900)  # a real browser, Node-RED and a simulation on a shared 2-core machine
def test_banner_units_stale_and_screenshots(stack):
    reg, cfg, shots = stack["reg"], stack["cfg"], stack["shots"]
    causes = {row.spec.id: row.spec.cause for row in compile_table(cfg)}
    first = json.loads(
        stack["probe"]
        .wait_for("thermiq/asp1/state/safety/first_out", lambda m: json.loads(m.payload) is not None, 60)
        .payload
    )
    assert first in causes, first
    dhw = f"state/temperature/{cfg.dhw.top_temp_signal}"
    pv = "state/inverter/pv_power_w"

    page = _open(stack, "overview")
    # 1. the banner names the first-out trip and its cause from the trip table
    _poll(lambda: f"FIRST OUT {first}" in _text(page, "[data-testid=alarm-banner]"), 30)
    banner = _text(page, "[data-testid=alarm-banner]")
    assert causes[first] in banner, banner
    assert re.search(r"\d{2}/\d{2}/\d{4}, \d{2}:\d{2}:\d{2}", banner), banner  # wall-clock time
    assert "Acknowledge" in banner and "Reset" in banner
    colour = page.eval_on_selector("[data-testid=alarm-banner]", "e => getComputedStyle(e).backgroundColor")
    r, g, b_ = (int(x) for x in re.findall(r"\d+", colour)[:3])
    assert r >= 140 and g <= 60 and b_ <= 60, colour  # ISA-18.2 active, unacknowledged: red (blinking)

    # 2. values show their unit and the registry's decimals (°C: 1, W: 0), live (not stale)
    heat = _open(stack, "heat")
    sel = f".tq-values [data-topic='{dhw}'] .tq-val"
    _poll(lambda: re.fullmatch(rf"\d+\.\d{NBSP}°C", _text(heat, sel)), 30)
    assert "tq-live" in heat.get_attribute(sel, "class")
    energy = _open(stack, "energy")
    sel_pv = f".tq-values [data-topic='{pv}'] .tq-val"
    _poll(lambda: re.fullmatch(rf"[\d,]+{NBSP}W", _text(energy, sel_pv)), 30)
    assert stack["sim"].poll() is None, "the simulation ended before the screenshots"
    for name, _title, _icon in PAGES:
        if name == "compact":
            continue
        p = _open(stack, name)
        p.wait_for_timeout(2500)
        p.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        p.close()

    # 3. the 800x480 panel shows alarm state, tank temperatures and power flows without scrolling
    panel = _open(stack, "compact", 800, 480)
    panel.wait_for_timeout(2500)
    panel.screenshot(path=str(shots / "compact_800x480.png"))
    size = panel.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]")
    assert size[0] <= 800 and size[1] <= 480, size
    for t in reg.view["tanks"]:
        for layer in t["layers"]:
            box = panel.locator(f".tq-compact [data-topic='{layer}']").bounding_box()
            assert box and box["y"] + box["height"] <= 480, (layer, box)
    for f in reg.view["flows"]:
        box = panel.locator(f".tq-cflows [data-topic='{f['topic']}']").bounding_box()
        assert box and box["y"] + box["height"] <= 480, (f["topic"], box)
    assert f"FIRST OUT {first}" in _text(panel, "[data-testid=alarm-banner]")

    # 4. the operator acknowledges from the banner; a setpoint and the mode written in the dashboard
    #    become valid /set commands that the running controller acks
    probe = stack["probe"]
    probe.clear()
    page.get_by_role("button", name="Acknowledge").click()
    ack = json.loads(probe.wait_for("thermiq/asp1/cmd/safety/ack", timeout_s=10).payload)
    assert ack["target"] == "all" and ack["request_id"].startswith("nr-")
    assert probe.wait_for("thermiq/asp1/cmd/safety/ack/ack", timeout_s=10).json["accepted"] is True
    _poll(lambda: "Acknowledge: accepted" in _text(page, "[data-testid=alarm-banner]"), 15)
    _poll(lambda: "UNACKNOWLEDGED" not in _text(page, "[data-testid=alarm-banner]"), 15)
    settings = _open(stack, "settings")
    settings.wait_for_timeout(3000)
    assert not probe.on("thermiq/asp1/setpoints/dhw_setpoint_c/set"), "opening the page must not write"
    spec = reg.specs["dhw_setpoint_c"]
    target = spec.hi - 5.0
    field = settings.get_by_label(re.compile("^" + re.escape(reg["setpoints/dhw_setpoint_c"].label)))
    field.click()
    field.press("Control+a")
    field.press_sequentially(f"{target:g}", delay=50)  # typed as an operator types
    field.press("Enter")
    m = probe.wait_for("thermiq/asp1/setpoints/dhw_setpoint_c/set", timeout_s=10)
    cmd, _ = validate("setpoints/dhw_setpoint_c/set", m.payload, m.retain, time.time(), reg.specs)
    assert isinstance(cmd, SetpointCommand) and cmd.value == target, cmd
    got = probe.wait_for("thermiq/asp1/setpoints/dhw_setpoint_c/set/ack", timeout_s=15).json
    assert got["accepted"] is True and got["value_in_force"] == target, got
    settings.get_by_label(reg["setpoints/mode"].label).click()
    settings.get_by_role("option", name="manual").click()
    m = probe.wait_for("thermiq/asp1/setpoints/mode/set", timeout_s=10)
    cmd, _ = validate("setpoints/mode/set", m.payload, m.retain, time.time(), reg.specs)
    assert isinstance(cmd, SetpointCommand) and cmd.value == "manual", cmd
    assert probe.wait_for("thermiq/asp1/setpoints/mode/set/ack", timeout_s=15).json["accepted"] is True
    _poll(lambda: "setpoints/mode/set: accepted" in settings.inner_text("body"), 15)
    settings.screenshot(path=str(shots / "settings_after_writes.png"), full_page=True)

    # 5. the controller stops (killed: the broker sends its last will) -> everything is marked stale
    assert stack["sim"].poll() is None and not heat.query_selector("[data-testid=offline]")
    stack["sim"].send_signal(signal.SIGKILL)
    stack["sim"].wait(10)
    _poll(lambda: heat.query_selector("[data-testid=offline]") is not None, 30)
    _poll(lambda: "tq-stale" in (heat.get_attribute(sel, "class") or ""), 30)
    live = heat.query_selector_all(".tq-live")
    assert not live, [e.inner_text() for e in live][:5]
    assert re.match(rf"\d+\.\d{NBSP}°C", _text(heat, sel))  # the last value stays readable, greyed
    heat.wait_for_timeout(1000)
    heat.screenshot(path=str(shots / "heat_offline.png"), full_page=True)
    panel.wait_for_timeout(1000)
    panel.screenshot(path=str(shots / "compact_offline.png"))
    for p in (page, heat, energy, panel, settings):
        p.close()
