"""Fixtures for the controller core: the ASP1 config, the I/O list and a file-backed image pair.

``Loop`` works for any site: its piCtory file is generated from the site's I/O list with the
cabinet's own generator (``thermiq.iomap.pictory``), and ``healthy_inputs`` finds the sensors
by their roles in the site configuration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_sim.process_image import PlantProcessImage
from thermiq.adapters.fakes import RecordingMiner, StaticInverter, StaticMeters
from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
from thermiq.clock import FakeClock
from thermiq.config.load import load_config
from thermiq.cycle.image import InverterSnapshot, MinerSnapshot
from thermiq.cycle.runner import Runner
from thermiq.iomap.pictory import build_rsc, dump_rsc

REPO = Path(__file__).resolve().parents[2]
RSC = REPO / "Schaltschrank" / "config.rsc"
ASP1 = REPO / "thermiq" / "sites" / "asp1.toml"


def healthy_inputs(io_list, cfg=None) -> dict:
    """Sensor values of a healthy plant on a winter day with warm tanks (``cfg`` defaults to ASP1)."""
    cfg = cfg or load_config(ASP1)
    vals = {p.signal: 45.0 for p in io_list.analog_inputs}
    vals[cfg.cabinet.outdoor_temp_signal] = 0.0
    vals.update({c.room_temp_signal: 20.0 for c in cfg.heating_circuits if c.room_temp_signal})
    vals.update({c.flow_temp_signal: 40.0 for c in cfg.heating_circuits})
    vals[cfg.dhw.top_temp_signal] = 50.0
    vals[cfg.miner_loop.supply_temp_signal], vals[cfg.miner_loop.return_temp_signal] = 40.0, 35.0
    vals.update({p.signal: True for p in io_list.inputs if p.kind == "di"})
    if cfg.cabinet.manual_mode_input:
        vals[cfg.cabinet.manual_mode_input] = False
    for v in cfg.valves:  # de-energised: at port B
        if v.feedback_a:
            vals[v.feedback_a] = False
    return vals


def site_rsc(io_list, tmp_path) -> Path:
    """The piCtory file of a site, generated from its I/O list into ``tmp_path``."""
    path = tmp_path / "config.rsc"
    path.write_text(dump_rsc(build_rsc(io_list)), encoding="utf-8")
    return path


class Loop:
    """Controller runner and plant-side image on one file, with a settable clock and fakes."""

    def __init__(self, cfg, io_list, tmp_path):
        rsc = site_rsc(io_list, tmp_path)
        img = make_procimg_file(tmp_path / "pi.img", rsc)
        self.plant = PlantProcessImage(io_list, str(img), str(rsc))
        self.clock = FakeClock(0.0, 1.7e9)
        self.ctrl = RevPiProcessImage(io_list, str(img), str(rsc), clock=self.clock)
        self.inverter = StaticInverter()
        self.miners = {m.name: RecordingMiner() for m in cfg.miners}
        self.values = healthy_inputs(io_list, cfg)
        self.faults: dict[str, str] = {}
        self.runner = Runner(cfg, io_list, self.ctrl, self.inverter, StaticMeters(), self.miners, clock=self.clock)

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
