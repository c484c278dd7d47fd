"""Operating modes: off, manual, pv_only, heat_priority, auto (a setpoint); HS01 forces manual.

Pure. FA-014: the cabinet's key switch HS01 (``cabinet.manual_mode_input``) forces manual
whatever the setpoint says, so manual is always possible.

======== ============================================================================
off      miners paused and their contactors open; the heat pump on its own controller
         (SG normal); heating-circuit pump and interlocks as always
manual   the operator's miner power limits are the targets (no surplus logic)
pv_only  miners only on PV surplus; no grid-powered heating by ThermIQ at any price
heat_    comfort first: miners may run on grid power while heat is wanted and the
priority heat pump cannot cover it; the heat pump is never blocked for cost
auto     cheapest heat first (merit order, thermiq.control.costs)
======== ============================================================================
"""

from __future__ import annotations

MODES = ("off", "manual", "pv_only", "heat_priority", "auto")


def effective_mode(setpoint_mode: str, manual_key: bool | None) -> str:
    """The mode in force: manual while HS01 is in "hand", else the setpoint (unknown -> pv_only, which never imports)."""
    if manual_key:
        return "manual"
    return setpoint_mode if setpoint_mode in MODES else "pv_only"
