"""Payload types of the MQTT tree (pydantic); state payloads are plain JSON values, ``null`` = invalid."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict

from thermiq.commands.envelope import AckPayload, SafetyPayload, SetpointPayload

Availability = Literal["online", "offline"]
SG_STATES = ("block", "normal", "boost", "forced")
SgState = Literal[SG_STATES]  # type: ignore[valid-type]
Mode = Literal["off", "manual", "pv_only", "heat_priority", "auto"]
MINER_STATES = ("unknown", "mining", "paused", "stopped")
MinerStateName = Literal[MINER_STATES]  # type: ignore[valid-type]


class TripItem(BaseModel):
    """One latched trip as the operator needs it (built by ``thermiq.cycle.status`` from the trip table).

    state : ISA-18.2 alarm state (active_unack | active_ack | cleared_unack | cleared_ack)
    cause, hint : the trip table's text; value : the cause value when it tripped; limit, unit : its limit
    since_wall_s : UNIX time [s] the trip latched (``since_s`` is the controller's monotonic time)
    """

    model_config = ConfigDict(extra="allow")
    id: str
    state: str
    first_out: bool
    value: float | bool | str | None = None
    limit: float | bool | str | list | None = None
    unit: str | None = None
    cause: str = ""
    hint: str = ""
    since_s: float | None = None
    since_wall_s: float | None = None


def nullable(tp):
    """``tp | None`` (state values may be invalid)."""
    return Optional[tp]  # noqa: UP045 (tp may be a typing special form)


__all__ = [
    "AckPayload",
    "Availability",
    "MINER_STATES",
    "MinerStateName",
    "Mode",
    "SG_STATES",
    "SafetyPayload",
    "SetpointPayload",
    "SgState",
    "TripItem",
    "nullable",
]
