"""The scan's command phase: apply validated MQTT commands (setpoints with leases, safety ack/reset).

The bridge thread has already refused malformed, retained, duplicate and expired commands
(``thermiq.commands.validate``); here each accepted command is applied in the scan that drains
it, and its outcome becomes the ack. Pure functions of (store, command, now_s).
"""

from __future__ import annotations

from thermiq.commands import (
    CommandResult,
    SetpointCommand,
    SetpointStore,
    handle_setpoint,
)
from thermiq.commands import (
    SafetyCommand as MqttSafetyCommand,
)
from thermiq.control.setpoints import Setpoints
from thermiq.cycle.scan import CommandOutcome, SafetyCommand


def split_commands(
    store: SetpointStore, commands: list, now_s: float
) -> tuple[SetpointStore, list[CommandResult], list[tuple[SafetyCommand, str]]]:
    """Apply setpoint commands to ``store``; return safety commands for the interlock phase.

    Returns (new store, setpoint acks, [(core safety command, MQTT topic)]).
    """
    acks, safety = [], []
    for cmd in commands:
        if isinstance(cmd, SetpointCommand):
            store, result = handle_setpoint(store, cmd, now_s)
            acks.append(result)
        elif isinstance(cmd, MqttSafetyCommand):
            safety.append((SafetyCommand(cmd.action, cmd.target, cmd.request_id), cmd.topic))
    return store, acks, safety


def safety_acks(outcomes: tuple[CommandOutcome, ...], topics: dict[str, str]) -> list[CommandResult]:
    """Acks of the remote safety commands the interlock phase applied (by request id).

    Commands that did not come over MQTT (local CLI) have no command topic and get no MQTT ack.
    """
    return [
        CommandResult(topics[o.request_id], o.request_id, o.accepted, o.reason, None)
        for o in outcomes
        if o.request_id in topics
    ]


def setpoints_in_force(defaults: Setpoints, store: SetpointStore | None, now_s: float) -> Setpoints:
    """Local defaults overridden by the unexpired remote leases (I14: leases fall back on expiry)."""
    return defaults if store is None else defaults.with_values(store.in_force(now_s))
