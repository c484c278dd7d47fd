"""A minimal stand-in for the controller's scan loop, for bridge tests and the latency bench.

Each scan: drain the bridge's commands, apply setpoint commands to a :class:`SetpointStore`,
answer safety commands with a fixed outcome, ack every command, publish the status (setpoints in
force plus ``extra`` values). It follows the contract the real runner (thermiq/cycle/runner.py)
implements; it is not the controller.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from thermiq.commands import CommandResult, SafetyCommand, SetpointCommand, SetpointStore, handle_setpoint


class MiniScan:
    """Run ``scan_once`` every ``period_s`` [s] in a thread (``start``/``stop``), or call it directly."""

    def __init__(
        self,
        bridge,
        store: SetpointStore,
        period_s: float = 0.05,
        extra: Callable[[], Mapping[str, object]] | None = None,
        on_applied: Callable[[SetpointCommand, float], None] | None = None,
    ):
        self.bridge, self.store, self.period_s = bridge, store, period_s
        self.extra = extra or (lambda: {})
        self.on_applied = on_applied
        self.safety_log: list[SafetyCommand] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="miniscan", daemon=True)
        self.scans = 0

    def scan_once(self, now_s: float | None = None) -> None:
        now_s = time.monotonic() if now_s is None else now_s
        for cmd in self.bridge.drain_commands():
            if isinstance(cmd, SetpointCommand):
                self.store, result = handle_setpoint(self.store, cmd, now_s)
                if self.on_applied is not None and result.accepted:
                    self.on_applied(cmd, now_s)
            else:
                self.safety_log.append(cmd)
                result = CommandResult(cmd.topic, cmd.request_id, False, "no trip latched", None)
            self.bridge.ack(result)
        status = dict(self.store.status(now_s))
        status["state/mode"] = self.store.value("mode", now_s)
        status.update(self.extra())
        self.bridge.publish_status(status)
        self.scans += 1

    def _run(self) -> None:
        nxt = time.monotonic()
        while not self._stop.is_set():
            self.scan_once()
            nxt += self.period_s
            self._stop.wait(max(0.0, nxt - time.monotonic()))

    def start(self) -> MiniScan:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
