"""Factory of the real field devices: the RS485 line (meters + Deye) and one link per miner.

``thermiq run --field protocol`` calls :func:`build_field_devices`; the result satisfies the
non-blocking protocols of :mod:`thermiq.adapters.protocols`, and :meth:`FieldDevices.close`
stops every worker.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from pydantic import ValidationError

from thermiq.adapters.braiins.client import BraiinsClient
from thermiq.adapters.braiins.link import BraiinsMinerLink, LinkTiming
from thermiq.adapters.braiins.telemetry import Plausibility
from thermiq.adapters.modbus.line import Rs485Line, build_line
from thermiq.adapters.protocols import InverterSource, MeterSource, MinerLink
from thermiq.clock import Clock, SystemClock
from thermiq.config.fieldbus import FieldbusConfig
from thermiq.config.schema import ThermiqConfig

#: Braiins OS password when the configured environment variable is unset (pyasic's default)
DEFAULT_MINER_PASSWORD = "root"
#: until ThermiqConfig has a ``fieldbus`` section: a TOML file holding ``[fieldbus]`` (or its body)
FIELDBUS_ENV = "THERMIQ_FIELDBUS"


def fieldbus_from_file(path: str | Path) -> FieldbusConfig:
    """Read a ``[fieldbus]`` section (or a file that is just its body) from TOML.

    Raises
    ------
    ValueError
        Naming the file when it cannot be read or breaks the schema.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"{path}: cannot read the fieldbus configuration: {err}") from None
    try:
        return FieldbusConfig.model_validate(data.get("fieldbus", data))
    except ValidationError as err:
        raise ValueError(f"{path}: invalid fieldbus configuration: {err}") from None


@dataclass
class FieldDevices:
    """The started field devices of a site."""

    inverter: InverterSource
    meters: MeterSource
    miners: dict[str, MinerLink]
    line: Rs485Line | None = None
    links: list[BraiinsMinerLink] = field(default_factory=list)

    def close(self) -> None:
        """Stop the bus master and every miner worker (miners keep their last state)."""
        for link in self.links:
            link.close()
        if self.line is not None:
            self.line.close()


def build_field_devices(
    cfg: ThermiqConfig, clock: Clock = SystemClock(), fieldbus: FieldbusConfig | None = None, start: bool = True
) -> FieldDevices:
    """Build (and by default start) the RS485 line and the miner links of ``cfg``.

    Parameters
    ----------
    cfg : the site configuration; miners come from ``cfg.miners`` (host, port, username,
        ``password_env``), the deadband from ``cfg.energy.power_deadband_w``.
    clock : the :class:`~thermiq.clock.Clock` of every stamp (the runner's clock).
    fieldbus : the ``[fieldbus]`` section; default: the file named by ``$THERMIQ_FIELDBUS``
        (an override for hardware-in-the-loop runs), else ``cfg.fieldbus``.
    start : start the worker threads.

    Raises
    ------
    thermiq.adapters.modbus.regmap.RegisterMapError
        If a configured meter map cannot be loaded (nothing is started then).
    ValueError
        If ``$THERMIQ_FIELDBUS`` names an unreadable or invalid file.
    """
    env = os.environ.get(FIELDBUS_ENV)
    fb = fieldbus or (fieldbus_from_file(env) if env else cfg.fieldbus)
    log = structlog.get_logger("thermiq.field")
    line = build_line(fb, clock, start=start)
    ml = fb.miner_link
    timing = LinkTiming(
        ml.poll_period_s, ml.invalid_after_failures, cfg.energy.power_deadband_w, ml.min_change_interval_s
    )
    plaus = Plausibility(ml.power_valid_max_w, ml.temp_valid_max_c)
    links: list[BraiinsMinerLink] = []
    for m in cfg.miners:
        password = os.environ.get(m.password_env)
        if password is None:
            log.info("miner_password_default", miner=m.name, env=m.password_env)
            password = DEFAULT_MINER_PASSWORD
        client = BraiinsClient(f"{m.host}:{m.port}", m.username, password, ml.call_deadline_s)
        link = BraiinsMinerLink(m.name, client, timing, clock, m.publishes_hashrate, plaus)
        links.append(link.start() if start else link)
    return FieldDevices(line.inverter, line.meters, {lk.name: lk for lk in links}, line, links)
