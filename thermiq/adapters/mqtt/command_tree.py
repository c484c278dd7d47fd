"""The command tree the controller listens to, and where each command's ack goes (pure).

Command topics (relative to ``thermiq/<site>/``), bare for the local clients and under
``op/<user>/`` for the remote operators (identity: ``thermiq.commands.identity``)::

    setpoints/+/set          op/+/setpoints/+/set
    cmd/safety/+             op/+/cmd/safety/+

Every message on these filters is answered on ``<topic>/ack``, including unknown setpoint names
and unknown safety actions (refused). No ack topic matches a command filter, so an ack can
never be taken for a command (and a command topic never gets an ack published onto it).
"""

from __future__ import annotations

COMMAND_FILTERS = ("setpoints/+/set", "cmd/safety/+", "op/+/setpoints/+/set", "op/+/cmd/safety/+")


def matches(topic: str, pattern: str) -> bool:
    """MQTT topic-filter match for filters with ``+`` only (no ``#``)."""
    t, p = topic.split("/"), pattern.split("/")
    return len(t) == len(p) and all(pp == "+" or pp == tt for tt, pp in zip(t, p))


def is_command_topic(rel: str) -> bool:
    """``rel`` lies on one of :data:`COMMAND_FILTERS`."""
    return any(matches(rel, f) for f in COMMAND_FILTERS)


def ack_topic(rel: str) -> str | None:
    """The relative ack topic of command topic ``rel`` (``<rel>/ack``), or None if ``rel`` is not a command topic."""
    return rel + "/ack" if is_command_topic(rel) else None
