"""A virtual RS485 line: a socat pty pair, one end for the master, one for the simulated devices."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


class PtyPair:
    """Start ``socat`` linking two ptys; ``master_port`` and ``device_port`` are their paths.

    Use as a context manager; :meth:`close` stops socat. Needs the ``socat`` binary
    (scripts/install-system-deps.sh).

    Raises
    ------
    RuntimeError
        If socat is missing or the ptys do not appear within ``timeout_s``.
    """

    def __init__(self, folder: str | Path | None = None, timeout_s: float = 5.0) -> None:
        exe = shutil.which("socat")
        if exe is None:
            raise RuntimeError("socat not found: run scripts/install-system-deps.sh")
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="thermiq-pty-")
        base = Path(folder or self._tmp.name)
        base.mkdir(parents=True, exist_ok=True)
        self.master_port = str(base / "master")
        self.device_port = str(base / "device")
        self._proc = subprocess.Popen(
            [exe, f"pty,raw,echo=0,link={self.master_port}", f"pty,raw,echo=0,link={self.device_port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + timeout_s
        while not (os.path.exists(self.master_port) and os.path.exists(self.device_port)):
            if self._proc.poll() is not None or time.monotonic() > end:
                self.close()
                raise RuntimeError("socat did not create the pty pair")
            time.sleep(0.02)

    def close(self) -> None:
        """Stop socat and remove the links (idempotent)."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(3)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> PtyPair:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
