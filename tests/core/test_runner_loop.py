"""The runner's own loop (``Runner.run``) on a FakeClock: the scan grid, an overrun, a stalled field
device and I12, all without real waiting (every wait of the loop advances the fake clock at once).

The plant writes the file-backed image before each read, as piControl would; the field devices
are scripted fakes stamped on the same clock.
"""

from __future__ import annotations

import threading

import pytest

from hardware_sim.process_image import PlantProcessImage
from tests.core.conftest import RSC, healthy_inputs
from thermiq.adapters.fakes import RecordingMiner, StaticMeters
from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
from thermiq.clock import FakeClock, SystemClock
from thermiq.cycle.image import InverterSnapshot, MinerSnapshot
from thermiq.cycle.runner import Runner

I12 = "I12_scan_timing"


class PlantImage:
    """The controller's image with the plant writing its inputs right before every read.

    ``slow_reads``: scan number -> seconds the read takes (a piBridge hiccup), on the fake clock.
    """

    def __init__(self, io_list, path, clock: FakeClock):
        self.plant = PlantProcessImage(io_list, str(path), str(RSC))
        self.ctrl = RevPiProcessImage(io_list, str(path), str(RSC), clock=clock)
        self.clock, self.values = clock, healthy_inputs(io_list)
        self.reads, self.read_at, self.slow_reads = 0, [], {}

    @property
    def io_running(self) -> bool:
        return self.ctrl.io_running

    def read(self):
        self.read_at.append(self.clock.monotonic())
        self.clock.sleep(self.slow_reads.get(self.reads, 0.0))
        self.reads += 1
        self.plant.write_inputs(self.values)
        return self.ctrl.read()

    def write(self, digital):
        self.ctrl.write(digital)

    def close(self):
        self.plant.close()
        self.ctrl.close()


class Inverter:
    """An inverter adapter whose worker can stall: while stalled its snapshot keeps its old stamp.

    ``blocking``: scan number -> seconds ``snapshot()`` itself blocks (a badly written adapter
    waiting on its device inside the scan).
    """

    def __init__(self, clock: FakeClock):
        self.clock, self.stalled_until_s, self.calls, self.blocking = clock, None, 0, {}
        self.snap = InverterSnapshot()

    def snapshot(self) -> InverterSnapshot:
        self.clock.sleep(self.blocking.get(self.calls, 0.0))
        self.calls += 1
        now = self.clock.monotonic()
        if self.stalled_until_s is None or now >= self.stalled_until_s:
            self.snap = InverterSnapshot(now, 11000.0, 95.0, -2000.0, -7000.0, 2000.0)
        return self.snap


class Spy:
    """Keeps every frozen image the core was given."""

    def __init__(self, core):
        self.core, self.images = core, []

    def scan(self, image, st, cmds=()):
        self.images.append(image)
        return self.core.scan(image, st, cmds)


@pytest.fixture
def rig(cfg, io_list, tmp_path):
    clock = FakeClock(100.0)
    image = PlantImage(io_list, make_procimg_file(tmp_path / "pi.img", RSC), clock)
    inverter = Inverter(clock)
    miners = {m.name: RecordingMiner(MinerSnapshot(100.0, True, power_w=0.0)) for m in cfg.miners}
    runner = Runner(cfg, io_list, image, inverter, StaticMeters(), miners, clock=clock)
    runner.core = spy = Spy(runner.core)
    yield runner, clock, image, inverter, spy
    image.close()


def run(runner, scans: int) -> None:
    runner.run(threading.Event(), max_scans=runner.stats.scans + scans)


def test_healthy_loop_keeps_the_grid_and_waits_only_on_the_fake_clock(cfg, rig):
    runner, clock, image, _, spy = rig
    period = cfg.scan.period_s
    run(runner, 20)
    steps = [b - a for a, b in zip(image.read_at, image.read_at[1:])]
    assert steps == pytest.approx([period] * 19)
    assert runner.stats.overruns == 0 and runner.stats.scans == 20
    assert clock.slept_s == pytest.approx(20 * period)  # every scan's slot was waited out, on the fake clock
    assert all(img.signals["buffer_top_temp_c"].age_s == 0.0 for img in spy.images)
    assert I12 not in runner.state.interlocks.latched


def test_one_overrun_skips_to_the_next_slot_and_does_not_trip(cfg, rig):
    runner, clock, image, _, _ = rig
    period = cfg.scan.period_s
    run(runner, 5)
    image.slow_reads[image.reads] = 1.5 * period  # one slow read: the scan overruns its slot
    run(runner, 5)
    steps = [round((b - a) / period, 6) for a, b in zip(image.read_at, image.read_at[1:])]
    assert steps == [1.0] * 5 + [2.0] + [1.0] * 3  # the missed slot is skipped, never queued
    assert runner.stats.overruns == 1 and runner.stats.consecutive_overruns == 0
    assert I12 not in runner.state.interlocks.latched


def test_a_field_device_stalled_for_2_s_outside_the_scan_costs_no_scan_time(cfg, rig):
    """The inverter's worker stops delivering for 2 s: every scan stays on its slot, the snapshot's
    age grows to 2 s and its values stay valid (below scan.inverter_max_age_s)."""
    runner, clock, image, inverter, spy = rig
    period = cfg.scan.period_s
    run(runner, 3)
    last_s = inverter.snap.stamp_s
    inverter.stalled_until_s = last_s + 2.0 + period  # no new reading for 2 s after the last one
    first = len(spy.images)
    n = round(2.0 / period)
    run(runner, n + 4)
    assert runner.stats.overruns == 0
    ages = [img.now_s - img.inverter.stamp_s for img in spy.images[first:]]
    assert ages == pytest.approx([k * period for k in range(1, n + 1)] + [0.0] * 4)  # ... up to 2 s, then fresh
    assert 2.0 < cfg.scan.inverter_max_age_s
    assert all(img.inverter.pv_power_w == 11000.0 for img in spy.images[first:])


def test_a_field_device_blocking_the_scan_for_2_s_is_an_overrun_and_three_trip_i12(cfg, rig):
    """An adapter that waits 2 s on its device inside the scan: the loop counts the overrun and
    skips the lost slots; once is tolerated (2 s < overrun_trip_factor x period), three in a row
    (overrun_trip_count) open I12 and stop the miners."""
    runner, clock, image, inverter, spy = rig
    period, sc = cfg.scan.period_s, cfg.scan
    assert 2.0 < sc.overrun_trip_factor * period and sc.overrun_trip_count == 3
    run(runner, 3)
    inverter.blocking[inverter.calls] = 2.0
    run(runner, 3)
    steps = [round((b - a) / period, 6) for a, b in zip(image.read_at, image.read_at[1:])]
    assert steps == [1.0, 1.0, 1.0, 5.0, 1.0]  # 2 s in a 0.5 s slot: three slots skipped
    assert runner.stats.overruns == 1 and I12 not in runner.state.interlocks.latched
    for k in range(sc.overrun_trip_count):
        inverter.blocking[inverter.calls + k] = 2.0
    run(runner, sc.overrun_trip_count + 1)
    assert runner.stats.overruns == 1 + sc.overrun_trip_count
    assert I12 in runner.state.interlocks.latched
    assert spy.images[-1].signals["scan_timing_ok"].value is False
    assert not runner.last.permits.miners


def test_one_scan_longer_than_the_trip_factor_trips_i12_at_once(cfg, rig):
    runner, clock, image, inverter, _ = rig
    sc = cfg.scan
    run(runner, 3)
    inverter.blocking[inverter.calls] = sc.overrun_trip_factor * sc.period_s + 0.5
    run(runner, 2)
    assert runner.stats.overruns == 1 and I12 in runner.state.interlocks.latched


def test_the_image_and_the_runner_must_share_one_clock(cfg, io_list, tmp_path):
    image = RevPiProcessImage(io_list, str(make_procimg_file(tmp_path / "pi.img", RSC)), str(RSC), clock=FakeClock())
    try:
        with pytest.raises(ValueError, match="one Clock"):
            Runner(cfg, io_list, image, Inverter(FakeClock()), StaticMeters(), {}, clock=SystemClock())
    finally:
        image.close()
