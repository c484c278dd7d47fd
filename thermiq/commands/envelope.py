"""Validate one received command message into a typed command or a refusal (pure).

Envelope (JSON object, issue #5): ``request_id`` (string, 1..64 chars of ``[A-Za-z0-9_.:-]``),
``issued_at`` (UNIX seconds, float), ``value`` (setpoints) or ``target`` (safety: a trip id or
``"all"``), optional ``lease_s`` (setpoints, 1..86400 s, default 3600). Unknown keys are refused.

Order of checks: topic, retained flag, size, UTF-8, JSON, schema, duplicate ``request_id``,
age (older than ``max_age_s`` or more than ``max_future_s`` ahead of the local clock), limits.
A retained command is refused because the broker would re-deliver it on every reconnect
(reference/mqtt_nodered.md §1.4).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Literal, Mapping, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from thermiq.commands.specs import SetpointSpec

DEFAULT_LEASE_S = 3600.0
MAX_LEASE_S = 86400.0
MAX_PAYLOAD_BYTES = 4096
DEFAULT_MAX_AGE_S = 30.0
DEFAULT_MAX_FUTURE_S = 5.0
SETPOINT_PREFIX = "setpoints/"
SAFETY_TOPICS = {"cmd/safety/reset": "reset", "cmd/safety/ack": "ack"}
_ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")


class SetpointPayload(BaseModel):
    """JSON schema of a ``setpoints/<name>/set`` payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: StrictStr = _ID
    issued_at: Union[StrictFloat, StrictInt] = Field(description="UNIX time the request was made [s]")
    value: Union[StrictBool, StrictFloat, StrictInt, StrictStr]
    lease_s: Union[StrictFloat, StrictInt] = Field(DEFAULT_LEASE_S, gt=0, le=MAX_LEASE_S,
                                                   description="lease of the remote value [s]")


class SafetyPayload(BaseModel):
    """JSON schema of a ``cmd/safety/reset`` or ``cmd/safety/ack`` payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: StrictStr = _ID
    issued_at: Union[StrictFloat, StrictInt] = Field(description="UNIX time the request was made [s]")
    target: StrictStr = Field(min_length=1, max_length=64, description='trip id or "all"')


class AckPayload(BaseModel):
    """JSON schema of an ``.../ack`` payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: StrictStr | None
    accepted: StrictBool
    reason: StrictStr | None = None
    value_in_force: Union[StrictBool, StrictFloat, StrictInt, StrictStr, None] = None


@dataclass(frozen=True, slots=True)
class SetpointCommand:
    """A validated setpoint write. value in the setpoint's unit; issued_at_s UNIX [s]; lease_s [s]."""

    topic: str
    name: str
    value: float | bool | str
    request_id: str
    issued_at_s: float
    lease_s: float = DEFAULT_LEASE_S


@dataclass(frozen=True, slots=True)
class SafetyCommand:
    """A validated safety reset or acknowledge; target is a trip id or ``"all"``."""

    topic: str
    action: Literal["reset", "ack"]
    target: str
    request_id: str
    issued_at_s: float


Command = Union[SetpointCommand, SafetyCommand]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A command that was not accepted; ``request_id`` is ``None`` when it could not be read."""

    topic: str
    reason: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Outcome of one command, published on ``<command topic>/ack`` as :class:`AckPayload`."""

    topic: str
    request_id: str | None
    accepted: bool
    reason: str | None = None
    value_in_force: float | bool | str | None = None

    def payload(self) -> dict:
        """The JSON-able ack payload."""
        return {"request_id": self.request_id, "accepted": self.accepted, "reason": self.reason,
                "value_in_force": self.value_in_force}

    @classmethod
    def refused(cls, refusal: Refusal) -> "CommandResult":
        """The ack of a refusal."""
        return cls(refusal.topic, refusal.request_id, False, refusal.reason, None)


@dataclass(frozen=True, slots=True)
class RecentIds:
    """The request ids accepted within the last ``window_s`` seconds (UNIX time) (pure, frozen)."""

    window_s: float = 2 * (DEFAULT_MAX_AGE_S + DEFAULT_MAX_FUTURE_S)
    seen: tuple[tuple[str, float], ...] = ()
    max_ids: int = 4096

    def contains(self, request_id: str) -> bool:
        return any(rid == request_id for rid, _ in self.seen)

    def add(self, request_id: str, wall_s: float) -> "RecentIds":
        """A new window with ``request_id`` added and entries older than ``window_s`` dropped."""
        kept = tuple((r, t) for r, t in self.seen if wall_s - t <= self.window_s)
        kept = (kept + ((request_id, wall_s),))[-self.max_ids:]
        return RecentIds(self.window_s, kept, self.max_ids)


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _parse(payload: bytes) -> object:
    return json.loads(payload.decode("utf-8"), parse_constant=_no_constants)


def _first_error(err: ValidationError) -> str:
    e = err.errors()[0]
    where = ".".join(str(p) for p in e["loc"]) or "payload"
    return f"schema: {where}: {e['msg']}"


def validate(topic: str, payload: bytes, retained: bool, wall_s: float,
             specs: Mapping[str, SetpointSpec], recent: RecentIds = RecentIds(),
             max_age_s: float = DEFAULT_MAX_AGE_S,
             max_future_s: float = DEFAULT_MAX_FUTURE_S) -> tuple[Command | Refusal, RecentIds]:
    """Check one command message.

    Parameters
    ----------
    topic : str            topic relative to ``thermiq/<site>/``
    payload : bytes        raw MQTT payload
    retained : bool        the message's retain flag
    wall_s : float         local UNIX time [s] (only for the age check)
    specs : mapping        writable setpoints (:func:`thermiq.commands.setpoint_specs`)
    recent : RecentIds     request ids accepted recently (duplicate check)
    max_age_s, max_future_s : float   accepted age window of ``issued_at`` [s]

    Returns
    -------
    (command or refusal, recent ids)
        The refusal names the problem; ``recent`` only grows for an accepted command.
        Never raises for any payload.
    """
    rid = None
    if topic.startswith(SETPOINT_PREFIX) and topic.endswith("/set"):
        name = topic[len(SETPOINT_PREFIX):-len("/set")]
        spec = specs.get(name)
        if spec is None:
            return Refusal(topic, f"unknown setpoint {name!r}"), recent
        model = SetpointPayload
    elif topic in SAFETY_TOPICS:
        spec, model = None, SafetyPayload
    else:
        return Refusal(topic, f"unknown command topic {topic!r}"), recent
    if len(payload) > MAX_PAYLOAD_BYTES:
        return Refusal(topic, f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}"), recent
    if not payload:
        return Refusal(topic, "empty payload"), recent
    try:
        data = _parse(payload)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        return Refusal(topic, f"malformed JSON: {type(err).__name__}"), recent
    if isinstance(data, dict) and isinstance(data.get("request_id"), str) and len(data["request_id"]) <= 64:
        rid = data["request_id"]
    if retained:
        return Refusal(topic, "retained command refused (publish commands with retain=false)", rid), recent
    if not isinstance(data, dict):
        return Refusal(topic, f"schema: payload must be a JSON object, got {type(data).__name__}", rid), recent
    try:
        msg = model.model_validate(data)
    except ValidationError as err:
        return Refusal(topic, _first_error(err), rid), recent
    issued = float(msg.issued_at)
    if not math.isfinite(issued):
        return Refusal(topic, "schema: issued_at must be finite", rid), recent
    if recent.contains(msg.request_id):
        return Refusal(topic, f"duplicate request_id {msg.request_id!r}", rid), recent
    if issued < wall_s - max_age_s:
        return Refusal(topic, f"expired: issued {wall_s - issued:.1f} s ago (max {max_age_s:g} s)", rid), recent
    if issued > wall_s + max_future_s:
        return Refusal(topic, f"issued_at {issued - wall_s:.1f} s in the future (max {max_future_s:g} s)",
                       rid), recent
    if spec is not None:
        why = spec.check(msg.value)
        if why is not None:
            return Refusal(topic, why, rid), recent
        cmd: Command = SetpointCommand(topic, spec.name, spec.normalise(msg.value), msg.request_id, issued,
                                       float(msg.lease_s))
    else:
        cmd = SafetyCommand(topic, SAFETY_TOPICS[topic], msg.target, msg.request_id, issued)  # type: ignore[arg-type]
    return cmd, recent.add(msg.request_id, wall_s)
