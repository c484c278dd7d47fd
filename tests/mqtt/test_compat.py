"""The paho compatibility layer on whichever paho version runs (test_paho2.py reruns this on 2.x)."""

from __future__ import annotations

import os
import time

from thermiq.adapters.mqtt import compat


def test_expected_paho_version_is_loaded():
    if os.environ.get("THERMIQ_EXPECT_PAHO") == "2":
        assert compat.PAHO_V2 and compat.PAHO_VERSION.startswith("2.")
    else:
        assert compat.PAHO_VERSION.startswith(("1.", "2."))


def test_connect_and_disconnect_codes_are_ints(broker):
    seen = []
    c = compat.make_client("compat-test")
    c.username_pw_set("x", "y")
    compat.bind(c, lambda rc: seen.append(("connect", rc)), lambda rc: seen.append(("disconnect", rc)), lambda m: None)
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    c.disconnect()
    c.loop_stop()
    assert seen and seen[0] == ("connect", 0) and all(isinstance(rc, int) for _, rc in seen)


def test_rc_value():
    assert compat.rc_value(0) == 0 and compat.rc_value(5) == 5

    class RC:
        value = 135

    assert compat.rc_value(RC()) == 135 and compat.rc_value(object()) == 1
