"""systemd service notification (sd_notify) from the scan loop: READY, WATCHDOG, STATUS, STOPPING.

The protocol (``man 3 sd_notify``, ``man 5 systemd.service`` ``Type=notify``/``WatchdogSec=``):
newline-separated ``KEY=VALUE`` assignments in one datagram to the ``AF_UNIX`` socket named by
``$NOTIFY_SOCKET``; a name starting with ``@`` is in the Linux abstract namespace (the ``@`` is
sent as a NUL byte). ``$WATCHDOG_USEC`` holds the service watchdog period [µs], valid for this
process when ``$WATCHDOG_PID`` is unset or equals our PID (``man 3 sd_watchdog_enabled``).

Not under systemd (no ``$NOTIFY_SOCKET``) every call is a no-op that returns ``False``; the
daemon runs the same way on a laptop. Plain :mod:`socket`, no dependency.

The runner's contract (docs/ARCHITECTURE.md, phase "watchdog"):
:meth:`Notifier.ready` once after the first good scan, :meth:`Notifier.watchdog` after every
completed scan, :meth:`Notifier.stopping` before the safe outputs are written on stop. A scan
that hangs sends nothing, so systemd kills and restarts the daemon after ``WatchdogSec=``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

__all__ = ["Notifier", "NotifyError", "watchdog_enabled", "notify_socket_address"]


class NotifyError(ValueError):
    """The systemd notification environment or a message is malformed (the message says which)."""


def notify_socket_address(env: Mapping[str, str] | None = None) -> str | None:
    """The ``AF_UNIX`` address from ``$NOTIFY_SOCKET``, or ``None`` when not under systemd.

    Returns
    -------
    str | None : a filesystem path, or ``"\\0name"`` for an abstract ``@name`` socket.

    Raises
    ------
    NotifyError : the variable is set but neither an absolute path nor ``@name``
        (libsystemd answers ``-EINVAL`` for the same input).
    """
    env = os.environ if env is None else env
    name = env.get("NOTIFY_SOCKET")
    if not name:
        return None
    if name.startswith("@") and len(name) > 1:
        return "\0" + name[1:]
    if name.startswith("/"):
        return name
    raise NotifyError(f"$NOTIFY_SOCKET={name!r} is neither an absolute path nor an abstract '@name' socket")


def watchdog_enabled(env: Mapping[str, str] | None = None, pid: int | None = None) -> float | None:
    """The service watchdog period [s] systemd expects pings within, or ``None`` when off.

    Parameters
    ----------
    env : mapping, default ``os.environ``
    pid : int, default ``os.getpid()``  the PID ``$WATCHDOG_PID`` must name, if set

    Returns
    -------
    float | None : ``$WATCHDOG_USEC`` / 1e6 [s]. Ping at least twice per period
        (``man 3 sd_watchdog_enabled``: "send … at half the interval").

    Raises
    ------
    NotifyError : ``$WATCHDOG_USEC`` or ``$WATCHDOG_PID`` is not a positive integer.
    """
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC")
    if not usec:
        return None
    for key in ("WATCHDOG_USEC", "WATCHDOG_PID"):
        raw = env.get(key)
        if raw is not None and not (raw.isdigit() and int(raw) > 0):
            raise NotifyError(f"${key}={raw!r} is not a positive integer")
    want_pid = env.get("WATCHDOG_PID")
    if want_pid is not None and int(want_pid) != (os.getpid() if pid is None else pid):
        return None
    return int(usec) / 1e6


class Notifier:
    """Sends sd_notify messages; a no-op when ``$NOTIFY_SOCKET`` is absent.

    Parameters
    ----------
    env : mapping, default ``os.environ``   read once, at construction

    Attributes
    ----------
    enabled : bool                 a notify socket is configured
    watchdog_period_s : float|None the systemd watchdog period [s] (``WatchdogSec=``), or None
    sent : int                     datagrams delivered
    errors : int                   datagrams the socket refused (systemd gone, socket removed)
    last_error : str | None        the last refusal, for the status page

    Raises
    ------
    NotifyError : malformed ``$NOTIFY_SOCKET`` / ``$WATCHDOG_USEC`` / ``$WATCHDOG_PID``.

    Send failures never raise: the controller keeps scanning, and systemd's own watchdog notices
    the missing pings. They are counted in ``errors``.
    """

    def __init__(self, env: Mapping[str, str] | None = None):
        self._address = notify_socket_address(env)
        self.watchdog_period_s = watchdog_enabled(env) if self._address else None
        self._sock: socket.socket | None = None
        self.sent = 0
        self.errors = 0
        self.last_error: str | None = None

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, **fields: str | int) -> bool:
        """Send one datagram ``KEY=VALUE\\n...``; keys as given (upper case by convention).

        Returns
        -------
        bool : True when the datagram was handed to the socket; False when disabled or refused.

        Raises
        ------
        NotifyError : no fields, or a key/value containing a newline or a key containing ``=``
            (it would split into a different assignment); nothing is sent then.
        """
        if not fields:
            raise NotifyError("sd_notify needs at least one KEY=VALUE field")
        lines = []
        for key, value in fields.items():
            text = str(value)
            if not key or "=" in key or "\n" in key or "\n" in text:
                raise NotifyError(
                    f"sd_notify field {key!r}={text!r}: keys must be non-empty without "
                    "'=' or newline, values without newline"
                )
            lines.append(f"{key}={text}")
        if self._address is None:
            return False
        payload = ("\n".join(lines) + "\n").encode("utf-8")
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(payload, self._address)
        except OSError as err:
            self.errors += 1
            self.last_error = f"{type(err).__name__}: {err.strerror or err}"
            return False
        self.sent += 1
        return True

    def ready(self, status: str | None = None) -> bool:
        """``READY=1`` (and ``STATUS=``): the first good scan is done; systemd's start job ends."""
        return self.notify(READY=1, **({"STATUS": status} if status is not None else {}))

    def watchdog(self) -> bool:
        """``WATCHDOG=1``: one scan completed. Call only at the end of a completed scan."""
        return self.notify(WATCHDOG=1)

    def status(self, text: str) -> bool:
        """``STATUS=<text>``: one line shown by ``systemctl status thermiq``."""
        return self.notify(STATUS=text)

    def stopping(self, status: str | None = None) -> bool:
        """``STOPPING=1``: shutdown began (safe outputs follow); systemd stops expecting pings."""
        return self.notify(STOPPING=1, **({"STATUS": status} if status is not None else {}))

    def close(self) -> None:
        """Close the sending socket (a later call reopens it)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
