"""The I/O list, the piCtory configuration and the code's I/O map agree; real piCtory files load."""

from __future__ import annotations

import json

import pytest
import revpimodio2

from thermiq.adapters.revpi.process_image import IoBindingError, RevPiProcessImage, make_procimg_file
from thermiq.iomap.io_list import IoListError, load_io_list, parse_io_rows
from thermiq.iomap.pictory import build_rsc, dump_rsc, rsc_io_names

from .conftest import REPO, RSC

REAL = REPO / "Schaltschrank" / "reference"


def test_committed_config_rsc_is_generated_from_io_list(io_list):
    assert RSC.read_text() == dump_rsc(build_rsc(io_list)), "run: thermiq io export-rsc"


def test_every_io_list_signal_is_in_config_rsc_with_its_direction(io_list):
    names = rsc_io_names(RSC)
    for p in io_list.points:
        assert names[p.signal] == ("inp" if p.is_input else "out"), p.signal
        if p.status_signal:
            assert names[p.status_signal] == "inp"


def test_revpimodio2_binds_every_name_and_mem_settings_follow_signal_type(io_list, tmp_path):
    img = make_procimg_file(tmp_path / "pi.img", RSC)
    rpi = revpimodio2.RevPiModIO(procimg=str(img), configrsc=str(RSC), debug=False)
    assert [d.name for d in rpi.device] == ["dio1", "RevPi Connect 4", "aio1", "aio2"]
    for p in io_list.points:
        assert p.signal in rpi.io
        if p.kind == "rtd":
            n = p.channel[-1]
            assert rpi.io[f"{p.module}_RTD{n}Type"].value == revpimodio2.pictory.AIO.RTD_TYPE_PT1000
            assert rpi.io[f"{p.module}_RTD{n}Wiring"].value == revpimodio2.pictory.AIO.RTD_4_WIRE
        if p.kind == "ai_current":
            assert rpi.io[f"{p.module}_Input{p.channel[-1]}Range"].value == revpimodio2.pictory.AIO.IN_RANGE_4_20MA
    rpi.cleanup()


@pytest.mark.parametrize("rsc", sorted(REAL.glob("*.rsc")), ids=lambda p: p.name)
def test_real_pictory_files_load_and_missing_names_are_named(rsc, io_list, tmp_path):
    img = make_procimg_file(tmp_path / "pi.img")
    with pytest.raises(IoBindingError) as err:
        RevPiProcessImage(io_list, str(img), str(rsc))
    msg = str(err.value)
    assert rsc.name in msg and "buffer_top_temp_c" in msg and "k1_miner1_run" in msg


def test_real_pictory_file_with_matching_io_list_reads_real_idle_image(tmp_path):
    """A site whose I/O list uses the revpiday2019 names binds through the same code path.

    Its real idle image has open RTDs (8500, status 2): they decode as invalid, never as a number.
    """
    rows = [
        dict(
            tag="T1",
            signal="RTDValue_1",
            module="aio1",
            channel="RTD1",
            terminal="X",
            signal_type="RTD_PT100_4W",
            range_lo="-30",
            range_hi="200",
            unit="degC",
            fail_safe="invalid",
            description="",
        )
    ]
    io = parse_io_rows(rows)
    doc = json.loads((REAL / "revpiday2019_core_dio_aio.rsc").read_text())
    for dev in doc["Devices"]:  # piCtory's default status name -> the ThermIQ convention
        for entry in dev["inp"].values():
            if entry[0] == "RTDStatus_1":
                entry[0] = "RTDValue_1_status"
    rsc = tmp_path / "site.rsc"
    rsc.write_text(json.dumps(doc))
    img = tmp_path / "proc.img"
    img.write_bytes((REAL / "revpiday2019_proc.img").read_bytes())
    pi = RevPiProcessImage(io, str(img), str(rsc))
    sig = pi.read()["RTDValue_1"]
    pi.close()
    assert sig.value is None and sig.fault == "open"


def test_io_list_errors_name_line_and_column(tmp_path):
    bad = tmp_path / "io.csv"
    good = (REPO / "Schaltschrank" / "io_list.csv").read_text().splitlines()
    bad.write_text("\n".join(good[:3] + [good[2].replace("TT102", "TT999")]) + "\n")
    with pytest.raises(IoListError, match=r"io.csv:4: column 'signal': duplicate signal 'miner_loop_supply_temp_c'"):
        load_io_list(bad)
    bad.write_text("\n".join(good[:2] + [good[2].replace("RTD2", "RTD7")]) + "\n")
    with pytest.raises(IoListError, match=r":3: column 'channel': aio1 has no channel 'RTD7'"):
        load_io_list(bad)
