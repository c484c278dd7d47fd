"""Local operator commands from the cabinet shell: ``thermiq ack|reset TRIP|all``.

The command takes the same path as one from MQTT: the same envelope (``request_id``,
``issued_at``, ``target``) checked by :func:`thermiq.commands.validate`, then the interlock phase
of the next scan decides, and the outcome goes to the audit log and the journal with the local
user. Transport: one JSON file per command in the spool folder (``[service].command_spool``,
tmpfs), dropped atomically by :func:`submit`; the daemon's :class:`CommandSpool` observer drains
the folder every scan and answers with ``<request_id>.result``, which :func:`submit` waits for.

Spool file: ``{"topic": "cmd/safety/ack"|"cmd/safety/reset", "payload": {envelope}, "user": str}``.
Result file: ``{"request_id", "accepted", "reason"}``.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from thermiq.clock import Clock, SystemClock
from thermiq.commands import AuditRecord, RecentIds, Refusal, validate
from thermiq.cycle.scan import SafetyCommand

LOCAL_PREFIX = "local/"  #: audit topic prefix of cabinet-shell commands
RESULT_KEEP_S = 60.0  #: results nobody collected are removed after this long [s]
MAX_PER_SCAN = 16  #: commands taken per scan (a flood cannot stretch a scan)


class CommandSpool:
    """Runner observer: takes spooled commands into the next scan and writes their results.

    Parameters
    ----------
    folder : spool folder (created, mode 0770)
    audit : :class:`thermiq.service.audit.AuditLog`
    clock : the daemon's :class:`Clock` (wall time for the envelope's age check and the sweep)
    """

    def __init__(self, folder: str | Path, audit, clock: Clock = SystemClock()):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o770)
        self.audit, self.clock = audit, clock
        self._recent = RecentIds()
        self._pending: dict[str, str] = {}  # request id -> topic, awaiting the scan's outcome
        self._next_sweep_s = 0.0

    def _answer(self, request_id: str | None, accepted: bool, reason: str | None) -> None:
        if request_id is None:
            return
        tmp = self.folder / f".{request_id}.result.tmp"
        tmp.write_text(json.dumps({"request_id": request_id, "accepted": accepted, "reason": reason}))
        os.replace(tmp, self.folder / f"{request_id}.result")

    def observe(self, runner, img, res, cost_s: float) -> None:
        """Answer the outcomes of this scan, then queue the newly spooled commands for the next."""
        for result in runner.last_results:
            topic = self._pending.pop(result.request_id, None)
            if topic is not None:
                self.audit.write(
                    AuditRecord(
                        img.wall_s,
                        topic,
                        "accepted" if result.accepted else "rejected",
                        result.request_id,
                        result.reason,
                    )
                )
                self._answer(result.request_id, result.accepted, result.reason)
        taken = 0
        with os.scandir(self.folder) as it:
            for entry in it:
                if not entry.name.endswith(".json") or entry.name.startswith("."):
                    continue
                if taken >= MAX_PER_SCAN:
                    break
                taken += 1
                self._take(Path(entry.path), runner)
        if img.now_s >= self._next_sweep_s:
            self._next_sweep_s = img.now_s + RESULT_KEEP_S
            self._sweep()

    def _take(self, path: Path, runner) -> None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            topic, payload, user = str(doc["topic"]), json.dumps(doc["payload"]).encode(), doc.get("user")
        except (OSError, ValueError, KeyError, TypeError) as err:
            doc, topic, payload, user = None, "cmd/safety/?", b"", None
            reason = f"unreadable spool file {path.name}: {type(err).__name__}"
        finally:
            path.unlink(missing_ok=True)
        wall = self.clock.wall()
        if doc is None:
            self.audit.write(AuditRecord(wall, LOCAL_PREFIX + topic, "refused", None, reason), user)
            return
        if not topic.startswith("cmd/safety/"):
            cmd: object = Refusal(topic, f"local commands are cmd/safety/ack|reset, not {topic!r}")
        else:
            cmd, self._recent = validate(topic, payload, False, wall, {}, self._recent)
        rid = getattr(cmd, "request_id", None)
        self.audit.note_user(rid, user)
        if isinstance(cmd, Refusal):
            self.audit.write(AuditRecord(wall, LOCAL_PREFIX + topic, "refused", rid, cmd.reason), user)
            self._answer(rid, False, cmd.reason)
            return
        self.audit.write(AuditRecord(wall, LOCAL_PREFIX + topic, "received", rid, None, cmd.target), user)
        self._pending[rid] = LOCAL_PREFIX + topic
        runner.submit_safety_command(SafetyCommand(cmd.action, cmd.target, rid, LOCAL_PREFIX + topic))

    def _sweep(self) -> None:
        cutoff = SystemClock().wall() - RESULT_KEEP_S  # file times are system wall time
        for p in self.folder.glob("*.result"):
            try:
                if p.stat().st_mtime < cutoff:
                    p.unlink()
            except OSError:
                pass


def local_user() -> str:
    """Who runs the command: ``$SUDO_USER`` behind sudo, else the login name of the process."""
    import getpass

    return os.environ.get("SUDO_USER") or getpass.getuser()


def drop(
    folder: str | Path,
    action: str,
    target: str,
    user: str | None = None,
    issued_at: float | None = None,
    clock: Clock = SystemClock(),
) -> str:
    """Spool one command without waiting; returns its request id. ``issued_at`` [UNIX s]
    defaults to now (a bench on a fake clock passes the daemon's time).

    Raises
    ------
    FileNotFoundError : the spool folder does not exist (the daemon is not running).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no command spool (is thermiq running? systemctl status thermiq)")
    rid = f"local-{uuid.uuid4().hex[:16]}"
    doc = {
        "topic": f"cmd/safety/{action}",
        "user": user or local_user(),
        "payload": {"request_id": rid, "issued_at": clock.wall() if issued_at is None else issued_at, "target": target},
    }
    tmp = folder / f".{rid}.json.tmp"
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, folder / f"{rid}.json")
    return rid


def submit(
    folder: str | Path,
    action: str,
    target: str,
    user: str | None = None,
    timeout_s: float = 5.0,
    clock: Clock = SystemClock(),
) -> dict:
    """Spool ``action`` (``ack``/``reset``) of ``target`` (trip id or ``all``) and wait for the outcome.

    Returns
    -------
    dict : ``{"request_id", "accepted", "reason"}``.

    Raises
    ------
    FileNotFoundError : the spool folder does not exist (the daemon is not running).
    TimeoutError : no answer within ``timeout_s`` (the command file is withdrawn if still there).
    """
    folder = Path(folder)
    rid = drop(folder, action, target, user, clock=clock)
    result = folder / f"{rid}.result"
    end = clock.monotonic() + timeout_s
    while clock.monotonic() < end:
        if result.exists():
            out = json.loads(result.read_text(encoding="utf-8"))
            result.unlink(missing_ok=True)
            return out
        clock.sleep(0.05)
    (folder / f"{rid}.json").unlink(missing_ok=True)
    raise TimeoutError(f"no answer from thermiq within {timeout_s:g} s (request {rid})")
