"""SA-002 / SA-007 command path: validated by thermiq.commands, decided by the real scan, answered with a reason.

A malformed, replayed, expired or retained reset/ack changes nothing and is answered; a valid
reset is refused while the cause is active and accepted only from cleared-and-acknowledged.
"""

from __future__ import annotations

import json

import pytest

from thermiq.commands import RecentIds
from thermiq.interlocks.alarm import AlarmState
from thermiq.interlocks.commands import audit, receive

WALL = 1.7e9


def msg(rid, target="I5_buffer_top_hh", issued=WALL, **extra) -> bytes:
    return json.dumps({"request_id": rid, "issued_at": issued, "target": target, **extra}).encode()


def tripped(plant):
    plant.run_until_miners_on()
    plant.set_temp("buffer_top_temp_c", 90.0)
    res, _ = plant.step()
    assert res.state.interlocks.trips["I5_buffer_top_hh"].latched
    return res


def scan_with(plant, cmd):
    res, _ = plant.step(commands=(cmd,))
    return res


@pytest.mark.parametrize(
    "payload, retained, why",
    [
        (b"{not json", False, "malformed JSON"),
        (b"", False, "empty payload"),
        (json.dumps({"request_id": "x", "target": "all"}).encode(), False, "issued_at"),
        (json.dumps({"request_id": "x", "issued_at": WALL, "target": "all", "user": "eve"}).encode(), False, "schema"),
        (msg("x", issued=WALL - 3600.0), False, "expired"),
        (msg("x", issued=WALL + 3600.0), False, "future"),
        (msg("x"), True, "retained"),
        (b"[1, 2]", False, "JSON object"),
    ],
)
def test_bad_reset_changes_nothing_and_is_answered_with_a_reason(plant, payload, retained, why):
    res = tripped(plant)
    before = res.state.interlocks
    cmd, answer, recent = receive("cmd/safety/reset", payload, retained, WALL, RecentIds())
    assert cmd is None and answer is not None and not answer.accepted
    assert why in answer.reason
    assert recent == RecentIds(), "a refused command is not remembered"
    res, _ = plant.step()
    assert res.state.interlocks.trips["I5_buffer_top_hh"].latched
    assert res.state.interlocks.trips["I5_buffer_top_hh"].alarm is before.trips["I5_buffer_top_hh"].alarm
    rec = audit(answer, WALL, received=False)
    assert rec.outcome == "refused" and rec.reason == answer.reason


def test_unknown_topic_and_unknown_trip_are_refused(plant):
    tripped(plant)
    cmd, answer, _ = receive("cmd/safety/override", msg("x"), False, WALL, RecentIds())
    assert cmd is None and "not a safety command topic" in answer.reason
    cmd, answer, _ = receive("cmd/safety/ack", msg("y", target="I99_nonsense"), False, WALL, RecentIds())
    assert answer is None
    res = scan_with(plant, cmd)
    out = res.outcomes[0]
    assert not out.accepted and "unknown trip" in out.reason
    assert res.state.interlocks.trips["I5_buffer_top_hh"].alarm is AlarmState.ACTIVE_UNACK


def test_reset_while_active_is_refused_then_ack_clear_reset_succeeds_and_replay_is_refused(plant):
    tripped(plant)
    recent = RecentIds()
    cmd, _, recent = receive("cmd/safety/reset", msg("r1"), False, WALL, recent)
    res = scan_with(plant, cmd)
    result = res.outcomes[0].result()
    assert not result.accepted and "still active" in result.reason and result.topic == "cmd/safety/reset"
    assert audit(result, WALL).outcome == "rejected"

    cmd, _, recent = receive("cmd/safety/ack", msg("a1"), False, WALL, recent)
    res = scan_with(plant, cmd)
    assert res.outcomes[0].accepted
    plant.set_temp("buffer_top_temp_c", 60.0)
    res, _ = plant.step()
    assert res.state.interlocks.trips["I5_buffer_top_hh"].alarm is AlarmState.CLEARED_ACK

    # the refused r1 was still a received command: replaying its id is refused before the scan
    cmd, answer, recent = receive("cmd/safety/reset", msg("r1"), False, WALL + 1.0, recent)
    assert cmd is None and "duplicate" in answer.reason
    res, _ = plant.step()
    assert res.state.interlocks.latched, "a replay changes nothing"

    cmd, _, recent = receive("cmd/safety/reset", msg("r2"), False, WALL + 1.0, recent)
    res = scan_with(plant, cmd)
    assert res.outcomes[0].accepted and not res.state.interlocks.latched
    assert audit(res.outcomes[0].result(), WALL).outcome == "accepted"
    cmd, answer, _ = receive("cmd/safety/reset", msg("r2"), False, WALL + 2.0, recent)
    assert cmd is None and "duplicate" in answer.reason


def test_expired_reset_of_a_resettable_trip_is_refused(plant):
    tripped(plant)
    plant.command("ack", "all", "a")
    plant.set_temp("buffer_top_temp_c", 60.0)
    plant.step()
    cmd, answer, _ = receive("cmd/safety/reset", msg("old", issued=WALL - 31.0), False, WALL, RecentIds())
    assert cmd is None and "expired" in answer.reason
    res, _ = plant.step()
    assert res.state.interlocks.trips["I5_buffer_top_hh"].alarm is AlarmState.CLEARED_ACK
