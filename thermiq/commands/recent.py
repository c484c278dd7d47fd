"""The request ids already accepted, with their issue time: the duplicate memory (pure, frozen).

An id must be remembered as long as a command carrying it could still pass the age check, i.e.
until ``issued_at + max_age_s``; ``window_s`` (>= ``max_age_s``) is how long after its issue
time an id is kept. The MQTT bridge persists the memory beside the latch file
(``thermiq.adapters.mqtt.seen_ids``) before a command reaches the scan, so a replay is refused
after a restart too. When the memory cannot be trusted (file missing or unreadable at start),
``not_before_s`` is the start time: every command issued before it is refused, because nobody
can tell whether it was already applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from thermiq.commands.limits import DEFAULT_MAX_AGE_S, DEFAULT_MAX_FUTURE_S

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class RecentIds:
    """Accepted request ids with their ``issued_at`` [UNIX s].

    window_s : float        keep an id this long after its issue time [s]
    seen : tuple            ((request_id, issued_at_s), ...) oldest first
    max_ids : int           capacity; when full, new commands are refused (ids are never dropped early)
    not_before_s : float | None   refuse commands issued before this UNIX time (memory lost at start)
    """

    window_s: float = 2 * (DEFAULT_MAX_AGE_S + DEFAULT_MAX_FUTURE_S)
    seen: tuple[tuple[str, float], ...] = ()
    max_ids: int = 4096
    not_before_s: float | None = None

    def contains(self, request_id: str) -> bool:
        return any(rid == request_id for rid, _ in self.seen)

    @property
    def full(self) -> bool:
        return len(self.seen) >= self.max_ids

    def prune(self, wall_s: float) -> RecentIds:
        """Without the ids issued more than ``window_s`` before ``wall_s`` (self if none)."""
        kept = tuple((r, t) for r, t in self.seen if wall_s - t <= self.window_s)
        if len(kept) == len(self.seen):
            return self
        return RecentIds(self.window_s, kept, self.max_ids, self.not_before_s)

    def add(self, request_id: str, issued_at_s: float, wall_s: float | None = None) -> RecentIds:
        """A memory with ``request_id`` (issued at ``issued_at_s``) added, pruned at ``wall_s``
        (default: the issue time). Raises ValueError when the memory is full."""
        pruned = self.prune(issued_at_s if wall_s is None else wall_s)
        if pruned.full:
            raise ValueError(f"request-id memory full ({self.max_ids} ids within {self.window_s:g} s)")
        return RecentIds(
            self.window_s, pruned.seen + ((request_id, float(issued_at_s)),), self.max_ids, self.not_before_s
        )

    def to_doc(self) -> dict:
        """JSON-able form for the state file."""
        return {
            "version": FORMAT_VERSION,
            "window_s": self.window_s,
            "not_before_s": self.not_before_s,
            "ids": [[rid, t] for rid, t in self.seen],
        }

    @classmethod
    def from_doc(cls, doc: object, window_s: float, wall_s: float, max_ids: int = 4096) -> RecentIds:
        """Rebuild from :meth:`to_doc` output, pruned at ``wall_s`` with ``window_s``.

        Raises ValueError/TypeError/KeyError on a malformed document.
        """
        if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
            raise ValueError("not a request-id memory of format version 1")
        seen = []
        for rid, t in doc["ids"]:
            if (
                not isinstance(rid, str)
                or isinstance(t, bool)
                or not isinstance(t, (int, float))
                or not math.isfinite(t)
            ):
                raise ValueError(f"bad entry {rid!r}: {t!r}")
            seen.append((rid, float(t)))
        nb = doc.get("not_before_s")
        if nb is not None and (isinstance(nb, bool) or not isinstance(nb, (int, float)) or not math.isfinite(nb)):
            raise ValueError(f"bad not_before_s {nb!r}")
        return cls(window_s, tuple(seen), max_ids, None if nb is None else float(nb)).prune(wall_s)
