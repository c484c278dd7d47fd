"""Fixtures for the MQTT tests: the ASP1 registry, a real Mosquitto on 127.0.0.1, probe clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mqtt.mqtt_helpers import Probe, envelope  # noqa: F401  (re-exported for tests)
from tests.mqtt.testbroker import BrokerError, Mosquitto
from tests.support import unavailable
from thermiq.adapters.mqtt.registry import REPO, registry_for_site
from thermiq.config.load import load_config

SITE_TOML = REPO / "thermiq/sites/asp1.toml"


@pytest.fixture(scope="session")
def cfg():
    return load_config(SITE_TOML)


@pytest.fixture(scope="session")
def registry():
    return registry_for_site(SITE_TOML)


@pytest.fixture
def broker():
    try:
        b = Mosquitto().start()
    except BrokerError as err:
        unavailable(str(err))
    yield b
    b.close()


@pytest.fixture
def probe_factory():
    made = []

    def make(port, username=None, password=None, **kw):
        p = Probe(port, username, password, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


@pytest.fixture
def audit_path(tmp_path) -> Path:
    return tmp_path / "audit.jsonl"
