"""Fixtures for the controller core: the ASP1 config, the I/O list and a file-backed image pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_sim.process_image import PlantProcessImage
from thermiq.adapters.fakes import RecordingMiner, StaticInverter, StaticMeters
from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
from thermiq.clock import FakeClock
from thermiq.cycle.image import InverterSnapshot, MinerSnapshot
from thermiq.cycle.runner import Runner

REPO = Path(__file__).resolve().parents[2]
RSC = REPO / "Schaltschrank" / "config.rsc"


def healthy_inputs(io_list) -> dict:
    """Sensor values of a healthy plant on a winter day with warm tanks."""
    vals = {p.signal: 45.0 for p in io_list.analog_inputs}
    vals.update(outdoor_temp_c=0.0, room_temp_c=20.0, dhw_temp_c=50.0, miner_loop_supply_temp_c=40.0,
                miner_loop_return_temp_c=35.0, heating_flow_temp_c=40.0)
    vals.update({p.signal: True for p in io_list.inputs if p.kind == "di"})
    vals.update(manual_mode=False, rv1_at_dhw=False, rv2_at_dhw=False)
    return vals


class Loop:
    """Controller runner and plant-side image on one file, with a settable clock and fakes."""

    def __init__(self, cfg, io_list, tmp_path):
        img = make_procimg_file(tmp_path / "pi.img", RSC)
        self.plant = PlantProcessImage(io_list, str(img), str(RSC))
        self.clock = FakeClock(0.0, 1.7e9)
        self.ctrl = RevPiProcessImage(io_list, str(img), str(RSC), clock=self.clock)
        self.inverter = StaticInverter()
        self.miners = {m.name: RecordingMiner() for m in cfg.miners}
        self.values = healthy_inputs(io_list)
        self.faults: dict[str, str] = {}
        self.runner = Runner(cfg, io_list, self.ctrl, self.inverter, StaticMeters(), self.miners,
                             clock=self.clock)

    @property
    def t(self) -> float:
        """The loop's monotonic time [s] (the one FakeClock of image and runner)."""
        return self.clock.monotonic()

    @t.setter
    def t(self, value: float) -> None:
        self.clock.advance_to(value)

    def sunny(self):
        """Battery full, 7 kW export: enough surplus for both miners."""
        self.inverter.set(InverterSnapshot(self.t, 11000.0, 95.0, -2000.0, -7000.0, 2000.0))
        for m in self.miners.values():
            last = m.commands[-1] if m.commands else None
            power = last.power_target_w if last and last.run else 0.0
            m.snap = MinerSnapshot(self.t, True, power_w=power)

    def step(self, dt_s=1.0, sunny=True):
        self.t += dt_s
        if sunny:
            self.sunny()
        self.plant.write_inputs(self.values, self.faults)
        res = self.runner.scan_once()
        return res, self.plant.read_outputs()

    def close(self):
        self.plant.close()
        self.ctrl.close()


@pytest.fixture
def loop(cfg, io_list, tmp_path):
    lp = Loop(cfg, io_list, tmp_path)
    yield lp
    lp.close()
