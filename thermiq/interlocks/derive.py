"""Pseudo-signals the trip table reads besides the I/O list: miner telemetry, command feedback, valve positions.

Pure: ``derive(image, signals, outputs_prev, state, cfg) -> (pseudo-signals, state)``. The
commanded states come from the previous scan's output image (what the field has been told to
do); the feedback from this scan's frozen inputs. Every configured instance gets its own
pseudo-signals, named ``<instance>.<quantity>`` (``thermiq.interlocks.trip_table.pseudo``):

* ``<miner>.power_w`` [W]: measured power from Braiins OS; invalid (fault ``comm``) when the
  miner is unreachable, ``stale`` when its snapshot is older than ``scan.miner_max_age_s``.
* ``<miner>.drawing_power`` (bool): power > ``limits.miner_running_power_w``; invalid with power.
* ``<miner>.commanded_off`` (bool): the miner's contactor output was off in the previous scan.
* ``<miner>.contactor_mismatch`` (bool): the auxiliary contact disagrees with the coil command.
  The "commanded off but closed" direction is armed once the contact has been seen open since
  start (a contact never seen open is unproven; a welded contactor then shows up as
  ``I11_<miner>_still_powered`` because the miner draws power).
* ``<valve>.discrepancy`` (bool), for valves with end-position feedback: the valve is not at the
  end position of its last command (output energised = port A: ``feedback_a`` closed and
  ``feedback_b`` open; de-energised the other way round); invalid when an end switch is invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from thermiq.config.schema import ThermiqConfig
from thermiq.cycle.image import MinerSnapshot, ProcessImage, Signal
from thermiq.interlocks.trip_table import pseudo


@dataclass(frozen=True, slots=True)
class DeriveState:
    """Feedback contacts seen open since start (arms the off-direction of the mismatch check)."""

    feedback_proven: frozenset[str] = frozenset()


def miner_power_signal(snap: MinerSnapshot | None, now_s: float, max_age_s: float) -> Signal:
    """The measured power of one miner as a Signal [W] (invalid when unreachable or stale)."""
    if snap is None or snap.stamp_s is None:
        return Signal(None, float("inf"), "comm")
    age = max(0.0, now_s - snap.stamp_s)
    if age > max_age_s:
        return Signal(None, age, "stale")
    if not snap.reachable or snap.power_w is None:
        return Signal(None, age, "comm")
    return Signal(float(snap.power_w), age)


def _valid_bool(sig: Signal | None) -> bool | None:
    return None if sig is None or sig.value is None else bool(sig.value)


_BAD = Signal(None, 0.0, "derived")
_FLAG = {True: Signal(True), False: Signal(False)}  #: made in the scan: no age, no stamp


def derive(
    image: ProcessImage,
    signals: Mapping[str, Signal],
    outputs_prev: Mapping[str, bool],
    st: DeriveState,
    cfg: ThermiqConfig,
) -> tuple[dict[str, Signal], DeriveState]:
    """Compute the pseudo-signals of one scan.

    Parameters
    ----------
    image : the frozen process image (miner snapshots, ``now_s``)
    signals : quality-checked I/O signals of this scan
    outputs_prev : digital outputs written by the previous scan (empty at start = all off)
    st : DeriveState of the previous scan
    cfg : site configuration (miners, valves, limits, scan)

    Returns
    -------
    (pseudo-signals by name, new state)
    """
    now_s, lim = image.now_s, cfg.limits
    out: dict[str, Signal] = {}
    proven = set(st.feedback_proven)
    for m in cfg.miners:
        power = miner_power_signal(image.miners.get(m.name), now_s, cfg.scan.miner_max_age_s)
        out[pseudo(m.name, "power_w")] = power
        out[pseudo(m.name, "drawing_power")] = (
            Signal(None, power.age_s, power.fault)
            if power.value is None
            else Signal(power.value > lim.miner_running_power_w, power.age_s)
        )
        cmd_on = bool(outputs_prev.get(m.contactor_output, False))
        out[pseudo(m.name, "commanded_off")] = _FLAG[not cmd_on]
        fb = _valid_bool(signals.get(m.contactor_feedback))
        if fb is None:
            out[pseudo(m.name, "contactor_mismatch")] = _BAD
            continue
        if not fb:
            proven.add(m.contactor_feedback)
        mismatch = (cmd_on and not fb) or (not cmd_on and fb and m.contactor_feedback in proven)
        out[pseudo(m.name, "contactor_mismatch")] = _FLAG[bool(mismatch)]
    for v in cfg.valves:
        if not (v.feedback_a or v.feedback_b):
            continue
        at_a = bool(outputs_prev.get(v.output, False))  # energised = port A
        wanted = [(v.feedback_a, at_a), (v.feedback_b, not at_a)]
        seen = [(_valid_bool(signals.get(name)), want) for name, want in wanted if name]
        if any(value is None for value, _ in seen):
            out[pseudo(v.name, "discrepancy")] = _BAD
        else:
            out[pseudo(v.name, "discrepancy")] = _FLAG[any(value != want for value, want in seen)]
    # the proven set only grows: the same size is the same set (no new state object every scan)
    return out, (st if len(proven) == len(st.feedback_proven) else DeriveState(frozenset(proven)))
