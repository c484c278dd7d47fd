"""Regenerate the committed gRPC stubs from ``_pb/bos_v1.proto`` (needs grpcio-tools).

Run ``python -m thermiq.adapters.braiins.regen`` after editing the proto; the test
``tests/devices/test_braiins_stubs.py`` fails while the committed stubs are out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PROTO = "thermiq/adapters/braiins/_pb/bos_v1.proto"


def generate(out_dir: Path) -> list[Path]:
    """Run protoc on :data:`PROTO` into ``out_dir`` (mirroring the package path).

    Returns the generated files. Raises ``RuntimeError`` if protoc fails.
    """
    from grpc_tools import protoc  # test/dev dependency only

    out_dir.mkdir(parents=True, exist_ok=True)
    rc = protoc.main(
        ["protoc", f"-I{REPO}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", str(REPO / PROTO)]
    )
    if rc != 0:
        raise RuntimeError(f"protoc failed with exit code {rc} on {PROTO}")
    base = out_dir / Path(PROTO).parent
    return [base / "bos_v1_pb2.py", base / "bos_v1_pb2_grpc.py"]


def main() -> int:
    """Regenerate in place."""
    files = generate(REPO)
    sys.stdout.write("".join(f"wrote {f.relative_to(REPO)}\n" for f in files))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
