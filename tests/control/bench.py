"""A scan bench for table-driven controller tests: ``Core.scan`` over frozen images, no files.

The bench closes only the loops a controller test needs, each with a real behaviour:
contactor feedback follows the coil, valve end switches follow their command, a miner's
measured power ramps towards its command at the Braiins ramp (30 W/s, as the plant model),
paused = idle, and the inverter's grid power is the balance of PV, house load, the miners'
measured power and a battery that takes or gives ``battery_w``. Temperatures are set by the test.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from thermiq.cycle.image import InverterSnapshot, MinerSnapshot, MinerState, ProcessImage, Signal
from thermiq.cycle.scan import Core, initial_state
from thermiq.iomap.io_list import load_io_list

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]

RAMP_W_PER_S = 30.0
IDLE_W = 15.0
WALL0 = 1239012000.0  # 2009-04-06 10:00 UTC (a Monday), 11:00 local (UTC+1)


def healthy(cfg) -> dict:
    """Sensor values of a healthy plant on a spring day with room in the tanks."""
    v = {
        "buffer_top_temp_c": 45.0,
        "buffer_mid_temp_c": 40.0,
        "buffer_bottom_temp_c": 35.0,
        "dhw_temp_c": 50.0,
        "room_temp_c": 21.0,
        "outdoor_temp_c": 8.0,
        "miner_loop_supply_temp_c": 38.0,
        "miner_loop_return_temp_c": 35.0,
        "miner1_outlet_temp_c": 38.0,
        "miner2_outlet_temp_c": 38.0,
        "heating_flow_temp_c": 40.0,
        "heating_return_temp_c": 32.0,
        "safety_chain_ok": True,
        "miner_loop_stb_ok": True,
        "buffer_stb_ok": True,
        "hp_ok": True,
        "manual_mode": False,
    }
    return v


class Bench:
    """Drive the real core scan by scan. ``set(**values)`` changes inputs; ``leap(s)`` advances time."""

    def __init__(self, cfg, period_s: float = 2.0, wall0: float = WALL0, **values):
        self.cfg, self.core, self.period_s = (
            cfg,
            Core.build(cfg, load_io_list(REPO / cfg.process_image.io_list)),
            period_s,
        )
        self.st = initial_state(cfg)
        self.t, self.wall0 = 0.0, wall0
        self.values = healthy(cfg) | values
        self.return_base_c = self.values["miner_loop_return_temp_c"]
        self.pv_w, self.load_w, self.battery_w, self.soc_pct = 8000.0, 500.0, 0.0, 95.0
        self.power = {m.name: 0.0 for m in cfg.miners}
        self.outs: dict[str, bool] = {}
        self.res = None
        self.history: list[tuple[float, object]] = []

    def set(self, **kw):
        for k, v in kw.items():
            if k in ("pv_w", "load_w", "battery_w", "soc_pct"):
                setattr(self, k, v)
            else:
                self.values[k] = v
        return self

    def setpoints(self, **kw):
        self.st = replace(self.st, setpoints=self.st.setpoints.with_values(kw))
        return self

    @property
    def grid_w(self) -> float:
        """Import +: what the house, the miners and the battery draw beyond PV."""
        return self.load_w + sum(self.power.values()) - self.pv_w + self.battery_w

    def _image(self) -> ProcessImage:
        sig = {k: Signal(v) for k, v in self.values.items()}
        for m in self.cfg.miners:
            closed = self.outs.get(m.contactor_output, False)
            sig[m.contactor_feedback] = Signal(closed)
        for v in self.cfg.valves:
            on = self.outs.get(v.output, False)
            if v.feedback_a:
                sig[v.feedback_a] = Signal(on)
            if v.feedback_b:
                sig[v.feedback_b] = Signal(not on)
        sig["scan_timing_ok"] = Signal(True)
        inv = InverterSnapshot(self.t, self.pv_w, self.soc_pct, -self.battery_w, self.grid_w, self.load_w)
        miners = {m.name: MinerSnapshot(self.t, True, MinerState.MINING, self.power[m.name]) for m in self.cfg.miners}
        return ProcessImage(
            self.t, self.wall0 + self.t, MappingProxyType(sig), inv, MappingProxyType({}), MappingProxyType(miners)
        )

    def _plant(self, dt_s: float) -> None:
        for m in self.cfg.miners:
            cmd = self.res.outputs.miners[m.name]
            closed = self.outs.get(m.contactor_output, False)
            if not closed:
                self.power[m.name] = 0.0
            elif not cmd.run:
                self.power[m.name] = IDLE_W
            else:
                goal, p = cmd.power_target_w, max(self.power[m.name], IDLE_W)
                step = RAMP_W_PER_S * dt_s
                self.power[m.name] = p + max(-step, min(step, goal - p))
        # the loop return follows the miners' heat a little; flow is proven by a delta-T that grows
        # with power (I4), well below I3
        total = sum(self.power.values())
        self.values["miner_loop_return_temp_c"] = self.return_base_c + total / 5000.0
        for m in self.cfg.miners:
            self.values[m.outlet_temp_signal] = (
                self.values["miner_loop_return_temp_c"] + 1.0 + self.power[m.name] / 1000.0
            )

    def scan(self):
        self.res = self.core.scan(self._image(), self.st)
        self.st, self.outs = self.res.state, dict(self.res.outputs.digital)
        self.history.append((self.t, self.res))
        return self.res

    def leap(self, seconds: float):
        """Advance ``seconds`` of scans (the plant model moves between scans)."""
        end = self.t + seconds
        while self.t < end - 1e-9:
            self.scan()
            self._plant(self.period_s)
            self.t += self.period_s
        return self.scan()

    # --- reading the outputs ------------------------------------------------------------------
    def contactor(self, i: int) -> bool:
        return self.outs.get(self.cfg.miners[i].contactor_output, False)

    def run(self, i: int) -> bool:
        return self.res.outputs.miners[self.cfg.miners[i].name].run

    def target(self, i: int) -> float | None:
        return self.res.outputs.miners[self.cfg.miners[i].name].power_target_w

    @property
    def sg(self) -> str:
        return self.st.sg_state.value

    def started(self, seconds: float = 900.0):
        """Leap until both miners hash at a steady power (sunny, full battery)."""
        return self.leap(seconds)
