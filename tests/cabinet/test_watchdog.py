"""sd_notify over real AF_UNIX datagram sockets (filesystem and abstract namespace)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from thermiq.cycle.watchdog import Notifier, NotifyError, notify_socket_address, watchdog_enabled


@pytest.fixture
def fs_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2.0)
    yield sock, str(path)
    sock.close()


@pytest.fixture
def abstract_socket():
    name = f"thermiq-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2.0)
    yield sock, "@" + name
    sock.close()


def _messages(sock) -> dict[str, str]:
    data = sock.recv(4096).decode()
    assert data.endswith("\n")
    return dict(line.split("=", 1) for line in data.splitlines())


def test_ready_watchdog_status_stopping_reach_a_path_socket(fs_socket):
    sock, path = fs_socket
    n = Notifier({"NOTIFY_SOCKET": path})
    assert n.enabled
    assert n.ready("scanning at 0.5 s") is True
    assert _messages(sock) == {"READY": "1", "STATUS": "scanning at 0.5 s"}
    assert n.watchdog() is True
    assert _messages(sock) == {"WATCHDOG": "1"}
    assert n.status("trip I5 latched") is True
    assert _messages(sock) == {"STATUS": "trip I5 latched"}
    assert n.stopping() is True
    assert _messages(sock) == {"STOPPING": "1"}
    assert (n.sent, n.errors) == (4, 0)
    n.close()


def test_abstract_namespace_socket(abstract_socket):
    sock, name = abstract_socket
    assert notify_socket_address({"NOTIFY_SOCKET": name}) == "\0" + name[1:]
    with Notifier({"NOTIFY_SOCKET": name}) as n:
        assert n.ready() is True
        assert _messages(sock) == {"READY": "1"}
        for _ in range(3):
            assert n.watchdog()
        assert [_messages(sock) for _ in range(3)] == [{"WATCHDOG": "1"}] * 3


def test_sender_is_this_process(fs_socket):
    """systemd accepts a notification only from the main PID (NotifyAccess=main): check credentials."""
    sock, path = fs_socket
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    Notifier({"NOTIFY_SOCKET": path}).watchdog()
    msg, anc, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(12))
    assert msg == b"WATCHDOG=1\n"
    creds = [data for level, kind, data in anc if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS]
    assert creds and int.from_bytes(creds[0][:4], "little") == os.getpid()


def test_noop_without_systemd():
    n = Notifier({})
    assert not n.enabled and n.watchdog_period_s is None
    assert n.ready() is False and n.watchdog() is False and n.stopping() is False
    assert (n.sent, n.errors) == (0, 0)


def test_vanished_socket_is_counted_not_raised(tmp_path):
    n = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    assert n.watchdog() is False
    assert n.errors == 1 and "FileNotFoundError" in n.last_error


@pytest.mark.parametrize("value", ["relative/path", "@", "notify"])
def test_malformed_socket_variable_is_rejected(value):
    with pytest.raises(NotifyError, match="NOTIFY_SOCKET"):
        Notifier({"NOTIFY_SOCKET": value})


@pytest.mark.parametrize("fields", [{"STATUS": "two\nlines"}, {"A=B": "1"}, {}])
def test_bad_message_is_rejected_and_nothing_sent(fs_socket, fields):
    sock, path = fs_socket
    n = Notifier({"NOTIFY_SOCKET": path})
    with pytest.raises(NotifyError):
        n.notify(**fields)
    sock.settimeout(0.05)
    with pytest.raises(TimeoutError):
        sock.recv(4096)
    assert n.sent == 0


def test_watchdog_enabled_reads_usec_and_pid():
    assert watchdog_enabled({}) is None
    assert watchdog_enabled({"WATCHDOG_USEC": "10000000"}) == pytest.approx(10.0)
    assert watchdog_enabled({"WATCHDOG_USEC": "5000000", "WATCHDOG_PID": str(os.getpid())}) == pytest.approx(5.0)
    assert watchdog_enabled({"WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "1"}, pid=4242) is None
    with pytest.raises(NotifyError, match="WATCHDOG_USEC"):
        watchdog_enabled({"WATCHDOG_USEC": "ten"})
    with pytest.raises(NotifyError, match="WATCHDOG_PID"):
        watchdog_enabled({"WATCHDOG_USEC": "1000", "WATCHDOG_PID": "-3"})


def test_notifier_exposes_watchdog_period_only_under_systemd(fs_socket):
    _sock, path = fs_socket
    assert Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000"}).watchdog_period_s == pytest.approx(10.0)
    assert Notifier({"WATCHDOG_USEC": "10000000"}).watchdog_period_s is None
