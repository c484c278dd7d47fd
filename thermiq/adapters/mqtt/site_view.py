"""The plant's shape as the dashboard draws it: which topics make each tank, loop, valve, pump and flow.

Built from the site configuration's instances (``[[tanks]]``, ``[miner_loop]``, ``[[valves]]``,
``[[pumps]]``, ``[heat_pump]``, ``[[heating_circuits]]``, ``[[fieldbus.meters]]`` with their roles);
the values are topic paths of the registry. ``nodered_flows`` turns it into the energy-flow view,
the hydraulic diagram and the compact page, so a site with three tanks or no heat-pump meter gets
the drawing that matches it.
"""

from __future__ import annotations

from thermiq.adapters.mqtt.instances import tank_label
from thermiq.config.schema import ThermiqConfig

T, O = "state/temperature/", "state/output/"
FLOW_COLORS = {
    "pv": "#f9a825",
    "battery": "#43a047",
    "grid": "#546e7a",
    "house": "#1e88e5",
    "heat_pump": "#5e35b1",
    "miners": "#e64a19",
    "other": "#6d4c41",
}


def _pump(cfg: ThermiqConfig, name: str | None) -> dict | None:
    if name is None:
        return None
    p = cfg.pump(name)
    return {"tag": p.name.upper(), "label": p.label or p.name, "topic": O + p.output}


def _valve(cfg: ThermiqConfig, name: str | None) -> dict | None:
    if name is None:
        return None
    v = cfg.valve(name)
    return {
        "tag": v.name.upper(),
        "label": v.label or v.name,
        "topic": f"state/valve/{v.name}/position",
        "ports": [v.port_a, v.port_b],
    }


def energy_flows(cfg: ThermiqConfig) -> list[dict]:
    """Energy-flow nodes: sources on the left (PV, battery, grid; + = into the house bus), loads right."""
    out = []
    if cfg.fieldbus.inverter is not None:
        inv = "state/inverter/"
        out += [
            {"id": "pv", "label": "PV", "topic": inv + "pv_power_w", "side": "left"},
            {
                "id": "battery",
                "label": "Battery",
                "topic": inv + "battery_power_w",
                "side": "left",
                "dir": ["discharging", "charging"],
                "extra": inv + "battery_soc_pct",
            },
            {"id": "grid", "label": "Grid", "topic": inv + "grid_power_w", "side": "left", "dir": ["import", "export"]},
        ]
    roles = [m for m in cfg.fieldbus.meters if m.role != "other"] or list(cfg.fieldbus.meters)
    for m in roles:
        out.append(
            {
                "id": m.name,
                "label": (m.label or m.name).capitalize(),
                "topic": f"state/meter/{m.name}/power_w",
                "side": "right",
                "role": m.role,
            }
        )
    if not roles and cfg.fieldbus.inverter is not None:
        out.append(
            {
                "id": "load",
                "label": "Consumption",
                "topic": "state/inverter/load_power_w",
                "side": "right",
                "role": "house",
            }
        )
    for f in out:
        f["color"] = FLOW_COLORS.get(f.get("role", f["id"]), FLOW_COLORS["other"])
    return out


def site_view(cfg: ThermiqConfig) -> dict:
    """The drawing model of the site (JSON-able; every value a registry topic path or a label)."""
    loop = cfg.miner_loop
    miners = [
        {
            "name": m.name,
            "power": f"state/miner/{m.name}/power_w",
            "state": f"state/miner/{m.name}/state",
            "outlet": T + m.outlet_temp_signal,
        }
        for m in cfg.miners
    ]
    hp = cfg.heat_pump
    hp_meter = next((m for m in cfg.fieldbus.meters if m.role == "heat_pump"), None)
    tanks = [
        {"name": t.name, "label": tank_label(cfg, t.name).capitalize(), "layers": [T + s for s in t.temp_signals]}
        for t in cfg.tanks
    ]
    index = {t.name: i for i, t in enumerate(cfg.tanks)}
    circuits = [
        {
            "label": (c.label or c.name).capitalize(),
            "pump": _pump(cfg, c.pump),
            "flow": T + c.flow_temp_signal,
            "ret": T + c.return_temp_signal if c.return_temp_signal else None,
            "room": T + c.room_temp_signal if c.room_temp_signal else None,
            "source_index": index[c.source_tank],
        }
        for c in cfg.heating_circuits
    ]
    return {
        "tanks": tanks,
        "loop": {
            "miners": miners,
            "supply": T + loop.supply_temp_signal,
            "ret": T + loop.return_temp_signal,
            "pump": _pump(cfg, loop.pump),
            "valve": _valve(cfg, loop.valve),
        },
        "hp": {
            "sg": "state/heat_pump/sg_state",
            "pump": _pump(cfg, hp.charge_pump),
            "valve": _valve(cfg, hp.valve),
            "power": f"state/meter/{hp_meter.name}/power_w" if hp_meter else None,
        },
        "circuits": circuits,
        "outdoor": T + cfg.cabinet.outdoor_temp_signal,
        "flows": energy_flows(cfg),
    }
