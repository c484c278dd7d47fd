"""Pure command handling: envelope validation, setpoint leases, results and audit records.

Nothing here imports paho or does I/O. The MQTT bridge thread calls :func:`validate`; the
scan applies :class:`SetpointCommand` to a :class:`SetpointStore` and hands
:class:`SafetyCommand` to the trip layer; both answer with a :class:`CommandResult`.
"""

from thermiq.commands.audit import AuditRecord
from thermiq.commands.envelope import (
    Command,
    CommandResult,
    Refusal,
    SafetyCommand,
    SetpointCommand,
    clean_reason,
    validate,
)
from thermiq.commands.identity import LOCAL, check_operator_name, split_identity
from thermiq.commands.limits import ACK_DEADLINE_S, DEFAULT_LEASE_S, MAX_LEASE_S
from thermiq.commands.recent import RecentIds
from thermiq.commands.specs import SetpointSpec, setpoint_specs
from thermiq.commands.store import Lease, SetpointStore, handle_setpoint

__all__ = [
    "ACK_DEADLINE_S",
    "AuditRecord",
    "LOCAL",
    "check_operator_name",
    "clean_reason",
    "split_identity",
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
