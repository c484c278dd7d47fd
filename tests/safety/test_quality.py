"""Signal quality and derived signals as pure functions (thermiq.interlocks.quality / derive)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from thermiq.cycle.image import MinerSnapshot, ProcessImage, Signal
from thermiq.interlocks.derive import DeriveState, derive, miner_power_signal
from thermiq.interlocks.quality import QualityParams, QualityState, assess


def test_range_stale_and_passthrough(cfg, io_list):
    lim, params = cfg.limits, QualityParams.from_io_list(io_list)
    sigs = {
        "dhw_temp_c": Signal(lim.temp_valid_max_c + 1.0),
        "buffer_top_temp_c": Signal(50.0, lim.signal_max_age_s + 0.1),
        "heating_flow_temp_c": Signal(None, 0.0, "open"),
        "safety_chain_ok": Signal(True),
        "room_temp_c": Signal(21.0),
    }
    out, _ = assess(sigs, QualityState(), lim, 0.0, params)
    assert out["dhw_temp_c"] == Signal(None, 0.0, "range")
    assert out["buffer_top_temp_c"].value is None and out["buffer_top_temp_c"].fault == "stale"
    assert out["heating_flow_temp_c"].fault == "open", "the AIO's own fault is kept"
    assert out["safety_chain_ok"].value is True and out["room_temp_c"].value == 21.0
    assert sigs["dhw_temp_c"].value == lim.temp_valid_max_c + 1.0, "the input mapping is not changed"


def test_rate_fault_flags_only_the_scan_of_the_jump(cfg, io_list):
    lim, params = cfg.limits, QualityParams.from_io_list(io_list)
    rate = io_list["dhw_temp_c"].max_rate_k_per_s
    assert rate == params.rate_k_per_s["dhw_temp_c"] > 0, "the rate limit is data of the I/O list"
    st = QualityState()
    _, st = assess({"dhw_temp_c": Signal(50.0)}, st, lim, 0.0, params)
    jump = 50.0 + 2.0 * rate
    out, st = assess({"dhw_temp_c": Signal(jump)}, st, lim, 1.0, params)
    assert out["dhw_temp_c"].fault == "rate"
    out, st = assess({"dhw_temp_c": Signal(jump)}, st, lim, 2.0, params)
    assert out["dhw_temp_c"].value == pytest.approx(jump)
    # a signal without a rate limit in the I/O list (a pipe sensor) may step
    assert io_list["miner_loop_supply_temp_c"].max_rate_k_per_s is None
    _, st = assess({"miner_loop_supply_temp_c": Signal(20.0)}, QualityState(), lim, 0.0, params)
    out, _ = assess({"miner_loop_supply_temp_c": Signal(20.0 + 2.0 * rate)}, st, lim, 1.0, params)
    assert out["miner_loop_supply_temp_c"].fault is None


def test_quality_parameters_come_from_the_io_list_columns(io_list):
    params = QualityParams.from_io_list(io_list)
    assert params.stuck_ref == {p.signal: p.stuck_ref for p in io_list.points if p.stuck_ref}
    assert params.rate_k_per_s == {p.signal: p.max_rate_k_per_s for p in io_list.points if p.max_rate_k_per_s}
    assert params.stuck_ref["miner1_outlet_temp_c"] == "miner_loop_supply_temp_c"


def test_miner_power_signal_invalid_when_unreachable_or_stale(cfg):
    max_age = cfg.scan.miner_max_age_s
    assert miner_power_signal(None, 10.0, max_age).fault == "comm"
    assert miner_power_signal(MinerSnapshot(0.0, True, power_w=3000.0), max_age + 1.0, max_age).fault == "stale"
    assert miner_power_signal(MinerSnapshot(5.0, False), 6.0, max_age).fault == "comm"
    good = miner_power_signal(MinerSnapshot(5.0, True, power_w=3000.0), 6.0, max_age)
    assert good.value == 3000.0 and good.age_s == pytest.approx(1.0)


def test_contactor_mismatch_off_direction_is_armed_once_the_contact_was_seen_open(cfg):
    img = ProcessImage(0.0, 0.0, MappingProxyType({}))
    sig = {
        "k1_miner1_closed": Signal(True),
        "k2_miner2_closed": Signal(False),
        "rv1_at_dhw": Signal(False),
        "rv1_at_buffer": Signal(True),
        "rv2_at_dhw": Signal(False),
        "rv2_at_buffer": Signal(True),
    }
    out, st = derive(img, sig, {}, DeriveState(), cfg)
    assert out["m1.contactor_mismatch"].value is False, "a contact never seen open is unproven"
    assert out["m1.commanded_off"].value is True and out["rv1.discrepancy"].value is False
    out, st = derive(img, dict(sig, k1_miner1_closed=Signal(False)), {}, st, cfg)
    out, st = derive(img, sig, {}, st, cfg)
    assert out["m1.contactor_mismatch"].value is True, "closed while commanded off: welded or wiring"
    assert out["m2.contactor_mismatch"].value is False, "each miner's contact is its own"
    out, _ = derive(img, dict(sig, k1_miner1_closed=Signal(False)), {"k1_miner1_run": True}, st, cfg)
    assert out["m1.contactor_mismatch"].value is True, "commanded on but no feedback"
    out, _ = derive(img, dict(sig, rv1_at_buffer=Signal(None, 0.0, "status")), {}, st, cfg)
    assert out["rv1.discrepancy"].value is None, "a bad end switch makes the flag bad"
    out, _ = derive(img, sig, {"rv1_to_dhw": True}, st, cfg)
    assert out["rv1.discrepancy"].value is True
