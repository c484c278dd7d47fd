"""The committed gRPC stubs match bos_v1.proto (regenerate: python -m thermiq.adapters.braiins.regen)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytest.importorskip("grpc_tools")

from thermiq.adapters.braiins import regen  # noqa: E402
from thermiq.adapters.braiins._pb import bos_v1_pb2 as pb  # noqa: E402

COMMITTED = regen.REPO / "thermiq/adapters/braiins/_pb"


def _descriptor(text: str) -> bytes:
    m = re.search(r"AddSerializedFile\((b'.*?')\)", text, re.S)
    assert m, "no serialized descriptor in the generated module"
    return ast.literal_eval(m.group(1))


def _grpc_body(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "GENERATED_VERSION =" not in line)


def test_committed_stubs_are_up_to_date(tmp_path: Path):
    fresh_pb2, fresh_grpc = regen.generate(tmp_path)
    assert _descriptor(fresh_pb2.read_text()) == _descriptor((COMMITTED / "bos_v1_pb2.py").read_text())
    assert _grpc_body(fresh_grpc.read_text()) == _grpc_body((COMMITTED / "bos_v1_pb2_grpc.py").read_text())


def test_wire_names_and_field_numbers_follow_braiins_os():
    """Full names and field numbers the real firmware uses (docs/SOURCES.md S-BRAIINS)."""
    d = pb.DESCRIPTOR
    assert d.package == "braiins.bos.v1"
    services = {s.name: [m.name for m in s.methods] for s in d.services_by_name.values()}
    assert services == {
        "AuthenticationService": ["Login"],
        "ActionsService": ["PauseMining", "ResumeMining"],
        "MinerService": ["GetMinerDetails", "GetMinerStats", "GetHashboards"],
        "CoolingService": ["GetCoolingState"],
        "ConfigurationService": ["GetConstraints"],
        "PerformanceService": ["GetTunerState", "SetPowerTarget"],
    }
    f = lambda msg, field: d.message_types_by_name[msg].fields_by_name[field].number  # noqa: E731
    assert f("GetMinerDetailsResponse", "status") == 12
    assert f("GetMinerStatsResponse", "power_stats") == 3
    assert f("Hashboard", "board_temp") == 7 and f("Hashboard", "highest_chip_temp") == 6
    assert f("PowerConstraints", "min") == 2 and f("PowerConstraints", "max") == 3
    assert f("SetPowerTargetRequest", "power_target") == 2
    assert f("GetTunerStateResponse", "power_target_mode_state") == 2
    assert pb.SAVE_ACTION_SAVE_AND_APPLY == 2
