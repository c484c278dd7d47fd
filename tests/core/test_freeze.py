"""freeze: the one staleness decision, one configured limit per source (table-driven)."""

from __future__ import annotations

import pytest

from thermiq.config.schema import ScanConfig
from thermiq.cycle.freeze import freeze
from thermiq.cycle.image import InverterSnapshot, MeterSnapshot, MinerSnapshot, Signal

SCAN = ScanConfig(inverter_max_age_s=15.0, meter_max_age_s=10.0, miner_max_age_s=30.0)
SIGNAL_MAX_AGE_S = 2.0
NOW = 1000.0


def frozen(age_s: float):
    stamp = NOW - age_s
    return freeze(
        NOW,
        1.7e9,
        {"buffer_top_temp_c": Signal(55.0, 0.0, None, stamp), "scan_timing_ok": Signal(True)},
        InverterSnapshot(stamp, 4000.0, 80.0),
        {"house": MeterSnapshot(stamp, 900.0)},
        {"m1": MinerSnapshot(stamp, True, power_w=3000.0)},
        SCAN,
        SIGNAL_MAX_AGE_S,
    )


def valid(img) -> dict[str, bool]:
    return {
        "signal": img.signals["buffer_top_temp_c"].value is not None,
        "inverter": img.inverter.pv_power_w is not None,
        "meter": img.meters["house"].power_w is not None,
        "miner": img.miners["m1"].power_w is not None,
    }


@pytest.mark.parametrize(
    "age_s, signal, meter, inverter, miner",
    [
        (0.0, True, True, True, True),
        (2.0, True, True, True, True),  # exactly at the limit: still valid
        (2.01, False, True, True, True),  # limits.signal_max_age_s
        (10.01, False, False, True, True),  # scan.meter_max_age_s
        (15.01, False, False, False, True),  # scan.inverter_max_age_s
        (30.01, False, False, False, False),  # scan.miner_max_age_s
    ],
)
def test_each_source_goes_stale_at_its_own_limit(age_s, signal, meter, inverter, miner):
    assert valid(frozen(age_s)) == {"signal": signal, "meter": meter, "inverter": inverter, "miner": miner}


def test_stale_values_keep_their_stamp_and_carry_their_age():
    img = frozen(3.0)
    sig = img.signals["buffer_top_temp_c"]
    assert (sig.value, sig.fault, sig.age_s, sig.stamp_s) == (None, "stale", 3.0, NOW - 3.0)
    fresh = frozen(1.5).signals["buffer_top_temp_c"]
    assert (fresh.value, fresh.fault, fresh.age_s) == (55.0, None, 1.5)
    img = frozen(31.0)
    assert img.inverter == InverterSnapshot(NOW - 31.0) and img.meters["house"] == MeterSnapshot(NOW - 31.0)
    assert img.miners["m1"] == MinerSnapshot(stamp_s=NOW - 31.0)


def test_a_signal_made_in_the_scan_has_no_stamp_and_no_age():
    assert frozen(100.0).signals["scan_timing_ok"] == Signal(True)
