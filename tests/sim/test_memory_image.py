"""The study's in-memory process image holds the same bytes as the file image through revpimodio2."""

from __future__ import annotations

from hardware_sim.loop.memory_image import MemoryImage
from hardware_sim.process_image import PlantProcessImage
from tests.core.conftest import REPO, RSC
from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
from thermiq.clock import FakeClock
from thermiq.iomap.io_list import load_io_list


def test_memory_image_bytes_and_decoding_equal_the_revpimodio2_file_image(tmp_path):
    io_list = load_io_list(REPO / "Schaltschrank" / "io_list.csv")
    clock = FakeClock(5.0, 0.0)
    mem = MemoryImage(io_list, RSC, clock=clock)
    img = make_procimg_file(tmp_path / "procimg.bin", RSC)
    plant_file = PlantProcessImage(io_list, str(img), str(RSC))
    ctrl_file = RevPiProcessImage(io_list, str(img), str(RSC), clock=clock)
    values = {p.signal: 20.0 + 1.7 * i for i, p in enumerate(io_list.analog_inputs)}
    values.update({p.signal: i % 2 == 0 for i, p in enumerate(io_list.inputs) if p.kind == "di"})
    analog = [p.signal for p in io_list.analog_inputs]
    faults = {analog[0]: "open", analog[3]: "short", analog[-1]: "open"}
    outs = {p.signal: i % 3 == 0 for i, p in enumerate(io_list.outputs)}
    try:
        for side in (mem.plant, plant_file):
            side.write_inputs(values, faults)
        ctrl_file.write(outs)
        mem.controller.write(outs)
        assert bytes(mem.buffer) == img.read_bytes()[: len(mem.buffer)]
        assert mem.controller.read() == ctrl_file.read()
        assert mem.controller.io_running and ctrl_file.io_running
        assert bytes(mem.buffer) == img.read_bytes()[: len(mem.buffer)]  # both left the cycle mark
        clock.advance_to(9.0)  # the plant stops refreshing:
        stale_mem, stale_file = mem.controller.read(), ctrl_file.read()  # the signals keep their stamp
        assert stale_mem == stale_file and {s.stamp_s for s in stale_mem.values()} == {5.0}
        for side in (mem.plant, plant_file):
            side.write_inputs(values, faults)
        assert {s.stamp_s for s in mem.controller.read().values()} == {9.0}
        assert mem.plant.read_outputs() == plant_file.read_outputs() == outs
    finally:
        plant_file.close()
        ctrl_file.close()
