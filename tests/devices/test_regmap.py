"""Register maps as data: every bundled map decodes its recorded fixture; bad maps are refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thermiq.adapters.modbus.regmap import (
    RegisterMapError,
    RegisterSpec,
    bundled_maps,
    decode_registers,
    decode_value,
    encode_value,
    load_map,
    parse_map,
    plan_reads,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture(model: str) -> tuple[dict[int, int], dict[str, float]]:
    data = tomllib.loads((FIXTURES / f"{model}.toml").read_text())
    regs: dict[int, int] = {}
    for block in data["blocks"]:
        regs.update(zip(range(block["start"], block["start"] + len(block["words"])), block["words"]))
    return regs, data["expected"]


def test_every_bundled_map_has_a_fixture():
    assert set(bundled_maps()) >= {"eastron_sdm630", "eastron_sdm72d_m", "carlo_gavazzi_em24"}
    assert {p.stem for p in FIXTURES.glob("*.toml")} >= set(bundled_maps())


@pytest.mark.parametrize("model", ["eastron_sdm630", "eastron_sdm72d_m", "carlo_gavazzi_em24"])
def test_map_decodes_recorded_fixture(model):
    meter_map = load_map(model)
    regs, expected = _fixture(model)
    values = decode_registers(meter_map, regs)
    assert set(expected) == set(values)
    for name, want in expected.items():
        assert values[name] == pytest.approx(want, rel=1e-6, abs=1e-6), name


@pytest.mark.parametrize("model", ["eastron_sdm630", "eastron_sdm72d_m", "carlo_gavazzi_em24"])
def test_block_plan_covers_every_register_within_limits(model):
    meter_map = load_map(model)
    blocks = plan_reads(meter_map)
    covered = {a for start, count in blocks for a in range(start, start + count)}
    for spec in meter_map.registers:
        assert set(range(spec.address, spec.address + spec.words)) <= covered
    assert all(count <= meter_map.max_block_regs for _, count in blocks)


def test_em24_low_word_first_and_sign():
    spec = RegisterSpec("power_w", 0x28, "int32", "little", 0.1, 1, "W")
    # -23456 = 0xFFFFA460: low word 0xA460 comes first on the wire
    assert decode_value(spec, [0xA460, 0xFFFF]) == pytest.approx(-2345.6)
    assert decode_value(RegisterSpec("p", 0, "int32", "big", 0.1, 1, "W"), [0xFFFF, 0xA460]) == pytest.approx(-2345.6)


def test_sign_minus_one_flips_value():
    spec = RegisterSpec("pv_w", 0, "float32", "big", 1.0, -1, "W")
    assert decode_value(spec, [0x449A, 0x5000]) == -1234.5


def test_nan_float_decodes_to_none_not_zero():
    spec = RegisterSpec("power_w", 0, "float32", "big", 1.0, 1, "W")
    assert decode_value(spec, [0x7FC0, 0x0000]) is None


def test_missing_words_decode_to_none():
    values = decode_registers(load_map("eastron_sdm72d_m"), {0x34: 0x449A})
    assert values["power_w"] is None


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from(["float32", "int32"]),
    st.sampled_from(["big", "little"]),
    st.sampled_from([1, -1]),
)
def test_encode_decode_round_trip(value, encoding, order, sign):
    spec = RegisterSpec("x", 0, encoding, order, 0.1, sign, "W")
    back = decode_value(spec, encode_value(spec, value))
    tol = 0.051 if encoding == "int32" else abs(value) * 1e-6 + 1e-6
    assert back == pytest.approx(value, abs=tol)


def _map(**reg):
    base = {"name": "power_w", "address": 0x34, "encoding": "float32"}
    base.update(reg)
    return {"meter": {"model": "test"}, "registers": [base]}


@pytest.mark.parametrize(
    "bad, message",
    [
        (_map(encoding="float64"), "encoding 'float64'"),
        (_map(word_order="middle"), "word_order"),
        (_map(sign=2), "sign"),
        (_map(scale=0.0), "scale"),
        (_map(address=70000), "address"),
        (_map(colour="red"), "unknown keys"),
        ({"registers": []}, "missing [meter]"),
        ({"meter": {"model": "x", "register_type": "coil"}, "registers": []}, "register_type"),
    ],
)
def test_bad_maps_are_refused_with_a_clear_message(bad, message):
    with pytest.raises(RegisterMapError, match=message.replace("[", r"\[")):
        parse_map(bad, "test.toml")


def test_overlapping_registers_are_refused():
    data = {
        "meter": {"model": "x"},
        "registers": [
            {"name": "a", "address": 10, "encoding": "float32"},
            {"name": "b", "address": 11, "encoding": "uint16"},
        ],
    }
    with pytest.raises(RegisterMapError, match="b overlaps a at address 11"):
        parse_map(data, "x.toml")


def test_unknown_bundled_map_names_the_available_ones():
    with pytest.raises(RegisterMapError, match="eastron_sdm630"):
        load_map("acme_9000")
