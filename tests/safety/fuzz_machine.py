"""A hypothesis state machine driving the real ``Core.scan`` with random sensor values, faults,
contacts, miner telemetry, time steps, acknowledges, resets and restarts (issue #3, done-when 2).

Shared by tests/safety/test_fuzz.py (CI, >= 2000 examples) and bench/safety_fuzz.py (100 000).
Frozen images are built straight from engineering values: the file-backed image adds nothing to
what is checked here and would make each step 10x dearer.

Invariants checked after every scan:
  (a) a latched trip with MINERS_OFF -> every contactor output off and every miner paused; with
      MINER_OFF -> its own miner's contactor off and that miner paused;
  (b) no miner is energised while an input a row stopping it (all miners, or its own) needs is bad;
  (c) a reset is accepted only for trips that were cleared and acknowledged (never a hardware trip);
  (d) the outputs are a function of the inputs and the state (the same scan twice gives the same result);
  (e) raising a temperature never clears a latched trip;
  (f) a restart (latches saved and loaded through LatchStore) keeps the latched set;
  (g) P5 is off whenever the heating flow is valid and at/above its trip limit;
  (h) at most one first-out per scope (the plant, each miner), and it is latched.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import MappingProxyType

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from thermiq.config.load import load_config
from thermiq.cycle.image import InverterSnapshot, MinerSnapshot, ProcessImage, Signal
from thermiq.cycle.latches import LatchStore
from thermiq.cycle.scan import Core, SafetyCommand, initial_state
from thermiq.interlocks.alarm import AlarmState
from thermiq.interlocks.trip_table import Compare, Effect, Reset, build_trip_table, trips_by_id
from thermiq.iomap.io_list import load_io_list

REPO = Path(__file__).resolve().parents[2]
CFG = load_config(REPO / "thermiq" / "sites" / "asp1.toml")
IO = load_io_list(REPO / "Schaltschrank" / "io_list.csv")
CORE = Core.build(CFG, IO)
TRIP_TABLE = build_trip_table(CFG)
TRIPS_BY_ID = trips_by_id(TRIP_TABLE)
TEMPS = tuple(p.signal for p in IO.analog_inputs)
CONTACTS = (
    "safety_chain_ok",
    "miner_loop_stb_ok",
    "buffer_stb_ok",
    "rv1_at_dhw",
    "rv1_at_buffer",
    "rv2_at_dhw",
    "rv2_at_buffer",
    "k1_miner1_closed",
    "k2_miner2_closed",
    "hp_ok",
)
TRIP_IDS = tuple(t.id for t in TRIP_TABLE)
MINER_ROWS_BAD = tuple(
    t for t in TRIP_TABLE if Effect.MINERS_OFF in t.effects and t.bad_trips and t.compare is not Compare.BAD
)
OWN_ROWS_BAD = tuple(
    t for t in TRIP_TABLE if Effect.MINER_OFF in t.effects and t.bad_trips and t.compare is not Compare.BAD
)
HEALTHY = {
    **{n: 45.0 for n in TEMPS},
    "outdoor_temp_c": 0.0,
    "room_temp_c": 20.0,
    "dhw_temp_c": 50.0,
    "miner_loop_supply_temp_c": 40.0,
    "miner_loop_return_temp_c": 35.0,
    "heating_flow_temp_c": 40.0,
}


class SafetyMachine(RuleBasedStateMachine):
    """Random plant histories through the real core; see the module docstring for the invariants."""

    def __init__(self):
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="thermiq-fuzz-")
        self.store = LatchStore(Path(self.tmp.name) / "latches.json")

    def teardown(self):
        self.tmp.cleanup()

    @initialize()
    def start(self):
        self.t = 0.0
        self.vals = dict(HEALTHY)
        self.contacts = {n: True for n in CONTACTS} | {
            "rv1_at_dhw": False,
            "rv2_at_dhw": False,
            "k1_miner1_closed": False,
            "k2_miner2_closed": False,
        }
        self.follow = True  # feedback contacts and miner power follow the outputs
        self.faults: dict[str, str] = {}  # signal -> "open" | "stale"
        self.timing_ok = True
        self.miner_override: dict[str, float | None] = {}  # name -> reported power, None = unreachable
        self.st = initial_state(CFG)
        self.outputs = {}
        self.miner_cmds = {}
        self.energised = 0
        self._scan()

    # ---- the plant -------------------------------------------------------------------------
    def _image(self) -> ProcessImage:
        sigs = {}
        for n, v in {**self.vals, **self.contacts}.items():
            f = self.faults.get(n)
            if f == "open":
                sigs[n] = Signal(None, 0.0, "open")
            elif f == "stale":
                sigs[n] = Signal(v, CFG.limits.signal_max_age_s + 1.0)
            else:
                sigs[n] = Signal(v)
        sigs["scan_timing_ok"] = Signal(self.timing_ok)
        miners = {}
        for m in CFG.miners:
            if m.name in self.miner_override:
                p = self.miner_override[m.name]
                miners[m.name] = MinerSnapshot() if p is None else MinerSnapshot(self.t, True, power_w=p)
            else:
                cmd = self.miner_cmds.get(m.name)
                on = bool(self.outputs.get(m.contactor_output))
                miners[m.name] = (
                    MinerSnapshot(self.t, True, power_w=(cmd.power_target_w or 0.0) if on and cmd and cmd.run else 0.0)
                    if on
                    else MinerSnapshot()
                )
        inv = InverterSnapshot(self.t, 11000.0, 95.0, -2000.0, -7000.0, 2000.0)
        return ProcessImage(
            self.t, 1.7e9 + self.t, MappingProxyType(sigs), inv, MappingProxyType({}), MappingProxyType(miners)
        )

    def _follow(self):
        if not self.follow:
            return
        for m in CFG.miners:
            self.contacts[m.contactor_feedback] = bool(self.outputs.get(m.contactor_output))
        for v in ("rv1", "rv2"):
            d = bool(self.outputs.get(f"{v}_to_dhw"))
            self.contacts[f"{v}_at_dhw"], self.contacts[f"{v}_at_buffer"] = d, not d

    def _scan(self, commands=()):
        self._follow()
        img = self._image()
        before = self.st
        res = CORE.scan(img, before, commands)
        again = CORE.scan(img, before, commands)
        assert res.outputs == again.outputs and res.state.interlocks == again.state.interlocks, "(d) not deterministic"
        self._check(img, before, res, commands)
        self.st, self.outputs, self.miner_cmds = res.state, dict(res.outputs.digital), dict(res.outputs.miners)
        self.t += 0.5
        return res

    def _check(self, img, before, res, commands):
        out, locks = res.outputs.digital, res.state.interlocks
        contactors = [out.get(m.contactor_output, False) for m in CFG.miners]
        self.energised += any(contactors)
        m_latched = [tid for tid in locks.latched if Effect.MINERS_OFF in TRIPS_BY_ID[tid].effects]
        if m_latched:
            assert not any(contactors), f"(a) contactor on while {m_latched} latched"
            assert all(not c.run for c in res.outputs.miners.values()), (
                f"(a) miner not paused while {m_latched} latched"
            )
        for tid in locks.latched:
            own = (
                TRIPS_BY_ID[tid].miner if tid in TRIPS_BY_ID and Effect.MINER_OFF in TRIPS_BY_ID[tid].effects else None
            )
            if own is not None:
                m = next(x for x in CFG.miners if x.name == own)
                assert not out.get(m.contactor_output) and not res.outputs.miners[own].run, (
                    f"(a) {own} on while {tid} latched"
                )
        checked = CORE.checked_image(img, before)[0]

        def is_bad(s):
            return checked.signals.get(s) is None or checked.signals[s].value is None

        bad = sorted({s for row in MINER_ROWS_BAD for s in row.signals if is_bad(s)})
        if bad:
            assert not any(contactors), f"(b) miner energised while {bad} bad"
        for row in OWN_ROWS_BAD:
            m = next(x for x in CFG.miners if x.name == row.miner)
            if any(is_bad(s) for s in row.signals):
                assert not out.get(m.contactor_output), f"(b) {m.name} energised while a signal of {row.id} is bad"
        for cmd, outcome in zip(commands, res.outcomes):
            if cmd.action == "reset" and outcome.accepted:
                ids = (
                    [k for k, t in before.interlocks.trips.items() if t.latched]
                    if cmd.target == "all"
                    else [cmd.target]
                )
                for tid in ids:
                    assert before.interlocks.trips[tid].alarm is AlarmState.CLEARED_ACK, (
                        f"(c) reset of {tid} from {before.interlocks.trips[tid].alarm}"
                    )
                    assert TRIPS_BY_ID[tid].reset is not Reset.HARDWARE, "(c) software reset of a hardware trip"
        flow = checked.signals.get("heating_flow_temp_c")
        if flow is not None and flow.value is not None and flow.value >= CFG.limits.heating_flow_trip_c:
            assert not out["p5_heating_run"], "(g) P5 on above the heating-flow limit"
        firsts = [k for k, t in locks.trips.items() if t.first_out]
        scopes = [TRIPS_BY_ID[k].miner for k in firsts]
        assert len(set(scopes)) == len(scopes) and all(locks.trips[k].latched for k in firsts), (
            f"(h) first-outs {firsts}"
        )

    # ---- rules ------------------------------------------------------------------------------
    @rule(
        name=st.sampled_from(TEMPS),
        value=st.one_of(st.floats(20.0, 90.0, allow_nan=False), st.floats(-60.0, 160.0, allow_nan=False)),
    )
    def set_temperature(self, name, value):
        self.vals[name] = value
        self._scan()

    @rule(name=st.sampled_from(TEMPS), rise=st.floats(0.1, 40.0, allow_nan=False))
    def raise_temperature(self, name, rise):
        latched = set(self.st.interlocks.latched)
        self.vals[name] = self.vals[name] + rise
        res = self._scan()
        assert latched <= set(res.state.interlocks.latched), "(e) raising a temperature cleared a trip"

    @rule(name=st.sampled_from(TEMPS + CONTACTS), kind=st.sampled_from(("open", "stale")))
    def fault(self, name, kind):
        self.faults[name] = kind
        self._scan()

    @rule()
    def heal_all(self):
        self.faults.clear()
        self.vals = dict(HEALTHY)
        self.miner_override.clear()
        self.follow, self.timing_ok = True, True
        self._scan()

    @rule(scans=st.integers(1, 6))
    def operator_restores(self, scans):
        """The fault is repaired, the operator acknowledges and resets, the sun shines: miners may start."""
        self.heal_all()
        self.command("ack", "all")
        self.command("reset", "all")
        for _ in range(scans):
            self.t += 130.0
            self._scan()

    @rule(name=st.sampled_from(CONTACTS), value=st.booleans())
    def set_contact(self, name, value):
        self.follow = False
        self.contacts[name] = value
        self._scan()

    @rule(
        miner=st.sampled_from(tuple(m.name for m in CFG.miners)),
        power=st.one_of(st.none(), st.floats(0.0, 4000.0, allow_nan=False)),
    )
    def miner_reports(self, miner, power):
        self.miner_override[miner] = power
        self._scan()

    @rule(ok=st.booleans())
    def scan_timing(self, ok):
        self.timing_ok = ok
        self._scan()

    @rule(dt=st.sampled_from((0.5, 2.0, 30.0, 130.0, 400.0)), scans=st.integers(1, 4))
    def advance(self, dt, scans):
        for _ in range(scans):
            self.t += dt
            self._scan()

    @rule(action=st.sampled_from(("ack", "reset")), trip=st.sampled_from(TRIP_IDS + ("all",)))
    def command(self, action, trip):
        self._scan((SafetyCommand(action, trip, f"{action}-{self.t}"),))

    @rule()
    def restart(self):
        latched = set(self.st.interlocks.latched)
        self.store.save(self.st.interlocks)
        locks, warning = LatchStore(self.store.path).load(self.t, TRIP_IDS)
        assert warning is None
        assert set(locks.latched) == latched, "(f) restart changed the latches"
        self.st = initial_state(CFG, locks)
        self.store = LatchStore(self.store.path)
        self.outputs, self.miner_cmds = {}, {}
        res = self._scan()
        assert latched <= set(res.state.interlocks.latched), "(f) latch lost in the first scan after restart"
