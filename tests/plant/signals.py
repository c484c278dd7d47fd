"""The plant's sensor values by ASP1 signal name, through the closed-loop driver's binding."""

from __future__ import annotations

from functools import lru_cache

from hardware_sim.loop.binding import SiteBinding
from hardware_sim.plant.views import readings
from tests.core.conftest import REPO
from thermiq.config.load import load_config


@lru_cache(maxsize=1)
def asp1_binding() -> SiteBinding:
    return SiteBinding.from_config(load_config(REPO / "thermiq" / "sites" / "asp1.toml"))


def sensors(state, params) -> dict:
    """Process-image input values of the ASP1 site for ``state``."""
    return asp1_binding().sensor_values(readings(state, params))
