"""Safety commands (SA-002 reset, SA-007 acknowledge) from a received message to the scan and back.

Pure glue over ``thermiq.commands``: the envelope rules (request id, timestamp, duplicates,
replays, expiry, retained flag, schema) live there and are not repeated here. The scan decides
the alarm-state rules (a reset only from cleared-and-acknowledged; a hardware trip is never
reset by software) and answers with a ``CommandOutcome``; this module turns either answer into
the ack (``CommandResult``) and the audit line (``AuditRecord``).

Authentication is the broker's: only users the Mosquitto ACL lets write ``cmd/safety/#`` can
publish there (deploy/mosquitto); a message the broker refuses never reaches the daemon.
"""

from __future__ import annotations

from thermiq.commands.audit import AuditRecord
from thermiq.commands.envelope import SAFETY_TOPICS, CommandResult, RecentIds, Refusal, SafetyCommand, validate


def receive(
    topic: str, payload: bytes, retained: bool, wall_s: float, recent: RecentIds
) -> tuple[SafetyCommand | None, CommandResult | None, RecentIds]:
    """Validate one message on a safety topic (``cmd/safety/reset`` or ``cmd/safety/ack``).

    Returns
    -------
    (command, None, recent) when the message is valid: hand ``command`` to ``Core.scan``;
    (None, refusal ack, recent) otherwise; ``recent`` grows only for a valid command.
    Never raises for any payload.
    """
    if topic not in SAFETY_TOPICS:
        return None, CommandResult(topic, None, False, f"not a safety command topic: {topic!r}"), recent
    cmd, recent = validate(topic, payload, retained, wall_s, {}, recent)
    if isinstance(cmd, Refusal):
        return None, CommandResult.refused(cmd), recent
    return cmd, None, recent


def audit(result: CommandResult, wall_s: float, received: bool = True) -> AuditRecord:
    """The audit line of a command's final answer (``refused`` by validation, else accepted/rejected)."""
    if not received:
        outcome = "refused"
    else:
        outcome = "accepted" if result.accepted else "rejected"
    return AuditRecord(wall_s, result.topic, outcome, result.request_id, result.reason)
