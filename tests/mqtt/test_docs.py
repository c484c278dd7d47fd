"""docs/COMMUNICATION.md is generated from the registry and must not drift."""

from __future__ import annotations

import subprocess
import sys

from thermiq.adapters.mqtt.docs import DEFAULT_OUT, main, render
from thermiq.adapters.mqtt.registry import REPO


def test_communication_md_is_up_to_date(registry):
    assert DEFAULT_OUT.read_text(encoding="utf-8") == render(registry), (
        "docs/COMMUNICATION.md drifted: run python -m thermiq.adapters.mqtt.docs"
    )


def test_document_covers_every_topic_and_the_three_sections(registry):
    text = render(registry)
    for heading in ("## 6.1 Topic tree", "## 6.2 Publishers and subscribers", "## 6.3 Nomenclature"):
        assert heading in text
    for t in registry.topics:
        assert f"`{registry.full(t.path)}`" in text, t.path


def test_check_mode_detects_drift(tmp_path, registry):
    out = tmp_path / "C.md"
    assert main(["-o", str(out)]) == 0
    assert main(["-o", str(out), "--check"]) == 0
    out.write_text(out.read_text() + "edited\n")
    assert main(["-o", str(out), "--check"]) == 1


def test_module_entry_point_and_bad_site(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "thermiq.adapters.mqtt.docs", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "thermiq.adapters.mqtt.docs",
            "--site",
            str(tmp_path / "none.toml"),
            "-o",
            str(tmp_path / "x.md"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "cannot read configuration" in r.stderr
    assert not (tmp_path / "x.md").exists()


def test_generators_build_any_site_from_its_config(tmp_path):
    """A site with a third miner and its own meters: COMMUNICATION.md, discovery and flows.json follow it."""
    import json
    import re

    from thermiq.adapters.mqtt import discovery, nodered_flows

    text = (REPO / "thermiq/sites/asp1.toml").read_text()
    third = (
        '[[miners]]\nname = "m3"\ncontactor_output = "k3_run"\ncontactor_feedback = "k3_closed"\n'
        'outlet_temp_signal = "miner3_outlet_temp_c"\n\n[energy]'
    )
    text = text.replace("[energy]", third, 1)
    text = re.sub(
        r'name = "house"\nrole = "house"\nlabel = "house"', 'name = "flat"\nrole = "house"\nlabel = "flat"', text
    )
    text = text.replace('io_list = "Schaltschrank/io_list.csv"', f'io_list = "{REPO / "Schaltschrank/io_list.csv"}"')
    site = tmp_path / "three.toml"
    site.write_text(text)
    outs = {}
    for mod, name in ((main, "C.md"), (discovery.main, "d.json"), (nodered_flows.main, "flows.json")):
        out = tmp_path / name
        assert mod(["--config", str(site), "-o", str(out)]) == 0
        assert mod(["--config", str(site), "-o", str(out), "--check"]) == 0
        outs[name] = out.read_text()
    assert "`thermiq/asp1/state/miner/m3/power_w`" in outs["C.md"] and "Flat power" in outs["C.md"]
    cmps = json.loads(outs["d.json"])["cmps"]
    assert cmps["miner_m3_power_w"]["name"] == "Miner m3 power" and "meter_flat_power_w" in cmps
    assert "meter_house_power_w" not in cmps
    flows = json.loads(outs["flows.json"])
    miners_view = next(n for n in flows if n["type"] == "ui-template" and n["name"] == "miners: Miners")
    assert '"name": "m3"' in miners_view["format"]
    energy_view = next(n for n in flows if n["type"] == "ui-template" and n["name"] == "overview: Energy flow")
    assert "state/meter/flat/power_w" in energy_view["format"]


def test_document_states_the_trust_rules(registry):
    """Issue 13: the 3.1.1 retained residual risk, the ack deadline, identity and replay memory are documented."""
    from thermiq.commands.limits import ACK_DEADLINE_S

    text = render(registry)
    assert "MQTT 3.1.1 residual risk" in text and "Retain As Published" in text
    assert f"no ack {ACK_DEADLINE_S:g} s after its `issued_at`" in text and "**not applied**" in text
    assert "thermiq/asp1/op/<login>/" in text and "pattern write thermiq/+/op/%u/" in text
    assert "duplicate request id" in text and ".request-ids.json" in text
