"""Pure command handling: envelope validation, setpoint leases, results and audit records.

Nothing here imports paho or does I/O. The MQTT bridge thread calls :func:`validate`; the
scan applies :class:`SetpointCommand` to a :class:`SetpointStore` and hands
:class:`SafetyCommand` to the trip layer; both answer with a :class:`CommandResult`.
"""

from thermiq.commands.audit import AuditRecord
from thermiq.commands.envelope import (
    MAX_LEASE_S,
    DEFAULT_LEASE_S,
    Command,
    CommandResult,
    RecentIds,
    Refusal,
    SafetyCommand,
    SetpointCommand,
    validate,
)
from thermiq.commands.specs import SetpointSpec, setpoint_specs
from thermiq.commands.store import Lease, SetpointStore, handle_setpoint

__all__ = [
    "AuditRecord",
    "Command",
    "CommandResult",
    "DEFAULT_LEASE_S",
    "Lease",
    "MAX_LEASE_S",
    "RecentIds",
    "Refusal",
    "SafetyCommand",
    "SetpointCommand",
    "SetpointSpec",
    "SetpointStore",
    "handle_setpoint",
    "setpoint_specs",
    "validate",
]
