"""Audit records of received commands and their outcome (JSON lines; writing is the adapter's job)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

Outcome = Literal["refused", "received", "accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit line.

    wall_s : float     UNIX time the record was made [s]
    topic : str        command topic relative to ``thermiq/<site>/``
    outcome : str      ``refused`` (by validation), ``received`` (valid, handed to the scan),
                       ``accepted`` / ``rejected`` (the scan's result)
    request_id, reason, value : as in the command and its ack
    by : str | None    who sent it: the operator login bound by the broker, ``"local"``, or None if unknown
    """

    wall_s: float
    topic: str
    outcome: Outcome
    request_id: str | None = None
    reason: str | None = None
    value: float | bool | str | None = None
    by: str | None = None

    def to_json(self) -> str:
        """One line of JSON (no newline), keys sorted."""
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_json(cls, line: str) -> AuditRecord:
        """Parse a line written by :meth:`to_json`. Raises ValueError/TypeError on a bad line."""
        return cls(**json.loads(line))
