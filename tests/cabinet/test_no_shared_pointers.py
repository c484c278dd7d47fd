"""The repository stands on its own: no tracked file points at the research notes of the team's
shared folder (its reference/*.md files, the plant design note, ../shared), which a user of the
repository does not have. The facts live in docs/SOURCES.md and docs/HARDWARE.md with their
public sources. data/SOURCES.md (data attribution) is the one exception."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTES = "anchors|braiins|economics|hardware|mqtt_nodered|revpi|safety|style-anchors"
POINTER = re.compile(
    r"(?<![\w/])(?:\.\./)?(?:shared/)?(?:reference/)?(?:%s)\.md|asp1-plant\.md|\.\./shared\b|/work/shared\b" % NOTES
)
EXEMPT = {"data/SOURCES.md", "tests/cabinet/test_no_shared_pointers.py"}


def tracked_text_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for rel in out.decode().split("\0"):
        p = REPO / rel
        if not rel or rel in EXEMPT or not p.is_file() or p.is_symlink():
            continue
        data = p.read_bytes()
        if b"\0" in data[:4096]:
            continue  # binary
        yield rel, data.decode("utf-8", errors="replace")


def test_no_pointer_at_the_shared_folder():
    hits = [
        f"{rel}:{n}: {line.strip()[:100]}"
        for rel, text in tracked_text_files()
        for n, line in enumerate(text.splitlines(), 1)
        if POINTER.search(line)
    ]
    assert not hits, "\n".join(hits)


def test_the_pattern_finds_what_it_must_and_spares_the_cabinet_folder():
    for bad in (
        "see reference/safety.md §4.3",
        "(shared/reference/braiins.md)",
        "design/asp1-plant.md",
        "../shared/data",
        "/work/shared/reference/revpi.md",
        "(braiins.md §2.1)",
        "hardware.md section 5",
    ):
        assert POINTER.search(bad), bad
    for fine in ("Schaltschrank/reference/SOURCES.md", "docs/SOURCES.md S-WATCHDOG", "hardware_sim/asp1_plant.toml"):
        assert not POINTER.search(fine), fine
