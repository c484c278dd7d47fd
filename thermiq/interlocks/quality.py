"""Signal quality (I8): stale, range, rate of change and stuck value, on top of the AIO's own status.

Pure: ``assess(signals, state, limits, now_s, params) -> (signals, state)``. A signal that fails a check
comes out invalid (``value=None``) with its ``fault`` naming the check; every trip row treats an
invalid cause signal as active, so a bad sensor has the effect of the interlock it feeds
(docs/SOURCES.md S-ALARMS). The AIO status byte, open/short and NAMUR NE 43
are decoded earlier, in ``thermiq.iomap.codec`` (faults ``open``, ``short``, ``status``, ``range``).

Checks, in order (the first that fails names the fault):

* ``stale``: ``age_s > limits.signal_max_age_s`` (OPC UA DataValue practice, docs/SOURCES.md S-ALARMS).
* ``range``: a temperature outside ``temp_valid_min_c .. temp_valid_max_c``.
* ``rate``: ``|v - v_prev| / dt >`` the signal's ``max_rate_k_per_s`` (an I/O-list column, set
  for sensors in large thermal masses: tanks, air) against the previous valid value; flags the
  one scan of the jump (a wiring spike), "excess rate fault" of US 4337516 (§4.2).
* ``stuck``: over ``stuck_window_s`` the sensor moved less than ``stuck_min_change_k`` while its
  reference sensor (the I/O-list column ``stuck_ref``) moved more than ``stuck_ref_change_k``: the "stuck/null
  fault" of US 4337516 ("does not show a significant change ... whenever a related sensor
  indicates activity"). The fault holds until the sensor moves again by ``stuck_min_change_k``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from thermiq.config.schema import LimitsConfig
from thermiq.cycle.image import Signal


@dataclass(frozen=True, slots=True)
class QualityParams:
    """Per-signal parameters of the rate and stuck checks, taken from the I/O list (data, not code).

    rate_k_per_s : signal -> largest plausible rate of change [K/s]; signals without an entry get
        no rate check (a pipe sensor may step when a pump starts: its plausibility is I3/I4 and
        the stuck check)
    stuck_ref : signal -> the related signal whose movement proves activity (same water path)
    """

    rate_k_per_s: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    stuck_ref: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_io_list(cls, io_list) -> QualityParams:
        """The columns ``max_rate_k_per_s`` and ``stuck_ref`` of an :class:`~thermiq.iomap.io_list.IoList`."""
        rate = {p.signal: p.max_rate_k_per_s for p in io_list.points if p.max_rate_k_per_s is not None}
        ref = {p.signal: p.stuck_ref for p in io_list.points if p.stuck_ref}
        return cls(MappingProxyType(rate), MappingProxyType(ref))


TEMPERATURE_SUFFIX = "_temp_c"


def is_temperature(name: str) -> bool:
    """True for the signals the range, rate and stuck checks apply to (unit suffix ``_temp_c``)."""
    return name.endswith(TEMPERATURE_SUFFIX)


@dataclass(frozen=True, slots=True)
class Window:
    """Extremes of one sensor and its reference since ``start_s`` [s, °C]."""

    start_s: float
    lo: float
    hi: float
    ref_lo: float
    ref_hi: float


@dataclass(frozen=True, slots=True)
class QualityState:
    """Per-signal memory: last valid (value, time), stuck windows, values found stuck."""

    last: Mapping[str, tuple[float, float]] = field(default_factory=lambda: MappingProxyType({}))
    windows: Mapping[str, Window] = field(default_factory=lambda: MappingProxyType({}))
    stuck: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


def _bad(sig: Signal, fault: str) -> Signal:
    return Signal(None, sig.age_s, fault)


def _stuck_step(
    name: str,
    v: float,
    ref: Signal | None,
    st: QualityState,
    lim: LimitsConfig,
    now_s: float,
    windows: dict,
    stuck: dict,
) -> bool:
    """Advance the stuck window of ``name``; True when the sensor is (still) stuck."""
    if name in stuck:
        if abs(v - stuck[name]) < lim.stuck_min_change_k:
            return True
        del stuck[name]
    if ref is None or ref.value is None or ref.value.__class__ is bool:
        windows.pop(name, None)
        return False
    r = float(ref.value)
    w = st.windows.get(name)
    if w is None:
        windows[name] = Window(now_s, v, v, r, r)
        return False
    lo, hi, ref_lo, ref_hi = w.lo, w.hi, w.ref_lo, w.ref_hi
    if v < lo or v > hi or r < ref_lo or r > ref_hi:  # the window widens (else it stays as it is)
        lo, hi = (v if v < lo else lo), (v if v > hi else hi)
        ref_lo, ref_hi = (r if r < ref_lo else ref_lo), (r if r > ref_hi else ref_hi)
        w = Window(w.start_s, lo, hi, ref_lo, ref_hi)
    if now_s - w.start_s < lim.stuck_window_s:
        windows[name] = w
        return False
    windows[name] = Window(now_s, v, v, r, r)
    if hi - lo < lim.stuck_min_change_k and ref_hi - ref_lo > lim.stuck_ref_change_k:
        stuck[name] = v
        return True
    return False


def assess(
    signals: Mapping[str, Signal], st: QualityState, lim: LimitsConfig, now_s: float, params: QualityParams
) -> tuple[dict[str, Signal], QualityState]:
    """Apply the quality checks to every signal of one scan.

    Parameters
    ----------
    signals : name -> Signal as read (the AIO's open/short/status faults already decoded)
    st : QualityState of the previous scan
    lim : LimitsConfig (signal_max_age_s, temp_valid_*, stuck_*)
    now_s : monotonic scan time [s]
    params : per-signal rate limits and stuck references (I/O list)

    Returns
    -------
    (signals, state): a new mapping with failed signals invalid (fault = check name), new state.
    """
    out: dict[str, Signal] = {}
    last = dict(st.last)
    windows = dict(st.windows)
    stuck = dict(st.stuck)
    max_age_s, valid_min_c, valid_max_c = lim.signal_max_age_s, lim.temp_valid_min_c, lim.temp_valid_max_c
    prev_of, rate_of, ref_of = st.last.get, params.rate_k_per_s.get, params.stuck_ref.get
    for name, sig in signals.items():
        value = sig.value
        if value is None:
            out[name] = sig
            windows.pop(name, None)
            continue
        if sig.age_s > max_age_s:
            out[name] = _bad(sig, "stale")
            continue
        if value.__class__ is bool or not name.endswith(TEMPERATURE_SUFFIX):  # see is_temperature
            out[name] = sig
            continue
        v = float(value)
        if not valid_min_c <= v <= valid_max_c:
            out[name] = _bad(sig, "range")
            continue
        prev = prev_of(name)
        last[name] = (v, now_s)
        rate = rate_of(name)
        if rate is not None and prev is not None and now_s > prev[1] and abs(v - prev[0]) / (now_s - prev[1]) > rate:
            out[name] = _bad(sig, "rate")
            continue
        ref_name = ref_of(name)
        if ref_name is not None and _stuck_step(name, v, signals.get(ref_name), st, lim, now_s, windows, stuck):
            out[name] = _bad(sig, "stuck")
            continue
        out[name] = sig
    new = QualityState(MappingProxyType(last), MappingProxyType(windows), MappingProxyType(stuck))
    return out, new
