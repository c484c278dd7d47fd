"""The command intake without a broker: the request-id memory on disk, lost memory, write failures,
and the command tree's ack topics."""

from __future__ import annotations

import json

import pytest

from thermiq.adapters.mqtt.command_tree import COMMAND_FILTERS, ack_topic, is_command_topic
from thermiq.adapters.mqtt.intake import CommandIntake
from thermiq.adapters.mqtt.seen_ids import beside_latches
from thermiq.commands import Refusal, SetpointCommand

NOW = 1_790_000_000.0


class Clock:
    def __init__(self, t=NOW):
        self.t = t

    def __call__(self):
        return self.t


def body(rid, issued=NOW, value="manual"):
    return json.dumps({"request_id": rid, "issued_at": issued, "value": value}).encode()


def test_accepted_id_is_on_disk_before_the_command_is_returned_and_survives_a_restart(registry, tmp_path):
    path = beside_latches(tmp_path / "latches.json")
    assert path.name == "latches.request-ids.json"
    clock = Clock(NOW - 10)  # first start ever: 10 s ago
    first = CommandIntake(registry.specs, clock, 30, 5, path)
    first.start()
    clock.t = NOW
    cmd = first.judge("setpoints/mode/set", body("r1"), False)
    assert isinstance(cmd, SetpointCommand)
    assert [rid for rid, _ in json.loads(path.read_text())["ids"]] == ["r1"]
    clock.t += 3  # restart 3 s later
    second = CommandIntake(registry.specs, clock, 30, 5, path)
    second.start()
    again = second.judge("setpoints/mode/set", body("r1"), False)
    assert isinstance(again, Refusal) and again.reason == "duplicate request id 'r1'"
    fresh = second.judge("setpoints/mode/set", body("r2", issued=NOW + 1), False)  # issued before this start, new id
    assert isinstance(fresh, SetpointCommand)


@pytest.mark.parametrize("content", [None, "", "{", '{"version": 1, "ids": [["a", "x"]]}', "[]"])
def test_missing_or_corrupt_memory_refuses_what_was_issued_before_the_start(registry, tmp_path, content, caplog):
    path = tmp_path / "latches.request-ids.json"
    if content is not None:
        path.write_text(content)
    clock = Clock()
    intake = CommandIntake(registry.specs, clock, 30, 5, path)
    intake.start()
    assert "commands issued before this start are refused" in caplog.text
    old = intake.judge("setpoints/mode/set", body("old", issued=NOW - 2), False)
    assert isinstance(old, Refusal) and "memory was lost" in old.reason
    assert isinstance(intake.judge("setpoints/mode/set", body("new", issued=NOW + 0.5), False), SetpointCommand)
    clock.t += 1  # a second restart still knows the horizon
    again = CommandIntake(registry.specs, clock, 30, 5, path)
    again.start()
    assert "memory was lost" in again.judge("setpoints/mode/set", body("old2", issued=NOW - 1), False).reason


def test_an_id_that_cannot_be_written_is_not_applied(registry, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    intake = CommandIntake(registry.specs, Clock(), 30, 5, blocker / "latches.request-ids.json")
    intake.start()
    res = intake.judge("setpoints/mode/set", body("w1"), False)
    assert (
        isinstance(res, Refusal)
        and res.reason.startswith("cannot record the request id")
        and res.reason.endswith("not applied")
        and res.request_id == "w1"
    )
    assert not intake.recent.contains("w1")


@pytest.mark.parametrize(
    "rel, ack",
    [
        ("setpoints/mode/set", "setpoints/mode/set/ack"),
        ("cmd/safety/ack", "cmd/safety/ack/ack"),
        ("cmd/safety/explode", "cmd/safety/explode/ack"),
        ("op/alice/cmd/safety/reset", "op/alice/cmd/safety/reset/ack"),
        ("setpoints//set", "setpoints//set/ack"),
        ("cmd/safety", None),
        ("setpoints/mode/set/ack", None),
        ("cmd/safety/ack/ack", None),
        ("state/mode", None),
        ("op/alice/cmd/safety/ack/ack", None),
    ],
)
def test_ack_topics_never_lie_on_the_command_tree(rel, ack):
    assert ack_topic(rel) == ack
    if ack is not None:
        assert not is_command_topic(ack)
    assert len(COMMAND_FILTERS) == 4
