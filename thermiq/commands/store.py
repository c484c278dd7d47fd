"""Setpoints in force: local defaults overridden by remote values that hold a lease (pure).

A remote value is in force from the scan that applies it until ``now_s >= expires_s``; then the
local default from the site configuration is in force again (issue #5: remote setpoints hold a
lease and fall back to local defaults). Times are the scan's monotonic ``now_s`` [s].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from thermiq.commands.envelope import CommandResult, SetpointCommand
from thermiq.commands.specs import SetpointSpec


class SetpointError(ValueError):
    """A setpoint command the store cannot apply (unknown name or value out of limits)."""


@dataclass(frozen=True, slots=True)
class Lease:
    """A remote value: ``value`` in force until monotonic ``expires_s`` [s], set by ``request_id``."""

    value: float | bool | str
    expires_s: float
    request_id: str


@dataclass(frozen=True, slots=True)
class SetpointStore:
    """Frozen map of setpoint specs and active leases; every change returns a new store."""

    specs: Mapping[str, SetpointSpec]
    leases: Mapping[str, Lease] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_specs(cls, specs: Mapping[str, SetpointSpec]) -> SetpointStore:
        """A store with every setpoint at its local default."""
        return cls(MappingProxyType(dict(specs)))

    def apply(self, cmd: SetpointCommand, now_s: float) -> SetpointStore:
        """Return a store in which ``cmd.value`` is in force until ``now_s + cmd.lease_s``.

        Raises
        ------
        SetpointError
            If the setpoint is unknown or the value breaks its limits (``self`` is unchanged).
        """
        spec = self.specs.get(cmd.name)
        if spec is None:
            raise SetpointError(f"unknown setpoint {cmd.name!r}")
        why = spec.check(cmd.value)
        if why is not None:
            raise SetpointError(why)
        if not cmd.lease_s > 0:
            raise SetpointError(f"lease_s must be > 0, got {cmd.lease_s}")
        leases = dict(self.leases)
        leases[cmd.name] = Lease(spec.normalise(cmd.value), now_s + cmd.lease_s, cmd.request_id)
        return SetpointStore(self.specs, MappingProxyType(leases))

    def value(self, name: str, now_s: float) -> float | bool | str:
        """Value of setpoint ``name`` in force at ``now_s``. Raises KeyError for an unknown name."""
        lease = self.leases.get(name)
        if lease is not None and now_s < lease.expires_s:
            return lease.value
        return self.specs[name].default

    def in_force(self, now_s: float) -> dict[str, float | bool | str]:
        """Every setpoint's value in force at ``now_s`` (lease value or local default)."""
        return {name: self.value(name, now_s) for name in self.specs}

    def expire(self, now_s: float) -> SetpointStore:
        """A store without the leases that ended at or before ``now_s`` (same values in force)."""
        if all(now_s < lease.expires_s for lease in self.leases.values()):
            return self
        kept = {n: lease for n, lease in self.leases.items() if now_s < lease.expires_s}
        return SetpointStore(self.specs, MappingProxyType(kept))

    def status(self, now_s: float) -> dict[str, object]:
        """Status keys ``setpoints/<name>`` -> value in force (for the MQTT status mapping)."""
        return {f"setpoints/{n}": v for n, v in self.in_force(now_s).items()}


def handle_setpoint(store: SetpointStore, cmd: SetpointCommand, now_s: float) -> tuple[SetpointStore, CommandResult]:
    """Apply ``cmd`` and build its ack; a command that cannot be applied leaves the store unchanged."""
    try:
        new = store.apply(cmd, now_s)
    except SetpointError as err:
        value = store.value(cmd.name, now_s) if cmd.name in store.specs else None
        return store, CommandResult(cmd.topic, cmd.request_id, False, str(err), value, cmd.by)
    return new, CommandResult(cmd.topic, cmd.request_id, True, None, new.value(cmd.name, now_s), cmd.by)
