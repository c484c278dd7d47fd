"""Publish on change with deadband plus slow refresh (pure filter)."""

from __future__ import annotations

from thermiq.adapters.mqtt.publish_filter import PublishFilter, changed, encode


def topics(sel):
    return [p for p, _ in sel.publish]


def test_deadband_refresh_and_null(registry):
    f = PublishFilter(refresh_s=60.0)
    key = "state/temperature/dhw_temp_c"
    sel, f = f.select(registry, {key: 50.0}, 0.0)
    assert sel.publish == ((key, b"50.0"),)
    sel, f = f.select(registry, {key: 50.09}, 1.0)
    assert topics(sel) == []  # below the 0.1 K deadband
    sel, f = f.select(registry, {key: 50.1}, 2.0)
    assert topics(sel) == [key]  # compared with the last *published* value
    sel, f = f.select(registry, {key: None}, 3.0)
    assert sel.publish == ((key, b"null"),)  # valid -> invalid always published
    sel, f = f.select(registry, {key: None}, 62.9)
    assert topics(sel) == []
    sel, f = f.select(registry, {key: None}, 63.0)
    assert topics(sel) == [key]  # refresh after 60 s


def test_non_numeric_values_publish_on_any_change(registry):
    f = PublishFilter()
    sel, f = f.select(registry, {"state/contact/hp_ok": True, "state/mode": "auto"}, 0.0)
    assert len(sel.publish) == 2
    sel, f = f.select(registry, {"state/contact/hp_ok": True, "state/mode": "manual"}, 0.5)
    assert sel.publish == (("state/mode", b'"manual"'),)


def test_invalid_and_unknown_are_reported_not_published(registry):
    f = PublishFilter()
    sel, f2 = f.select(
        registry,
        {"state/contact/hp_ok": 1, "state/valve/rv1/position": "open", "state/bogus": 3, "setpoints/mode/set": "x"},
        0.0,
    )
    assert sel.publish == ()
    assert set(sel.unknown) == {"state/bogus", "setpoints/mode/set"}
    assert {p for p, _ in sel.invalid} == {"state/contact/hp_ok", "state/valve/rv1/position"}
    assert f2.last == {}


def test_forget_republishes_everything(registry):
    f = PublishFilter()
    status = {"state/mode": "auto", "state/scan/scans": 10}
    _, f = f.select(registry, status, 0.0)
    sel, _ = f.select(registry, status, 1.0)
    assert sel.publish == ()
    sel, _ = f.forget().select(registry, status, 1.0)
    assert len(sel.publish) == 2


def test_helpers():
    assert changed(1.0, 1.05, 0.1) is False and changed(1.0, 1.1, 0.1) is True
    assert changed(True, 1, None) is True  # bool vs int is a change
    assert changed(None, 0.0, 0.1) is True
    assert encode(float("nan")) == b"null" and encode({"a": [1, None]}) == b'{"a":[1,null]}'
