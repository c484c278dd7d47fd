"""Validate one received command message into a typed command or a refusal (pure).

Envelope (JSON object, issue #5): ``request_id`` (string, 1..64 chars of ``[A-Za-z0-9_.:-]``),
``issued_at`` (UNIX seconds, float), ``value`` (setpoints) or ``target`` (safety: a trip id or
``"all"``), optional ``lease_s`` (setpoints, 1..86400 s, default 3600). Unknown keys are refused.
The JSON is read strictly: a key that appears twice, ``NaN`` and ``Infinity`` are refused.

Order of checks: identity and topic, size, empty, UTF-8, JSON, retained flag, schema, duplicate
``request_id``, age (older than ``max_age_s`` or more than ``max_future_s`` ahead of the local
clock), issued before the start while the duplicate memory was lost, memory full, limits. A retained command
is refused because the broker would re-deliver it on every reconnect (docs/SOURCES.md S-MQTT). Every refusal reason is cut to ``MAX_REASON_CHARS`` with control characters replaced by
``?``, so a reason never carries terminal escapes or line breaks from a request.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from thermiq.commands.identity import LOCAL, split_identity
from thermiq.commands.limits import (
    DEFAULT_LEASE_S,
    DEFAULT_MAX_AGE_S,
    DEFAULT_MAX_FUTURE_S,
    MAX_LEASE_S,
    MAX_PAYLOAD_BYTES,
    MAX_REASON_CHARS,
)
from thermiq.commands.recent import RecentIds
from thermiq.commands.specs import SetpointSpec

SETPOINT_PREFIX = "setpoints/"
SAFETY_TOPICS = {"cmd/safety/reset": "reset", "cmd/safety/ack": "ack"}
ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"
_ID = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
_ID_RE = re.compile(ID_PATTERN)


class SetpointPayload(BaseModel):
    """JSON schema of a ``setpoints/<name>/set`` payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: StrictStr = _ID
    issued_at: StrictFloat | StrictInt = Field(description="UNIX time the request was made [s]")
    value: Any = Field(description="the new value, of the setpoint's type: a number, true/false or a string")
    lease_s: StrictFloat | StrictInt = Field(
        DEFAULT_LEASE_S, gt=0, le=MAX_LEASE_S, description="lease of the remote value [s]"
    )


class SafetyPayload(BaseModel):
    """JSON schema of a ``cmd/safety/reset`` or ``cmd/safety/ack`` payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: StrictStr = _ID
    issued_at: StrictFloat | StrictInt = Field(description="UNIX time the request was made [s]")
    target: StrictStr = Field(min_length=1, max_length=64, description='trip id or "all"')


class AckPayload(BaseModel):
    """JSON schema of an ``.../ack`` payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: StrictStr | None
    accepted: StrictBool
    reason: StrictStr | None = None
    value_in_force: StrictBool | StrictFloat | StrictInt | StrictStr | None = None
    by: StrictStr | None = Field(
        None,
        description="who sent the command: the operator login bound by the "
        'broker, "local" for the bare topics, null if unknown',
    )


@dataclass(frozen=True, slots=True)
class SetpointCommand:
    """A validated setpoint write. value in the setpoint's unit; issued_at_s UNIX [s]; lease_s [s];
    topic as received (relative, with any ``op/<user>/`` prefix); by = sender identity."""

    topic: str
    name: str
    value: float | bool | str
    request_id: str
    issued_at_s: float
    lease_s: float = DEFAULT_LEASE_S
    by: str = LOCAL


@dataclass(frozen=True, slots=True)
class SafetyCommand:
    """A validated safety reset or acknowledge; target is a trip id or ``"all"``."""

    topic: str
    action: Literal["reset", "ack"]
    target: str
    request_id: str
    issued_at_s: float
    by: str = LOCAL


Command = SetpointCommand | SafetyCommand


@dataclass(frozen=True, slots=True)
class Refusal:
    """A command that was not accepted; ``request_id`` is ``None`` when it could not be read."""

    topic: str
    reason: str
    request_id: str | None = None
    by: str | None = None


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Outcome of one command, published on ``<command topic>/ack`` as :class:`AckPayload`."""

    topic: str
    request_id: str | None
    accepted: bool
    reason: str | None = None
    value_in_force: float | bool | str | None = None
    by: str | None = None

    def payload(self) -> dict:
        """The JSON-able ack payload."""
        return {
            "request_id": self.request_id,
            "accepted": self.accepted,
            "reason": self.reason,
            "value_in_force": self.value_in_force,
            "by": self.by,
        }

    @classmethod
    def refused(cls, refusal: Refusal) -> CommandResult:
        """The ack of a refusal."""
        return cls(refusal.topic, refusal.request_id, False, refusal.reason, None, refusal.by)


def clean_reason(text: str) -> str:
    """``text`` with control, format and unassigned characters replaced by ``?``, at most
    ``MAX_REASON_CHARS`` long (a refusal reason may quote parts of the request)."""
    out = "".join("?" if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text)
    return out if len(out) <= MAX_REASON_CHARS else out[: MAX_REASON_CHARS - 3] + "..."


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def parse_strict(payload: bytes) -> object:
    """UTF-8 JSON without duplicate keys, NaN or Infinity. Raises ValueError (incl. UnicodeDecodeError)."""
    return json.loads(payload.decode("utf-8"), parse_constant=_no_constants, object_pairs_hook=_no_duplicates)


def _first_error(err: ValidationError) -> str:
    e = err.errors()[0]
    where = str(e["loc"][0]) if e["loc"] else "payload"  # the field, not the union member tried
    return f"schema: {where}: {e['msg']}"


def validate(
    topic: str,
    payload: bytes,
    retained: bool,
    wall_s: float,
    specs: Mapping[str, SetpointSpec],
    recent: RecentIds = RecentIds(),
    max_age_s: float = DEFAULT_MAX_AGE_S,
    max_future_s: float = DEFAULT_MAX_FUTURE_S,
) -> tuple[Command | Refusal, RecentIds]:
    """Check one command message.

    Parameters
    ----------
    topic : str            topic relative to ``thermiq/<site>/`` (``op/<user>/`` prefix = operator identity)
    payload : bytes        raw MQTT payload
    retained : bool        the message's retain flag
    wall_s : float         local UNIX time [s] (only for the age check and the duplicate memory)
    specs : mapping        writable setpoints (:func:`thermiq.commands.setpoint_specs`)
    recent : RecentIds     request ids accepted recently (duplicate check)
    max_age_s, max_future_s : float   accepted age window of ``issued_at`` [s]

    Returns
    -------
    (command or refusal, recent ids)
        The refusal names the problem; ``recent`` only grows for an accepted command.
        Never raises for any payload.
    """
    res = _check(topic, payload, retained, wall_s, specs, recent, max_age_s, max_future_s)
    if isinstance(res, Refusal):
        return Refusal(res.topic, clean_reason(res.reason), res.request_id, res.by), recent
    return res, recent.add(res.request_id, res.issued_at_s, wall_s)


def _check(topic, payload, retained, wall_s, specs, recent, max_age_s, max_future_s) -> Command | Refusal:
    by, path = split_identity(topic)
    if by is None:
        return Refusal(topic, f"unknown operator in topic {topic!r}")
    if path.startswith(SETPOINT_PREFIX) and path.endswith("/set"):
        name = path[len(SETPOINT_PREFIX) : -len("/set")]
        spec = specs.get(name)
        if spec is None:
            return Refusal(topic, f"unknown setpoint {name!r}", None, by)
        model = SetpointPayload
    elif path in SAFETY_TOPICS:
        spec, model = None, SafetyPayload
    else:
        return Refusal(topic, f"unknown command topic {topic!r}", None, by)
    if len(payload) > MAX_PAYLOAD_BYTES:
        return Refusal(topic, f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}", None, by)
    if not payload:
        return Refusal(topic, "empty payload", None, by)
    try:
        data = parse_strict(payload)
    except _DuplicateKey as err:
        return Refusal(topic, f"malformed JSON: {err}", None, by)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        return Refusal(topic, f"malformed JSON: {type(err).__name__}", None, by)
    rid = data.get("request_id") if isinstance(data, dict) else None
    if not (isinstance(rid, str) and len(rid) <= 64 and _ID_RE.match(rid)):
        rid = None  # echo only a well-formed id
    if retained:
        return Refusal(topic, "retained command refused (publish commands with retain=false)", rid, by)
    if not isinstance(data, dict):
        return Refusal(topic, f"schema: payload must be a JSON object, got {type(data).__name__}", rid, by)
    try:
        msg = model.model_validate(data)
    except ValidationError as err:
        return Refusal(topic, _first_error(err), rid, by)
    issued = float(msg.issued_at)
    if not math.isfinite(issued):
        return Refusal(topic, "schema: issued_at must be finite", rid, by)
    if recent.contains(msg.request_id):
        return Refusal(topic, f"duplicate request id {msg.request_id!r}", rid, by)
    if issued < wall_s - max_age_s:
        return Refusal(topic, f"expired: issued {wall_s - issued:.1f} s ago (max {max_age_s:g} s)", rid, by)
    if issued > wall_s + max_future_s:
        return Refusal(topic, f"issued_at {issued - wall_s:.1f} s in the future (max {max_future_s:g} s)", rid, by)
    if recent.not_before_s is not None and issued < recent.not_before_s:
        return Refusal(
            topic,
            "issued before the controller started and its request-id memory was lost: "
            "cannot tell whether it was applied",
            rid,
            by,
        )
    if recent.prune(wall_s).full:
        return Refusal(topic, f"too many commands: {recent.max_ids} request ids within {recent.window_s:g} s", rid, by)
    if spec is not None:
        why = spec.check(msg.value)
        if why is not None:
            return Refusal(topic, why, rid, by)
        return SetpointCommand(
            topic, spec.name, spec.normalise(msg.value), msg.request_id, issued, float(msg.lease_s), by
        )
    return SafetyCommand(topic, SAFETY_TOPICS[path], msg.target, msg.request_id, issued, by)  # type: ignore[arg-type]
