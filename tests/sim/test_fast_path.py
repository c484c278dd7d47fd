"""The study's lean loop changes no result: the in-memory image against the file image, the flow sums."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hardware_sim.harness import simulate
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import load_plant_params
from hardware_sim.plant.state import FLOW_FIELDS, Flows, FlowSums, flows_columns


@pytest.fixture(scope="module")
def plant():
    params = load_plant_params()
    return params, BoundarySeries.from_files(params)


def _at(boundary, month: int, day: int, hour: int) -> float:
    year = dt.datetime.fromtimestamp(boundary.start_s + 86400, dt.UTC).year
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize("month, day", [(1, 14), (4, 16)])
def test_in_memory_study_image_gives_the_series_of_the_file_image(cfg, plant, tmp_path, month, day):
    """A morning of the study through the in-memory image (the fast path) and through the
    piCtory file and revpimodio2 (as ``thermiq run``): every sampled value, every trip event,
    every output switching and miner target change is the same."""
    params, boundary = plant
    start = _at(boundary, month, day, 7)
    mem, file = (
        simulate(cfg, params, boundary, start, 4 * 3600.0, 10.0, sample_s=300.0, file_image=f) for f in (False, True)
    )
    assert mem.series.keys() == file.series.keys()
    assert len(mem.series["t_utc_s"]) == 48
    for name in mem.series:
        if name == "scan_cost_s":  # measured wall-clock cost of the scan, not a simulated value
            continue
        np.testing.assert_array_equal(mem.series[name], file.series[name], err_msg=name)
    for key in ("trip_events", "output_switchings", "miner_target_changes", "stored_energy_end_j", "scans"):
        assert mem.meta[key] == file.meta[key], key
    assert sum(mem.meta["output_switchings"].values()) > 0  # the loop did something to compare


def test_flow_sums_average_the_report_columns_exactly():
    """FlowSums (no dict per step) gives what averaging ``flows_columns`` rows by name gives, bit for bit."""
    rng = np.random.default_rng(5)
    steps = [
        Flows(
            **{
                name: tuple(rng.uniform(0.0, 3500.0, 3)) if name == "miner_power_w" else float(rng.normal(900.0, 700.0))
                for name in FLOW_FIELDS
            }
        )
        for _ in range(30)
    ]
    sums = FlowSums(3)
    for f in steps:
        sums.add(f)
    expected: dict[str, float] = {}
    for f in steps:
        for name, v in flows_columns(f).items():
            expected[name] = expected.get(name, 0.0) + v
    got = sums.means(30)
    assert list(got) == list(expected)
    assert got == {k: v / 30 for k, v in expected.items()}
    sums.add(steps[0])  # the sums start again after a sample
    assert sums.means(1) == flows_columns(steps[0])
