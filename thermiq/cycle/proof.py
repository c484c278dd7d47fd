"""Load-time proof: every signal the configured plant needs exists in the I/O list and the piCtory file.

``thermiq check-config`` and ``thermiq run`` (before the first scan) call :func:`prove`; a
non-empty answer refuses the configuration and nothing runs. Each problem is one line naming the
signal, what is wrong with it and the instance that needs it (``<instance>: <config key>
'<signal>' is not in the I/O list``).

What is needed comes from the configured instances (the interlocks, quality checks, controllers
and publishers all find their signals through them) and, as a cross-check, from every signal the
site's trip table reads. A contactor claimed by two miners is refused by the schema already
(``ThermiqConfig._plant_references`` names both miners).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from thermiq.config.schema import ThermiqConfig
from thermiq.interlocks.trip_table import SCAN_TIMING, build_trip_table
from thermiq.iomap.io_list import IoList

Kind = Literal["analog", "di", "do"]
_KIND_TEXT = {"analog": "an analog input (RTD or 4-20 mA)", "di": "a digital input (DI)", "do": "a digital output (DO)"}
_IO_KIND = {"rtd": "analog", "ai_current": "analog", "di": "di", "do": "do"}


@dataclass(frozen=True, slots=True)
class Need:
    """One signal an instance needs: who (``miner <name>``), which key (``outlet_temp_signal``), its kind."""

    instance: str
    key: str
    signal: str
    kind: Kind


def needs(cfg: ThermiqConfig) -> list[Need]:
    """Every I/O-list signal the configured instances name, with the kind each use requires."""
    out: list[Need] = []

    def add(instance: str, pairs: Iterable[tuple[str, str | None]], kind: Kind) -> None:
        out.extend(Need(instance, key, sig, kind) for key, sig in pairs if sig)

    for m in cfg.miners:
        who = f"miner {m.name}"
        add(who, [("contactor_output", m.contactor_output)], "do")
        add(who, [("contactor_feedback", m.contactor_feedback)], "di")
        add(who, [("outlet_temp_signal", m.outlet_temp_signal)], "analog")
    loop = cfg.miner_loop
    add(
        "miner_loop",
        [("supply_temp_signal", loop.supply_temp_signal), ("return_temp_signal", loop.return_temp_signal)],
        "analog",
    )
    for t in cfg.tanks:
        add(
            f"tank {t.name}",
            [
                ("top_temp_signal", t.top_temp_signal),
                ("mid_temp_signal", t.mid_temp_signal),
                ("bottom_temp_signal", t.bottom_temp_signal),
            ],
            "analog",
        )
    for c in cfg.heating_circuits:
        add(
            f"heating circuit {c.name}",
            [
                ("flow_temp_signal", c.flow_temp_signal),
                ("return_temp_signal", c.return_temp_signal),
                ("room_temp_signal", c.room_temp_signal),
            ],
            "analog",
        )
    for p in cfg.pumps:
        add(f"pump {p.name}", [("output", p.output)], "do")
    for v in cfg.valves:
        add(f"valve {v.name}", [("output", v.output)], "do")
        add(f"valve {v.name}", [("feedback_a", v.feedback_a), ("feedback_b", v.feedback_b)], "di")
    hp, cab = cfg.heat_pump, cfg.cabinet
    add("heat_pump", [("sg_in1_output", hp.sg_in1_output), ("sg_in4_output", hp.sg_in4_output)], "do")
    add("heat_pump", [("fault_ok_signal", hp.fault_ok_signal)], "di")
    add("cabinet", [("heartbeat_output", cab.heartbeat_output), ("alarm_lamp_output", cab.alarm_lamp_output)], "do")
    add("cabinet", [("manual_mode_input", cab.manual_mode_input)], "di")
    add("cabinet", [("outdoor_temp_signal", cab.outdoor_temp_signal)], "analog")
    add("cabinet", [(f"safety_chain_inputs[{i}]", s) for i, s in enumerate(cab.safety_chain_inputs)], "di")
    return out


def _trip_needs(cfg: ThermiqConfig) -> list[Need]:
    """The I/O-list inputs the trip table reads (pseudo-signals ``a.b`` and the runner's own skipped)."""
    out = []
    for spec in build_trip_table(cfg):
        who = f"trip {spec.id}" + (f" (miner {spec.miner})" if spec.miner else "")
        for sig in spec.signals + spec.guard:
            if "." not in sig and sig != SCAN_TIMING:
                out.append(Need(who, "signal", sig, "analog" if sig.endswith("_temp_c") else "di"))
    return out


def _target_max_len() -> int:
    """Longest trip id a remote ack/reset can name (``SafetyPayload.target`` of the MQTT commands)."""
    from thermiq.commands.envelope import SafetyPayload

    return next(m.max_length for m in SafetyPayload.model_fields["target"].metadata if hasattr(m, "max_length"))


def prove(cfg: ThermiqConfig, io_list: IoList, rsc_names: dict[str, str] | None = None) -> list[str]:
    """Problems that refuse the configuration (empty list = every needed signal resolves).

    Parameters
    ----------
    cfg : the site configuration
    io_list : the site's I/O list
    rsc_names : piCtory I/O name -> ``inp`` | ``out`` | ``mem`` (``thermiq.iomap.pictory.rsc_io_names``);
        None skips the piCtory check

    Returns
    -------
    One line per problem: the instance, the key, the signal and what is wrong.
    """
    problems: list[str] = []
    longest = _target_max_len()
    for spec in build_trip_table(cfg):
        if len(spec.id) > longest:
            who = f"miner {spec.miner}" if spec.miner else "the plant"
            problems.append(
                f"{who}: trip id {spec.id!r} is longer than {longest} characters, so no remote "
                "ack/reset could name it; shorten the instance name"
            )
    seen: set[tuple[str, str]] = set()
    for need in needs(cfg) + _trip_needs(cfg):
        if (need.instance, need.signal) in seen:
            continue
        seen.add((need.instance, need.signal))
        where = f"{need.instance}: {need.key} {need.signal!r}"
        if need.signal not in io_list:
            problems.append(f"{where} is not in the I/O list ({io_list.source})")
            continue
        point = io_list[need.signal]
        kind = _IO_KIND[point.kind]
        if kind != need.kind:
            problems.append(
                f"{where} is {_KIND_TEXT[kind]} in the I/O list ({point.tag}); {_KIND_TEXT[need.kind]} is needed"
            )
            continue
        if rsc_names is None:
            continue
        section = "inp" if point.is_input else "out"
        for name in (need.signal, point.status_signal):
            if name is not None and rsc_names.get(name) != section:
                found = rsc_names.get(name)
                problems.append(
                    f"{where}: piCtory I/O {name!r} "
                    + (f"is in section {found!r}, expected {section!r}" if found else "is missing")
                )
    return problems


def prove_files(cfg: ThermiqConfig, io_list: IoList, configrsc: str | Path | None) -> list[str]:
    """:func:`prove` with the piCtory file at ``configrsc`` (None or a missing file: I/O list only,
    the missing file is then a problem of its own when it was named)."""
    if configrsc is None:
        return prove(cfg, io_list)
    from thermiq.iomap.pictory import rsc_io_names

    try:
        names = rsc_io_names(configrsc)
    except (OSError, ValueError, KeyError) as err:
        return [f"piCtory file {configrsc}: cannot read ({err})"]
    return prove(cfg, io_list, names)
