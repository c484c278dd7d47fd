"""Publish on change with a per-topic deadband plus a slow refresh (pure).

A value is published when it differs from the last published one by at least the topic's
deadband (numbers), or at all (anything else, and any change between valid and ``None``), or
when ``refresh_s`` has passed since it was last published. Values that break the topic's schema
and keys the registry does not know are reported, not published.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pydantic import ValidationError

from thermiq.adapters.mqtt.registry import Registry

DEFAULT_REFRESH_S = 60.0


def encode(value: object) -> bytes:
    """Payload bytes of a state value: compact JSON; non-finite floats become ``null``.

    Raises TypeError for a value that is not JSON-able.
    """
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def changed(old: object, new: object, deadband: float | None) -> bool:
    """True when ``new`` must be published after ``old`` (deadband only between two numbers)."""
    num = (int, float)
    if (
        isinstance(old, num)
        and isinstance(new, num)
        and not isinstance(old, bool)
        and not isinstance(new, bool)
        and deadband
    ):
        return abs(new - old) >= deadband
    return old != new or type(old) is not type(new)


@dataclass(frozen=True, slots=True)
class Selection:
    """Result of one :meth:`PublishFilter.select`: what to publish and what was wrong."""

    publish: tuple[tuple[str, bytes], ...]
    unknown: tuple[str, ...] = ()
    invalid: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PublishFilter:
    """Last published value and time [s, monotonic] per relative topic path (frozen)."""

    refresh_s: float = DEFAULT_REFRESH_S
    last: Mapping[str, tuple[object, float]] = field(default_factory=lambda: MappingProxyType({}))

    def select(self, registry: Registry, status: Mapping[str, object], now_s: float) -> tuple[Selection, PublishFilter]:
        """Choose the topics of ``status`` to publish at ``now_s`` [s]; returns the new filter."""
        out, unknown, invalid = [], [], []
        last = dict(self.last)
        for path, value in status.items():
            topic = registry.get(path)
            if topic is None or topic.kind not in ("state", "setpoint"):
                unknown.append(path)
                continue
            prev = last.get(path)
            if prev is not None and now_s - prev[1] < self.refresh_s and not changed(prev[0], value, topic.deadband):
                continue
            try:
                topic.adapter.validate_python(value, strict=True)
                data = encode(value)
            except (ValidationError, TypeError, ValueError) as err:
                invalid.append((path, str(err).splitlines()[0]))
                continue
            out.append((path, data))
            last[path] = (value, now_s)
        return Selection(tuple(out), tuple(unknown), tuple(invalid)), PublishFilter(
            self.refresh_s, MappingProxyType(last)
        )

    def forget(self) -> PublishFilter:
        """A filter that republishes everything on the next select (after a reconnect)."""
        return PublishFilter(self.refresh_s)
