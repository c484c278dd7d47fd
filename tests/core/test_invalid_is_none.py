"""Invalid is None, never 0, in the core: a miner power nobody measured makes the surplus unknown."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from thermiq.cycle.image import InverterSnapshot, MinerSnapshot, ProcessImage, Signal
from thermiq.cycle.scan import Core, initial_state, miners_power_w

from .conftest import healthy_inputs

SUNNY = InverterSnapshot(0.0, 11000.0, 95.0, -2000.0, -7000.0, 2000.0)


def _image(values, now_s, miners):
    sigs = {k: Signal(v) for k, v in values.items()} | {"scan_timing_ok": Signal(True)}
    inv = InverterSnapshot(
        now_s,
        *(
            getattr(SUNNY, f)
            for f in ("pv_power_w", "battery_soc_pct", "battery_power_w", "grid_power_w", "load_power_w")
        ),
    )
    return ProcessImage(
        now_s, 1.7e9 + now_s, MappingProxyType(sigs), inv, MappingProxyType({}), MappingProxyType(miners)
    )


@pytest.mark.parametrize(
    "m2_contact, m2_snap, expected",
    [
        (False, MinerSnapshot(), 1200.0),  # open contactor: unpowered, 0 W by proof
        (True, MinerSnapshot(5.0, True, power_w=1500.0), 2700.0),  # closed and measured
        (True, MinerSnapshot(), None),  # closed, no telemetry: unknown
        (None, MinerSnapshot(), None),  # contact invalid, no telemetry: unknown
    ],
)
def test_miners_power_is_measured_proven_zero_or_unknown(cfg, io_list, m2_contact, m2_snap, expected):
    vals = dict(healthy_inputs(io_list, cfg), k1_miner1_closed=True, k2_miner2_closed=m2_contact)
    img = _image(vals, 5.0, {"m1": MinerSnapshot(5.0, True, power_w=1200.0), "m2": m2_snap})
    assert miners_power_w(img, cfg) == expected


def _run(cfg, io_list, m2_contact, seconds):
    core, st = Core.build(cfg, io_list), initial_state(cfg)
    vals = dict(healthy_inputs(io_list, cfg), k1_miner1_closed=False, k2_miner2_closed=m2_contact)
    started = False
    for k in range(seconds):
        res = core.scan(
            _image(vals, float(k), {"m1": MinerSnapshot(float(k), True, power_w=0.0), "m2": MinerSnapshot()}), st
        )
        st = res.state
        started = started or res.outputs.digital[cfg.miners[0].contactor_output]
    return started


def test_unknown_miner_power_never_reads_as_zero_watts(cfg, io_list):
    """Miner m2's contactor reads closed but m2 sends no telemetry: the surplus is unknown, so m1
    is not started on it (with "or 0" it would have counted m2 as 0 W and started m1)."""
    assert not _run(cfg, io_list, True, 250)
    assert _run(cfg, io_list, False, 250), "with m2's contactor open (0 W by proof) m1 starts on the surplus"
