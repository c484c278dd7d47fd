"""Shared fixtures of the plant-model tests: the ASP1 parameters and the bundled boundary data."""

from __future__ import annotations

import pytest

from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import load_plant_params


@pytest.fixture(scope="session")
def params():
    """ASP1 plant parameters from hardware_sim/asp1_plant.toml."""
    return load_plant_params()


@pytest.fixture(scope="session")
def boundary(params):
    """Bundled PVGIS 2009 weather, BDEW H25 household load and tapping cycle M."""
    return BoundarySeries.from_files(params)


JAN_START_S = 1231545600.0  # 2009-01-10 00:00 UTC: the coldest stretch of the bundled year
