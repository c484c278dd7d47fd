"""The ``[service]`` section: how the daemon runs in the cabinet (broker, audit log, metrics, files).

With ``[fieldbus]`` and ``[[miners]]`` (the field devices) this makes the site file the whole
configuration of ``thermiq run --config /etc/thermiq/site.toml``: no environment variable and no
further command-line option is needed in the cabinet. Secrets never sit in the site file: the
broker password is read from ``password_file`` (mode 0640, root:thermiq), the miner password from
the variable named by ``[[miners]].password_env``.

Frozen pydantic models with unknown keys rejected, like :mod:`thermiq.config.schema`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from thermiq.config.base import Section as _Section


class BrokerConfig(_Section):
    """The MQTT broker the controller publishes to and takes operator commands from."""

    host: str = Field("127.0.0.1", min_length=1, description="broker host name or address")
    port: int = Field(1883, ge=1, le=65535, description="broker port (8883 is the usual TLS port)")
    username: str | None = Field(None, min_length=1, description="broker user (None = anonymous)")
    password_file: str | None = Field(
        None, description="file whose first line is the broker password (required with username)"
    )
    tls_ca_file: str | None = Field(None, description="CA certificate (PEM): connect with TLS when set")
    client_id: str | None = Field(
        None, min_length=1, max_length=64, description="MQTT client id of the kept session (default: thermiq-<site>)"
    )
    protocol: Literal["5", "3.1.1"] = Field(
        "5", description="MQTT version (5: retain-as-published, no-local, session expiry)"
    )

    @model_validator(mode="after")
    def _credentials(self):
        if self.username is not None and not self.password_file:
            raise ValueError("username needs password_file (the password never sits in the site file)")
        if self.password_file is not None and self.username is None:
            raise ValueError("password_file without username")
        return self


class AuditConfig(_Section):
    """The command audit log: JSON lines, always on, append-only, rotated by size."""

    path: str = Field("/var/lib/thermiq/audit.jsonl", min_length=1, description="audit log file")
    max_bytes: int = Field(
        5_000_000, ge=10_000, le=1_000_000_000, description="rotate when the file would grow past this size [bytes]"
    )
    backups: int = Field(10, ge=1, le=1000, description="rotated files kept (audit.jsonl.1 ... .N)")


class MetricsConfig(_Section):
    """Prometheus text endpoint (prometheus_client); bound to the loopback address only."""

    address: Literal["127.0.0.1", "::1"] = Field(
        "127.0.0.1", description="loopback only (NW-001..008: the cabinet serves nothing to the network)"
    )
    port: int = Field(9105, ge=0, le=65535, description="TCP port of /metrics; 0 = no endpoint")


class ServiceConfig(_Section):
    """Everything the daemon needs besides the plant: broker, audit log, metrics and runtime files."""

    broker: BrokerConfig | None = Field(
        None,
        description="the MQTT broker ([service.broker]); thermiq run "
        "refuses to start without it unless run with --field fake",
    )
    audit: AuditConfig = AuditConfig()
    metrics: MetricsConfig = MetricsConfig()
    latches: str = Field(
        "/var/lib/thermiq/latches.json",
        min_length=1,
        description="latched trips, restored at start (a restart is never a reset)",
    )
    status_file: str = Field(
        "/run/thermiq/status.json",
        min_length=1,
        description="live values, trips and history for thermiq io / thermiq trips",
    )
    status_every_s: float = Field(1.0, gt=0, le=60, description="how often the status file is rewritten")
    command_spool: str = Field(
        "/run/thermiq/commands",
        min_length=1,
        description="folder the cabinet shell's thermiq ack/reset drop commands into",
    )
    trip_history: int = Field(50, ge=1, le=1000, description="trip transitions kept in the status file")
