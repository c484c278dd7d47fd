"""Payload types of the MQTT tree (pydantic); state payloads are plain JSON values, ``null`` = invalid."""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict

from thermiq.commands.envelope import AckPayload, SafetyPayload, SetpointPayload

Availability = Literal["online", "offline"]
ValvePosition = Literal["dhw", "buffer", "moving", "unknown"]
SgState = Literal["block", "normal", "boost", "forced"]
Mode = Literal["off", "manual", "pv_only", "heat_priority", "auto"]
MinerStateName = Literal["unknown", "mining", "paused", "stopped"]


class TripItem(BaseModel):
    """One row of the trip table (owned by the interlock layer; treated as opaque here)."""

    model_config = ConfigDict(extra="allow")
    id: str
    state: str
    first_out: bool
    value: Union[float, bool, str, None] = None
    limit: Union[float, bool, str, None] = None
    since_s: Optional[float] = None


def nullable(tp):
    """``tp | None`` (state values may be invalid)."""
    return Optional[tp]


__all__ = ["AckPayload", "Availability", "MinerStateName", "Mode", "SafetyPayload", "SetpointPayload",
           "SgState", "TripItem", "ValvePosition", "nullable"]
