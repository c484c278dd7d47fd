"""Shared fixtures: the ASP1 site configuration and the cabinet I/O list."""

from __future__ import annotations

from pathlib import Path

import pytest

from thermiq.config.load import load_config
from thermiq.iomap.io_list import load_io_list

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def cfg():
    return load_config(REPO / "thermiq" / "sites" / "asp1.toml")


@pytest.fixture(scope="session")
def io_list():
    return load_io_list(REPO / "Schaltschrank" / "io_list.csv")
