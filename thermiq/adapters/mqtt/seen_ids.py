"""The request-id memory on disk, beside the latch file, so a replay is refused after a restart.

Written like the latches (thermiq/cycle/latches.py): a temp file, fsync, atomic rename, fsync of
the directory, so a power cut leaves the old or the new file, never a torn one. The bridge saves
*before* it hands an accepted command to the scan: a command can be applied only once its id is
on disk. At start a missing or unreadable file means the memory is lost; the returned memory then
refuses every command issued before the start (``RecentIds.not_before_s``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from thermiq.commands import RecentIds


def beside_latches(latch_path: str | Path) -> Path:
    """The memory file for a latch file: ``latches.json`` -> ``latches.request-ids.json``."""
    p = Path(latch_path)
    return p.with_name(p.stem + ".request-ids.json")


class SeenIdsFile:
    """JSON file of the accepted request ids and their issue times (``RecentIds.to_doc``)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def load(self, window_s: float, wall_s: float, max_ids: int = 4096) -> tuple[RecentIds, str | None]:
        """The memory at start (UNIX ``wall_s``) and a warning, or None when the file was intact."""
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            return RecentIds.from_doc(doc, window_s, wall_s, max_ids), None
        except FileNotFoundError:
            why = "absent"
        except (OSError, ValueError, TypeError, KeyError) as err:
            why = f"unreadable ({type(err).__name__}: {err})"
        lost = RecentIds(window_s, (), max_ids, not_before_s=wall_s)
        return lost, (f"{self.path}: request-id memory {why}; commands issued before this start are refused")

    def save(self, recent: RecentIds) -> None:
        """Write atomically and durably. Raises OSError."""
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(recent.to_doc(), fh, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
