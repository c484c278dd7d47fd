"""Fixtures for the safety layer: the real scan over the file-backed image with a plant whose
contactor auxiliary contacts, valve end switches and miner power follow the outputs.

The plant side reuses ``tests.core.conftest.Loop`` (revpimodio2 simulator mode on one 4096-byte
file); faults are injected by overriding what the plant reports.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

from tests.core.conftest import Loop
from thermiq.cycle.image import InverterSnapshot, MinerSnapshot, ProcessImage, Signal
from thermiq.cycle.scan import SafetyCommand
from thermiq.interlocks.trip_table import Effect


class PlantLoop(Loop):
    """A Loop whose plant answers its outputs: contactor feedback = coil, valve end switches = command.

    ``overrides``: input values forced regardless of the outputs (stuck end switch, welded contact).
    ``power``: miner name -> reported power [W] regardless of the command.
    ``unreachable``: miner names that report nothing (gRPC down).
    """

    def __init__(self, cfg, io_list, tmp_path):
        super().__init__(cfg, io_list, tmp_path)
        self.cfg = cfg
        self.overrides: dict[str, object] = {}
        self.power: dict[str, float] = {}
        self.unreachable: set[str] = set()
        self.stale: set[str] = set()
        self.outs: dict[str, bool] = {}

    def sunny(self):
        self.inverter.set(InverterSnapshot(self.t, 11000.0, 95.0, -2000.0, -7000.0, 2000.0))
        for name, m in self.miners.items():
            if name in self.stale:
                continue  # the link stopped delivering: the last snapshot ages
            last = m.commands[-1] if m.commands else None
            power = last.power_target_w if last and last.run else 0.0
            power = self.power.get(name, power)
            m.snap = MinerSnapshot() if name in self.unreachable else MinerSnapshot(self.t, True, power_w=power)

    def _follow(self):
        for m in self.cfg.miners:
            self.values[m.contactor_feedback] = bool(self.outs.get(m.contactor_output, False))
        for v in self.cfg.valves:
            at_a = bool(self.outs.get(v.output, False))
            if v.feedback_a:
                self.values[v.feedback_a] = at_a
            if v.feedback_b:
                self.values[v.feedback_b] = not at_a
        self.values.update(self.overrides)

    def step(self, dt_s=1.0, sunny=True, commands=()):
        self.t += dt_s
        if sunny:
            self.sunny()
        self._follow()
        self.plant.write_inputs(self.values, self.faults)
        for c in commands:
            self.runner.submit_safety_command(c)
        res = self.runner.scan_once()
        self.outs = self.plant.read_outputs()
        return res, self.outs

    def set_temp(self, name: str, value: float, step_k: float = 10.0):
        """Move a temperature to ``value`` in steps of ``step_k`` per scan (below the rate limit)."""
        cur = self.values[name]
        while abs(value - cur) > step_k:
            cur += step_k if value > cur else -step_k
            self.values[name] = cur
            self.step()
        self.values[name] = value

    def set_temps(self, targets: dict[str, float], step_k: float = 10.0):
        """Move several temperatures together, each by at most ``step_k`` per scan."""
        while any(abs(v - self.values[n]) > step_k for n, v in targets.items()):
            for n, v in targets.items():
                cur = self.values[n]
                self.values[n] = v if abs(v - cur) <= step_k else cur + (step_k if v > cur else -step_k)
            self.step()
        self.values.update(targets)

    def run_until_miners_on(self, max_s=2000):
        for _ in range(max_s):
            res, outs = self.step()
            if all(outs[m.contactor_output] for m in self.cfg.miners):
                return res, outs
        raise AssertionError("miners never started on a sunny day with a full battery")

    def command(self, action: str, target: str, rid: str):
        res, outs = self.step(commands=(SafetyCommand(action, target, rid),))
        return res.outcomes[0], res, outs


def frozen_image(values: dict, now_s: float, ages: dict | None = None) -> ProcessImage:
    """A ProcessImage straight from engineering values (for driving Core.scan without the file)."""
    ages = ages or {}
    sigs = {k: Signal(v, ages.get(k, 0.0)) for k, v in values.items()}
    sigs["scan_timing_ok"] = Signal(True)
    return ProcessImage(now_s, 1.7e9 + now_s, MappingProxyType(sigs))


@pytest.fixture
def plant(cfg, io_list, tmp_path):
    lp = PlantLoop(cfg, io_list, tmp_path)
    yield lp
    lp.close()


def check_effects(effects, res, outs, cfg, miner: str | None = None) -> None:
    """Assert that the output image carries every effect in ``effects`` (``miner``: the row's own miner)."""
    if Effect.MINERS_OFF in effects:
        assert not any(outs[m.contactor_output] for m in cfg.miners), "contactors must be open"
        assert all(not c.run for c in res.outputs.miners.values()), "miners must be paused over gRPC (SA-006)"
    if Effect.MINER_OFF in effects:
        own = next(m for m in cfg.miners if m.name == miner)
        assert not outs[own.contactor_output], f"contactor of {miner} must be open"
        assert not res.outputs.miners[miner].run, f"{miner} must be paused over gRPC (SA-006)"
    if Effect.MINER_PUMP_RUN in effects:
        assert outs[cfg.pump(cfg.miner_loop.pump).output], "the miner-loop pump must keep running"
    if Effect.HEAT_PUMP_BLOCK in effects:
        assert outs[cfg.heat_pump.sg_in1_output] and not outs[cfg.heat_pump.sg_in4_output], (
            "heat pump must be blocked (SG-Ready 1)"
        )
    if Effect.HEATING_PUMP_OFF in effects:
        assert not any(outs[cfg.pump(c.pump).output] for c in cfg.heating_circuits), "heating pumps must be off"
    if Effect.DHW_CHARGE_OFF in effects:
        for route in (cfg.miner_loop, cfg.heat_pump):
            if route.valve:
                v = cfg.valve(route.valve)
                assert outs[v.output] == (v.port_a == route.default_tank), f"{v.name} must go to {route.default_tank}"
    if cfg.cabinet.alarm_lamp_output:
        assert outs[cfg.cabinet.alarm_lamp_output], "the alarm lamp shows a latched trip"
