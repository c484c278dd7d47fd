"""Pure command handling: envelope validation, limits, duplicates, age, leases, audit records."""

from __future__ import annotations

import json
import math
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thermiq.commands import (
    AuditRecord,
    CommandResult,
    RecentIds,
    Refusal,
    SafetyCommand,
    SetpointCommand,
    SetpointStore,
    handle_setpoint,
    setpoint_specs,
    split_identity,
    validate,
)
from thermiq.commands.limits import MAX_REASON_CHARS
from thermiq.commands.store import SetpointError

NOW = 1_790_000_000.0


@pytest.fixture(scope="module")
def specs(cfg):
    return setpoint_specs(cfg)


def run(specs, topic, body, retained=False, recent=RecentIds(), now=NOW):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return validate(topic, raw, retained, now, specs, recent)


def sp(name, value, rid="r1", issued=NOW, **extra):
    return f"setpoints/{name}/set", {"request_id": rid, "issued_at": issued, "value": value, **extra}


def test_specs_follow_site_config(specs, cfg):
    assert set(specs) == {
        "dhw_setpoint_c",
        "buffer_setpoint_c",
        "room_setpoint_c",
        "priority_soc_pct",
        "grid_heating_allowed",
        "mode",
        "miner_m1_power_limit_w",
        "miner_m2_power_limit_w",
        "grid_price_eur_kwh",
        "hashprice_usd_th_day",
        "pv_forecast_tomorrow_kwh",
    }
    assert (specs["dhw_setpoint_c"].lo, specs["dhw_setpoint_c"].hi) == (20.0, cfg.dhw.max_c)
    assert (specs["buffer_setpoint_c"].lo, specs["buffer_setpoint_c"].hi) == (20.0, cfg.buffer.max_c)
    assert specs["dhw_setpoint_c"].default == cfg.dhw.setpoint_c
    m1 = specs["miner_m1_power_limit_w"]
    assert (m1.lo, m1.hi, m1.zero_allowed) == (1700.0, 3600.0, True)


def test_valid_setpoint_becomes_typed_command(specs):
    cmd, recent = run(specs, *sp("dhw_setpoint_c", 55, lease_s=600))
    assert cmd == SetpointCommand("setpoints/dhw_setpoint_c/set", "dhw_setpoint_c", 55.0, "r1", NOW, 600.0)
    assert isinstance(cmd.value, float)
    assert recent.contains("r1")


def test_valid_safety_commands(specs):
    body = {"request_id": "x1", "issued_at": NOW - 1, "target": "all"}
    cmd, _ = run(specs, "cmd/safety/reset", body)
    assert cmd == SafetyCommand("cmd/safety/reset", "reset", "all", "x1", NOW - 1)
    cmd, _ = run(specs, "cmd/safety/ack", dict(body, target="I5_buffer_overtemp"))
    assert (cmd.action, cmd.target) == ("ack", "I5_buffer_overtemp")


@pytest.mark.parametrize(
    "topic, body, reason",
    [
        ("setpoints/dhw_setpoint_c/set", b"{not json", "malformed JSON"),
        ("setpoints/dhw_setpoint_c/set", b"\xff\xfe", "malformed JSON"),
        ("setpoints/dhw_setpoint_c/set", b"", "empty payload"),
        ("setpoints/dhw_setpoint_c/set", b"[1, 2]", "must be a JSON object"),
        ("setpoints/dhw_setpoint_c/set", b'{"request_id":"a","issued_at":NaN,"value":50}', "malformed JSON"),
        ("setpoints/dhw_setpoint_c/set", b'{"request_id":"a","issued_at":1e999,"value":50}', "finite"),
        ("setpoints/dhw_setpoint_c/set", {"issued_at": NOW, "value": 50}, "request_id"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a b", "issued_at": NOW, "value": 50}, "request_id"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "value": 50}, "issued_at"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": "now", "value": 50}, "issued_at"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": 50, "x": 1}, "x"),
        (
            "setpoints/dhw_setpoint_c/set",
            {"request_id": "a", "issued_at": NOW, "value": 50, "lease_s": 86401},
            "lease_s",
        ),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": 50, "lease_s": 0}, "lease_s"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW - 31, "value": 50}, "expired"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW + 6, "value": 50}, "future"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": 61}, "outside 20.0..60.0"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": 19.9}, "outside"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": True}, "needs a number"),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": "55"}, "needs a number"),
        ("setpoints/buffer_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": 71}, "outside 20.0..60.0"),
        ("setpoints/room_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": 4.5}, "outside 5.0..28.0"),
        ("setpoints/priority_soc_pct/set", {"request_id": "a", "issued_at": NOW, "value": 101}, "outside"),
        ("setpoints/grid_heating_allowed/set", {"request_id": "a", "issued_at": NOW, "value": 1}, "true or false"),
        ("setpoints/mode/set", {"request_id": "a", "issued_at": NOW, "value": "standby"}, "one of"),
        ("setpoints/miner_m1_power_limit_w/set", {"request_id": "a", "issued_at": NOW, "value": 1000}, "or 0"),
        ("setpoints/miner_m2_power_limit_w/set", {"request_id": "a", "issued_at": NOW, "value": 3601}, "outside"),
        ("setpoints/nonsense/set", {"request_id": "a", "issued_at": NOW, "value": 1}, "unknown setpoint"),
        ("cmd/safety/explode", {"request_id": "a", "issued_at": NOW, "target": "all"}, "unknown command topic"),
        ("cmd/safety/reset", {"request_id": "a", "issued_at": NOW, "value": "all"}, "target"),
        ("cmd/safety/reset", {"request_id": "a", "issued_at": NOW, "target": ""}, "target"),
    ],
)
def test_bad_commands_are_refused_with_a_reason(specs, topic, body, reason):
    before = RecentIds().add("old", NOW - 5)
    res, recent = run(specs, topic, body, recent=before)
    assert isinstance(res, Refusal)
    assert reason in res.reason
    assert res.topic == topic
    assert recent is before  # nothing changes


def test_refusal_keeps_the_request_id_when_readable(specs):
    res, _ = run(specs, *sp("dhw_setpoint_c", 99, rid="keep-me"))
    assert res.request_id == "keep-me"


def test_retained_command_is_refused(specs):
    res, recent = run(specs, *sp("dhw_setpoint_c", 50), retained=True)
    assert isinstance(res, Refusal) and "retained" in res.reason and res.request_id == "r1"
    assert not recent.contains("r1")


def test_duplicate_request_id_is_refused_within_window(specs):
    first, recent = run(specs, *sp("dhw_setpoint_c", 50, rid="dup"))
    assert isinstance(first, SetpointCommand)
    second, recent2 = run(specs, *sp("dhw_setpoint_c", 51, rid="dup"), recent=recent, now=NOW + 1)
    assert isinstance(second, Refusal) and "duplicate" in second.reason
    assert recent2 is recent
    # after the window the id is forgotten once another command is accepted
    later = recent.add("other", NOW + recent.window_s + 1)
    assert not later.contains("dup")


def test_miner_zero_means_off_and_is_accepted(specs):
    cmd, _ = run(specs, *sp("miner_m2_power_limit_w", 0))
    assert cmd.value == 0.0


def test_full_duplicate_memory_refuses_instead_of_forgetting(specs):
    """Forgetting an id early would let its replay through: a full memory refuses new commands."""
    r = RecentIds(max_ids=3)
    for i in range(3):
        r = r.add(f"id{i}", NOW)
    with pytest.raises(ValueError, match="memory full"):
        r.add("id3", NOW)
    res, out = run(specs, *sp("mode", "manual", rid="id3"), recent=r)
    assert isinstance(res, Refusal) and "too many commands" in res.reason and out is r
    res, out = run(specs, *sp("mode", "manual", rid="id0"), recent=r)
    assert "duplicate request id 'id0'" in res.reason
    # once the window has passed, the old ids make room
    later = NOW + r.window_s + 1
    res, out = run(specs, *sp("mode", "manual", rid="id3", issued=later), recent=r, now=later)
    assert isinstance(res, SetpointCommand) and [rid for rid, _ in out.seen] == ["id3"]


def test_duplicate_memory_round_trips_and_is_pruned_by_issue_time():
    r = RecentIds(window_s=60).add("a", NOW - 50, NOW).add("b", NOW - 5, NOW)
    doc = json.loads(json.dumps(r.to_doc()))
    back = RecentIds.from_doc(doc, 60, NOW)
    assert back.seen == r.seen
    assert [rid for rid, _ in RecentIds.from_doc(doc, 60, NOW + 20).seen] == ["b"]
    for bad in (
        {},
        {"version": 2, "ids": []},
        {"version": 1, "ids": [["a", "x"]]},
        {"version": 1, "ids": [[1, 2.0]]},
        {"version": 1, "ids": [["a", float("inf")]]},
        [],
    ):
        with pytest.raises((ValueError, TypeError, KeyError)):
            RecentIds.from_doc(bad, 60, NOW)


def test_memory_lost_at_start_refuses_commands_issued_before_it(specs):
    lost = RecentIds(not_before_s=NOW - 2)
    res, _ = run(specs, *sp("mode", "manual", rid="old", issued=NOW - 3), recent=lost)
    assert isinstance(res, Refusal) and "memory was lost" in res.reason
    res, out = run(specs, *sp("mode", "manual", rid="new", issued=NOW - 1), recent=lost)
    assert isinstance(res, SetpointCommand) and out.not_before_s == NOW - 2
    assert RecentIds.from_doc(out.to_doc(), 70, NOW).not_before_s == NOW - 2  # the horizon is kept on disk


@pytest.mark.parametrize(
    "topic, by, rest",
    [
        ("op/alice/cmd/safety/ack", "alice", "cmd/safety/ack"),
        ("op/bob-2/setpoints/mode/set", "bob-2", "setpoints/mode/set"),
        ("cmd/safety/reset", "local", "cmd/safety/reset"),
        ("op/Alice/cmd/safety/ack", None, "cmd/safety/ack"),
        ("op/thermiq/cmd/safety/ack", None, "cmd/safety/ack"),
        ("op//cmd/safety/ack", None, "cmd/safety/ack"),
    ],
)
def test_identity_is_the_operator_segment_of_the_topic(topic, by, rest):
    assert split_identity(topic) == (by, rest)


def test_operator_identity_is_carried_into_command_and_refusal(specs):
    body = {"request_id": "o1", "issued_at": NOW, "target": "all"}
    cmd, _ = run(specs, "op/alice/cmd/safety/ack", body)
    assert cmd == SafetyCommand("op/alice/cmd/safety/ack", "ack", "all", "o1", NOW, "alice")
    cmd, _ = run(specs, "op/bob/setpoints/mode/set", {"request_id": "o2", "issued_at": NOW, "value": "manual"})
    assert (cmd.by, cmd.topic, cmd.name) == ("bob", "op/bob/setpoints/mode/set", "mode")
    _, result = handle_setpoint(SetpointStore.from_specs(specs), cmd, 0.0)
    assert result.by == "bob" and result.payload()["by"] == "bob"
    ref, _ = run(specs, "op/alice/setpoints/nonsense/set", body)
    assert isinstance(ref, Refusal) and ref.by == "alice" and "unknown setpoint" in ref.reason
    ref, _ = run(specs, "op/ALICE/cmd/safety/ack", body)
    assert ref.by is None and "unknown operator" in ref.reason
    assert CommandResult.refused(ref).payload()["by"] is None


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b'{"request_id":"a","issued_at":1,"value":50,"value":51}', "malformed JSON: duplicate key 'value'"),
        (b'{"request_id":"a","request_id":"b","issued_at":1,"value":50}', "duplicate key 'request_id'"),
        (b'{"request_id":"a","issued_at":1,"value":{"x":1,"x":2}}', "duplicate key 'x'"),
    ],
)
def test_duplicate_json_keys_are_refused(specs, raw, reason):
    res, _ = run(specs, "setpoints/dhw_setpoint_c/set", raw)
    assert isinstance(res, Refusal) and reason in res.reason


@pytest.mark.parametrize(
    "topic, value, reason",
    [
        ("setpoints/dhw_setpoint_c/set", None, "dhw_setpoint_c needs a number, got null"),
        ("setpoints/dhw_setpoint_c/set", [50], "dhw_setpoint_c needs a number, got [50]"),
        ("setpoints/dhw_setpoint_c/set", "55", 'dhw_setpoint_c needs a number, got "55"'),
        ("setpoints/grid_heating_allowed/set", None, "grid_heating_allowed needs true or false, got null"),
        ("setpoints/grid_heating_allowed/set", "yes", 'grid_heating_allowed needs true or false, got "yes"'),
        (
            "setpoints/mode/set",
            None,
            "mode must be one of ['off', 'manual', 'pv_only', 'heat_priority', 'auto'], got null",
        ),
        ("setpoints/mode/set", 1, "mode must be one of ['off', 'manual', 'pv_only', 'heat_priority', 'auto'], got 1"),
    ],
)
def test_type_errors_speak_of_the_setpoints_own_type(specs, topic, value, reason):
    res, _ = run(specs, topic, {"request_id": "t", "issued_at": NOW, "value": value})
    assert isinstance(res, Refusal) and res.reason == reason


def test_schema_errors_name_the_field_not_the_union_member(specs):
    res, _ = run(specs, "setpoints/mode/set", {"request_id": "t", "issued_at": None, "value": "auto"})
    assert res.reason == "schema: issued_at: Input should be a valid number"


@pytest.mark.parametrize(
    "topic, body",
    [
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": "\x1b[31mred\n\u2028x\x00"}),
        ("setpoints/dhw_\x1b[2Jset/set", {"request_id": "a", "issued_at": NOW, "value": 1}),
        ("setpoints/dhw_setpoint_c/set", {"request_id": "a", "issued_at": NOW, "value": 1, "k\u202e\r": 1}),
    ],
)
def test_reasons_carry_no_control_characters(specs, topic, body):
    res, _ = run(specs, topic, body)
    assert isinstance(res, Refusal)
    assert not any(unicodedata.category(c)[0] in "C" or c in "\n\r\u2028" for c in res.reason), res.reason


@settings(max_examples=300, deadline=None)
@given(
    topic=st.text(max_size=40).map(lambda t: "setpoints/" + t + "/set") | st.text(max_size=40),
    raw=st.binary(max_size=120) | st.text(max_size=80).map(str.encode),
)
def test_fuzz_reasons_are_clean_and_bounded(specs, topic, raw):
    res, _ = validate(topic, raw, False, NOW, specs, RecentIds())
    if isinstance(res, Refusal):
        assert len(res.reason) <= MAX_REASON_CHARS
        assert not any(unicodedata.category(c)[0] == "C" or c in "\n\r\u2028\u2029" for c in res.reason)
        assert res.request_id is None or res.request_id.isprintable()


# ------------------------------------------------------------------ store and leases
def test_store_lease_then_fallback_to_local_default(specs, cfg):
    store = SetpointStore.from_specs(specs)
    assert store.in_force(0.0)["dhw_setpoint_c"] == cfg.dhw.setpoint_c
    cmd = SetpointCommand("setpoints/dhw_setpoint_c/set", "dhw_setpoint_c", 57.0, "r", NOW, 100.0)
    new = store.apply(cmd, 1000.0)
    assert new.value("dhw_setpoint_c", 1099.9) == 57.0
    assert new.value("dhw_setpoint_c", 1100.0) == cfg.dhw.setpoint_c
    assert store.value("dhw_setpoint_c", 1050.0) == cfg.dhw.setpoint_c  # the old store is unchanged
    assert new.expire(1100.0).leases == {}
    assert new.status(1050.0)["setpoints/dhw_setpoint_c"] == 57.0


def test_store_refuses_out_of_limit_value_without_change(specs):
    store = SetpointStore.from_specs(specs)
    bad = SetpointCommand("setpoints/mode/set", "mode", "standby", "r", NOW, 10.0)
    with pytest.raises(SetpointError, match="mode must be one of"):
        store.apply(bad, 0.0)
    new, result = handle_setpoint(store, bad, 0.0)
    assert new is store
    assert result == CommandResult("setpoints/mode/set", "r", False, result.reason, "auto", "local")


def test_handle_setpoint_acks_value_in_force(specs):
    store = SetpointStore.from_specs(specs)
    cmd = SetpointCommand("setpoints/mode/set", "mode", "manual", "r9", NOW, 3600.0)
    new, result = handle_setpoint(store, cmd, 5.0)
    assert result.accepted and result.value_in_force == "manual"
    assert result.payload() == {
        "request_id": "r9",
        "accepted": True,
        "reason": None,
        "value_in_force": "manual",
        "by": "local",
    }


def test_audit_record_round_trip():
    rec = AuditRecord(NOW, "setpoints/mode/set", "accepted", "r1", None, "manual", "alice")
    line = rec.to_json()
    assert "\n" not in line and AuditRecord.from_json(line) == rec


# ------------------------------------------------------------------ fuzzing: never crash, never accept junk
json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(),
    lambda ch: st.lists(ch, max_size=3) | st.dictionaries(st.text(max_size=8), ch, max_size=4),
    max_leaves=8,
)
topics = st.sampled_from(
    [
        "setpoints/dhw_setpoint_c/set",
        "setpoints/mode/set",
        "setpoints/grid_heating_allowed/set",
        "setpoints/miner_m1_power_limit_w/set",
        "cmd/safety/reset",
        "cmd/safety/ack",
        "setpoints//set",
        "cmd/safety/",
    ]
)


@settings(max_examples=400, deadline=None)
@given(topic=topics, raw=st.binary(max_size=300), retained=st.booleans())
def test_fuzz_random_bytes_never_crash(specs, topic, raw, retained):
    recent = RecentIds()
    res, out = validate(topic, raw, retained, NOW, specs, recent)
    assert isinstance(res, (Refusal, SetpointCommand, SafetyCommand))
    if isinstance(res, Refusal):
        assert out is recent and res.reason


near_envelopes = st.fixed_dictionaries(
    {
        "request_id": st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True) | st.text(max_size=70),
        "issued_at": st.floats(NOW - 40, NOW + 10) | st.integers(int(NOW) - 40, int(NOW) + 10),
        "value": st.floats(15, 75)
        | st.floats(1500, 3700)
        | st.just(0)
        | st.booleans()
        | st.sampled_from(["auto", "manual", "x"])
        | st.none()
        | st.floats(),
    },
    optional={"lease_s": st.floats(0.5, 86400) | st.floats(-10, 1e6) | st.integers(-1, 100000)},
)


@settings(max_examples=600, deadline=None)
@given(topic=topics, body=near_envelopes, retained=st.booleans())
def test_fuzz_near_valid_envelopes_obey_every_rule(specs, topic, body, retained):
    recent = RecentIds()
    res, out = validate(topic, json.dumps(body).encode(), retained, NOW, specs, recent)
    if isinstance(res, Refusal):
        assert out is recent and res.reason
        return
    assert not retained and NOW - 30 <= res.issued_at_s <= NOW + 5
    assert 1 <= len(res.request_id) <= 64 and out.contains(res.request_id)
    # every generated body has "value", so a safety command (schema: target, no value) is never accepted
    assert isinstance(res, SetpointCommand)
    assert specs[res.name].check(res.value) is None and 0 < res.lease_s <= 86400
    assert "target" not in body and res.value == body["value"]


@settings(max_examples=400, deadline=None)
@given(
    topic=topics,
    body=st.dictionaries(
        st.sampled_from(["request_id", "issued_at", "value", "target", "lease_s", "extra"]), json_values, max_size=5
    ),
    retained=st.booleans(),
)
def test_fuzz_structured_payloads(specs, topic, body, retained):
    recent = RecentIds()
    res, out = validate(topic, json.dumps(body).encode(), retained, NOW, specs, recent)
    if isinstance(res, Refusal):
        assert out is recent
        return
    # anything accepted obeys every rule
    assert not retained
    assert abs(res.issued_at_s - NOW) <= 30 and math.isfinite(res.issued_at_s)
    assert out.contains(res.request_id)
    if isinstance(res, SetpointCommand):
        assert specs[res.name].check(res.value) is None
        assert 0 < res.lease_s <= 86400
