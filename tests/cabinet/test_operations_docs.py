"""docs/OPERATIONS.md, HARDWARE.md, NETWORK.md and SOURCES.md name only things that exist: repository
paths, `thermiq` subcommands, installer options, SOURCES.md section ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from thermiq.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
DOCS = ["OPERATIONS.md", "HARDWARE.md", "NETWORK.md", "SOURCES.md"]
TOP = ("deploy/", "systemd/", "docs/", "Schaltschrank/", "tests/", "thermiq/", "hardware_sim/", "scripts/", "nodered/")


@pytest.mark.parametrize("doc", DOCS)
def test_repository_paths_exist(doc):
    text = (REPO / "docs" / doc).read_text(encoding="utf-8")
    paths = {m for m in re.findall(r"[`(\s]((?:%s)[\w./-]+\w)" % "|".join(map(re.escape, TOP)), text)}
    assert paths, doc
    topics = {p for p in paths if p.startswith("thermiq/asp1/")}  # MQTT topics, not files
    missing = sorted(p for p in paths - topics if not (REPO / p).exists())
    assert not missing, missing


def test_thermiq_subcommands_exist():
    text = "\n".join((REPO / "docs" / d).read_text(encoding="utf-8") for d in DOCS)
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    used = set(re.findall(r"(?:`|-u thermiq )thermiq ([a-z][a-z|-]+)", text))
    known = set(sub.choices)
    used = {u for part in used for u in part.split("|")}
    assert used <= known and {"io", "trips", "safe-outputs", "check-config"} <= used, used - known


def test_installer_options_in_the_docs_exist():
    script = (REPO / "deploy/install.sh").read_text(encoding="utf-8")
    text = (REPO / "docs/OPERATIONS.md").read_text(encoding="utf-8")
    for opt in set(re.findall(r"install\.sh[^\n`]*?(--[a-z-]+)", text)) | {"--root", "--uninstall", "--purge"}:
        assert f"{opt})" in script, opt


def test_section_ids_pointed_at_exist():
    ids = set(re.findall(r"^## (S-[A-Z]+):", (REPO / "docs/SOURCES.md").read_text(encoding="utf-8"), re.M))
    assert len(ids) >= 8
    for doc in DOCS:
        for ref in re.findall(r"SOURCES\.md (S-[A-Z]+)", (REPO / "docs" / doc).read_text(encoding="utf-8")):
            assert ref in ids, (doc, ref)
