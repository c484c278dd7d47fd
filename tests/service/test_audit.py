"""The audit log: append-only across restarts, rotated by size, every record with its user; only
outcome records reach the journal."""

from __future__ import annotations

import io
import json
import logging

import structlog

from thermiq.commands import AuditRecord
from thermiq.service.audit import AuditLog, read_audit
from thermiq.service.logs import configure_journal_logging


def test_appends_across_restarts_and_rotates_by_size(tmp_path):
    path = tmp_path / "audit.jsonl"
    first = AuditLog(path, max_bytes=10_000, backups=3)
    first.write(AuditRecord(1.0, "cmd/safety/ack", "accepted", "r0", None), user="alice")
    first.close()
    again = AuditLog(path, max_bytes=10_000, backups=3)  # a restart appends, never truncates
    again.write(AuditRecord(2.0, "cmd/safety/reset", "rejected", "r1", "not acknowledged"), user="bob")
    assert [(r["request_id"], r["user"]) for r in read_audit(path)] == [("r0", "alice"), ("r1", "bob")]
    for i in range(400):  # ~50 kB: rotates, keeps 3 backups
        again.write(AuditRecord(3.0 + i, "setpoints/dhw_setpoint_c/set", "received", f"x{i}", None, 50.0))
    again.close()
    assert path.stat().st_size <= 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "audit.jsonl",
        "audit.jsonl.1",
        "audit.jsonl.2",
        "audit.jsonl.3",
    ]
    last = read_audit(path)[-1]
    assert last["request_id"] == "x399" and last["outcome"] == "received"


def test_only_outcomes_reach_the_journal_with_the_noted_user(tmp_path):
    out = io.StringIO()
    configure_journal_logging(out)
    try:
        log = AuditLog(tmp_path / "audit.jsonl")
        log.note_user("r7", "carol")
        log.note_user("r7", None)  # None never hides a known user
        log.write(AuditRecord(1.0, "cmd/safety/ack", "received", "r7", None, "all"))
        log.write(AuditRecord(1.5, "cmd/safety/ack", "accepted", "r7", None))
        log.write(AuditRecord(2.0, "cmd/safety/ack", "refused", None, "malformed JSON: JSONDecodeError"))
        log.close()
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [(x["event"], x["request_id"], x["user"], x["accepted"]) for x in lines] == [
        ("command", "r7", "carol", True),
        ("command", None, None, False),
    ]
    assert lines[1]["reason"].startswith("malformed JSON")
    assert [r["user"] for r in read_audit(tmp_path / "audit.jsonl")] == ["carol", "carol", None]
