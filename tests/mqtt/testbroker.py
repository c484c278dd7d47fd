"""A throw-away Mosquitto broker on 127.0.0.1 for tests and benches (subprocess, temp config).

Mosquitto has no "port 0" for TCP listeners, so a free port is taken from the OS, released and
written into the config (docs/SOURCES.md S-MQTT). :meth:`Mosquitto.stop` /
:meth:`Mosquitto.start` on the same port simulate a broker outage.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class BrokerError(RuntimeError):
    """The broker could not be started."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_test_ca(d: Path, host: str = "127.0.0.1") -> tuple[Path, Path, Path]:
    """Self-signed CA plus a server certificate for ``host`` (IP SAN) with the ``openssl`` CLI.

    Returns (ca.crt, server.crt, server.key). Raises BrokerError if openssl fails or is missing.
    """
    if shutil.which("openssl") is None:
        raise BrokerError("openssl not installed")
    ca_key, ca, key, csr, crt = (d / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    ext = d / "san.ext"
    ext.write_text(f"subjectAltName=IP:{host}\nbasicConstraints=CA:FALSE\n")
    cmds = [
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            ca_key,
            "-out",
            ca,
            "-days",
            "2",
            "-subj",
            "/CN=thermiq-test-ca",
        ],
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={host}"],
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            ca,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-out",
            crt,
            "-days",
            "2",
            "-extfile",
            ext,
        ],
    ]
    for cmd in cmds:
        r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
        if r.returncode != 0:
            raise BrokerError(f"openssl failed: {r.stderr[-300:]}")
    return ca, crt, key


def make_passwd(path: Path, users: dict[str, str]) -> None:
    """Write a Mosquitto password file with ``users`` (name -> password) via ``mosquitto_passwd -b``."""
    path.write_text("")
    for user, pw in users.items():
        subprocess.run(["mosquitto_passwd", "-b", str(path), user, pw], check=True, capture_output=True)


class Mosquitto:
    """A Mosquitto subprocess.

    Parameters
    ----------
    acl_file, passwd_file : path | None   enable authentication and the ACL (anonymous refused)
    port : int | None    fixed port, else a free one
    tls : (cafile, certfile, keyfile) | None   the listener speaks TLS only
    persistence : bool   keep sessions, queued and retained messages in the temp dir across
                         :meth:`stop`/:meth:`kill` and :meth:`start` (saved every second)
    conf_text : str | None   a whole configuration instead of the generated one (``{dir}`` is the temp dir)
    """

    def __init__(
        self,
        acl_file: str | Path | None = None,
        passwd_file: str | Path | None = None,
        port: int | None = None,
        tls: tuple[Path, Path, Path] | None = None,
        persistence: bool = False,
        conf_text: str | None = None,
    ):
        exe = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
        if exe is None:
            raise BrokerError("mosquitto not installed (scripts/install-system-deps.sh)")
        self.exe = exe
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.dir = Path(tempfile.mkdtemp(prefix="thermiq-mosq-"))
        self.log = self.dir / "mosquitto.log"
        persist = (
            ["persistence true", f"persistence_location {self.dir}/", "autosave_interval 1"]
            if persistence
            else ["persistence false"]
        )
        lines = [
            f"listener {self.port} 127.0.0.1",
            "set_tcp_nodelay true",
            *persist,
            f"log_dest file {self.log}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "user root" if _is_root() else "",
        ]
        if passwd_file:
            lines += ["allow_anonymous false", f"password_file {passwd_file}"]
        else:
            lines += ["allow_anonymous true"]
        if acl_file:
            lines.append(f"acl_file {acl_file}")
        if tls:
            ca, cert, key = tls
            lines += [f"cafile {ca}", f"certfile {cert}", f"keyfile {key}", "tls_version tlsv1.2"]
        if conf_text is not None:
            lines = [conf_text.replace("{dir}", str(self.dir)), "user root" if _is_root() else ""]
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 5.0) -> Mosquitto:
        """Start and wait until the port accepts connections. Raises BrokerError."""
        self.proc = subprocess.Popen(
            [self.exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise BrokerError(f"mosquitto exited with {self.proc.returncode}: {err} {self._log_tail()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.01)
        self.stop()
        raise BrokerError(f"mosquitto did not open port {self.port} within {timeout_s} s")

    def stop(self) -> None:
        """Terminate the broker (SIGTERM, then SIGKILL after 3 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL the broker (no final save of the persistence file)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stop()

    def close(self) -> None:
        """Stop and delete the temp directory."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text()[-2000:]
        except OSError:
            return ""

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def _is_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0
