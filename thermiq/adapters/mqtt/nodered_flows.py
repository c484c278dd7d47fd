"""Generate nodered/flows.json (the operator dashboard) from the topic registry of a site.

Seven pages (:data:`PAGES`), each with the alarm banner first; the views are the Vue components in
``nodered/widgets/`` with the site's labels, units, decimals, bands and drawing
(``Registry.view``) filled in, fed by one model function node (``widgets/model.js``) that reads
the registry topics, decides staleness and keeps the trip history. The flows subscribe only to
registry topics and write only to ``setpoints/<name>/set`` and ``cmd/safety/{reset,ack}`` with the
command envelope built in function nodes (``nodered_nodes``). Output is deterministic.

Usage: ``python -m thermiq.adapters.mqtt.nodered_flows [--config SITE.toml] [-o OUT] [--check]``.
"""

from __future__ import annotations

import json
import sys

from thermiq.adapters.mqtt.nodered_nodes import ACK_CODE, SAFETY_CODE, _Builder, _set_code, nid  # noqa: F401
from thermiq.adapters.mqtt.publish_filter import DEFAULT_REFRESH_S
from thermiq.adapters.mqtt.registry import REPO, Registry, registry_for_site
from thermiq.generated import site_generator_main

FLOWS = REPO / "nodered/flows.json"
TAB = "ThermIQ dashboard"


WIDGETS = REPO / "nodered/widgets"
PAGES = (
    ("overview", "Overview", "home"),
    ("alarms", "Alarms & history", "alarm-light"),
    ("miners", "Miners", "server"),
    ("heat", "Heat", "radiator"),
    ("energy", "Energy", "solar-power"),
    ("settings", "Settings", "tune"),
    ("compact", "Panel 800x480", "monitor-small"),
)
CHARTS = (("temps", "Tank and room temperatures, 24 h", "°C"), ("power", "Power flows, 24 h", "W"))
STALE_S = 3 * DEFAULT_REFRESH_S  # a value not refreshed for 3 refresh periods is stale
COMMANDS = {"cmd/safety/ack": "Acknowledge", "cmd/safety/reset": "Reset"}


def site_meta(reg: Registry) -> dict:
    """What the views need to know about the site: labels, units, decimals, bands, and its drawing."""
    topics = {}
    for t in reg.of_kind("state", "setpoint", "availability"):
        d = {"label": t.label, "unit": t.unit, "precision": t.precision}
        if t.bands:
            d["bands"] = [[b.lo, b.level] for b in t.bands]
        words = _words(t.ha or {})
        if words:
            d.update(on=words[0], off=words[1])
        topics[t.path] = d
    return {"topics": topics, "plant": {k: v for k, v in reg.view.items() if k != "flows"}, "flows": reg.view["flows"]}


def _words(ha: dict) -> tuple[str, str] | None:
    """How a binary value reads for a person (true, false), from its HA class and sense."""
    dc, inv = ha.get("device_class"), bool(ha.get("inverted"))
    table = {
        ("running", False): ("running", "stopped"),
        ("safety", True): ("closed (ok)", "OPEN"),
        ("problem", True): ("no fault", "FAULT"),
        ("problem", False): ("ON", "off"),
        ("power", False): ("closed", "open"),
        ("connectivity", False): ("reachable", "UNREACHABLE"),
    }
    return table.get((dc, inv))


GAUGE_COLORS = {"cold": "#1565c0", "ok": "#2e7d32", "high": "#ef6c00", "low": "#ef6c00", "trip": "#c62828"}


def _gauges(b: _Builder, reg: Registry, pages: dict) -> list[tuple]:
    """Gauges whose arcs are the registry's bands: battery SoC (energy page) and each tank's top (heat)."""
    want = [("energy", "state/inverter/battery_soc_pct", 0, 100)] if "state/inverter/battery_soc_pct" in reg else []
    want += [("heat", t["layers"][0], 10, 95) for t in reg.view["tanks"]]
    out, groups = [], {}
    for page, path, lo, hi in want:
        t = reg[path]
        b.page = pages[page]
        if page not in groups:
            groups[page] = b.group(f"gauges ({page})", 12)
            b.nodes[-1]["name"] = "Battery" if page == "energy" else "Tank tops"
        gid = groups[page]
        segs = [{"from": str(max(lo, b_.lo)), "color": GAUGE_COLORS[b_.level]} for b_ in t.bands]
        g = b.gauge(gid, path, t.label, t.unit or "", lo, hi)
        g.update(segments=segs, width="3", height="3")
        out.append((t, g))
    return out


def _trend(reg: Registry) -> dict:
    """Topic -> (chart, series label) of the 24-hour trends."""
    out = {}
    for tank in reg.view["tanks"]:
        for layer in tank["layers"]:
            out[layer] = ("temps", reg[layer].label)
    for c in reg.view["circuits"]:
        if c["room"]:
            out[c["room"]] = ("temps", reg[c["room"]].label)
    out[reg.view["outdoor"]] = ("temps", reg[reg.view["outdoor"]].label)
    for f in reg.view["flows"]:
        out[f["topic"]] = ("power", f["label"])
    return out


VIEW_TOPICS = {"banner": ("state/mode", "state/safety/trips")}


def _vue(name: str, meta: dict, conf: object) -> str:
    """A widget's Vue component with the site's meta and its own configuration filled in."""
    text = (WIDGETS / f"{name}.vue").read_text(encoding="utf-8")
    common = (WIDGETS / "common.js").read_text(encoding="utf-8")
    style = (WIDGETS / "style.css").read_text(encoding="utf-8")
    conf_json = json.dumps(conf, ensure_ascii=False)
    # each view carries the meta of the topics it shows (its configuration, or the drawing it draws)
    drawn = conf_json + (json.dumps([meta["plant"], meta["flows"]]) if name in ("energy", "plant") else "")
    topics = {p: m for p, m in meta["topics"].items() if f'"{p}"' in drawn or p in VIEW_TOPICS.get(name, ())}
    mine = {**meta, "topics": topics}
    text = text.replace("/*COMMON*/\n", common).replace("__SITE__", json.dumps(mine, ensure_ascii=False))
    text = text.replace("__CONF__", conf_json)
    return text.replace("<script>", f"<style>\n{style}</style>\n<script>", 1)


def build_flows(reg: Registry) -> list[dict]:
    """The flows.json node list for ``reg``'s site."""
    b = _Builder(reg)
    full = reg.full
    meta = site_meta(reg)
    b.nodes.append(
        {
            "id": b.tab,
            "type": "tab",
            "label": TAB,
            "disabled": False,
            "info": "Generated from the topic registry by `python -m thermiq.adapters.mqtt.nodered_flows`"
            " (views: nodered/widgets/). Do not edit by hand.",
        }
    )
    b.nodes.append(
        {
            "id": b.broker,
            "type": "mqtt-broker",
            "name": "ThermIQ broker",
            "broker": "${MQTT_HOST}",
            "port": "${MQTT_PORT}",
            "clientid": "",
            "autoConnect": True,
            "usetls": False,
            "protocolVersion": "4",
            "keepalive": "30",
            "cleansession": True,
            "autoUnsubscribe": True,
            "birthTopic": "",
            "birthQos": "0",
            "birthPayload": "",
            "birthMsg": {},
            "closeTopic": "",
            "closeQos": "0",
            "closePayload": "",
            "closeMsg": {},
            "willTopic": "",
            "willQos": "0",
            "willPayload": "",
            "willMsg": {},
            "userProps": "",
            "sessionExpiry": "",
        }
    )
    base_id, theme_id = nid("ui-base"), nid("ui-theme")
    b.nodes.append(
        {
            "id": base_id,
            "type": "ui-base",
            "name": f"ThermIQ {reg.site}",
            "path": "/dashboard",
            "appIcon": "",
            "includeClientData": True,
            "acceptsClientConfig": ["ui-notification", "ui-control"],
            "showPathInSidebar": False,
            "headerContent": "page",
            "navigationStyle": "temporary",
            "titleBarStyle": "default",
            "showReconnectNotification": True,
            "notificationDisplayTime": 5,
            "showDisconnectNotification": True,
            "allowInstall": False,
        }
    )
    b.nodes.append(
        {
            "id": theme_id,
            "type": "ui-theme",
            "name": "ThermIQ",
            "colors": {
                "surface": "#263238",
                "primary": "#0b6e4f",
                "bgPage": "#eceff1",
                "groupBg": "#ffffff",
                "groupOutline": "#cfd8dc",
            },
            "sizes": {
                "density": "compact",
                "pagePadding": "8px",
                "groupGap": "8px",
                "groupBorderRadius": "4px",
                "widgetGap": "6px",
            },
        }
    )
    pages = {}
    for order, (key, title, icon) in enumerate(PAGES, 1):
        pages[key] = pid = nid("page", key)
        b.nodes.append(
            {
                "id": pid,
                "type": "ui-page",
                "name": title,
                "ui": base_id,
                "path": f"/{key}",
                "icon": icon,
                "layout": "grid",
                "theme": theme_id,
                "breakpoints": [
                    {"name": "Default", "px": "0", "cols": "3"},
                    {"name": "Tablet", "px": "576", "cols": "6"},
                    {"name": "Small desktop", "px": "768", "cols": "9"},
                    {"name": "Desktop", "px": "1024", "cols": "12"},
                ],
                "order": order,
                "className": "",
                "visible": "true",
                "disabled": "false",
            }
        )
    b.page = pages["settings"]
    views: list[dict] = []

    def view(
        page: str, title: str, width: int, vue: str, conf: object = None, show_title: bool = True, rows: int = 0
    ) -> dict:
        """One ui-template view in its own group; ``rows`` of the dashboard grid (0 = as tall as it needs)."""
        b.page = pages[page]
        gid = b.group(f"{title} ({page})", width)
        b.nodes[-1]["showTitle"] = show_title
        b.nodes[-1]["name"] = title
        node = b.widget(
            gid,
            {
                "id": nid("view", page, title),
                "type": "ui-template",
                "name": f"{page}: {title}",
                "format": _vue(vue, meta, conf),
                "storeOutMessages": True,
                "passthru": False,
                "resendOnRefresh": True,
                "templateScope": "local",
                "className": "",
                "wires": [[]],
            },
        )
        node["height"] = str(rows)
        views.append(node)
        return node

    state = [t.path for t in reg.of_kind("state")]
    pick = lambda *prefixes: [k for k in state if k.startswith(prefixes)]  # noqa: E731
    banners = [view(page, "Alarms", 12, "banner", None, False) for page, _t, _i in PAGES]
    view("overview", "Energy flow", 6, "energy")
    view("overview", "Plant", 6, "plant")
    view("alarms", "Latched trips", 12, "alarms")
    view("alarms", "Contacts and relays", 6, "values", {"topics": pick("state/contact/", "state/output/")})
    view(
        "alarms",
        "Controller",
        6,
        "values",
        {"topics": ["status", "state/mode", "state/heat_pump/sg_state"] + pick("state/scan/")},
    )
    miners = [
        {
            "name": m["name"],
            "state": m["state"],
            "topics": [k for k in pick(f"state/miner/{m['name']}/") if k != m["state"]],
        }
        for m in reg.view["loop"]["miners"]
    ]
    view("miners", "Miners", 12, "miners", {"miners": miners})
    view("heat", "Plant", 8, "plant")
    view(
        "heat",
        "Temperatures",
        4,
        "values",
        {
            "topics": pick("state/temperature/", "state/valve/")
            + ["state/heat_pump/sg_state"]
            + [O for O in pick("state/output/") if (reg[O].ha or {}).get("device_class") == "running"]
        },
    )
    view("energy", "Energy flow", 6, "energy")
    view("energy", "Power and energy", 6, "values", {"topics": pick("state/inverter/", "state/meter/")})
    compact = {"tanks": reg.view["tanks"], "flows": reg.view["flows"]}
    view("compact", "Tanks and power", 12, "compact", compact, False)
    gauges = _gauges(b, reg, pages)
    charts = []
    for key, title, unit in CHARTS:
        b.page = pages["heat" if key == "temps" else "energy"]
        gid = b.group(f"{title} ({key})", 12 if key == "power" else 12)
        b.nodes[-1]["name"] = title
        charts.append(
            b.widget(
                gid,
                {
                    "id": nid("chart", key),
                    "type": "ui-chart",
                    "name": title,
                    "label": title,
                    "chartType": "line",
                    "category": "topic",
                    "categoryType": "msg",
                    "xAxisLabel": "",
                    "xAxisProperty": "",
                    "xAxisPropertyType": "timestamp",
                    "xAxisType": "time",
                    "xAxisFormat": "",
                    "xAxisFormatType": "auto",
                    "xmin": "",
                    "xmax": "",
                    "yAxisLabel": unit,
                    "yAxisProperty": "payload",
                    "yAxisPropertyType": "msg",
                    "ymin": "",
                    "ymax": "",
                    "bins": 10,
                    "action": "append",
                    "stackSeries": False,
                    "pointShape": "false",
                    "pointRadius": 0,
                    "showLegend": True,
                    "removeOlder": 24,
                    "removeOlderUnit": "3600",
                    "removeOlderPoints": "",
                    "colors": [
                        "#0095FF",
                        "#FF0000",
                        "#FF7F0E",
                        "#2CA02C",
                        "#A347E1",
                        "#D62728",
                        "#FF9896",
                        "#9467BD",
                        "#C5B0D5",
                    ],
                    "textColor": ["#666666"],
                    "textColorDefault": True,
                    "gridColor": ["#e5e5e5"],
                    "gridColorDefault": True,
                    "className": "",
                    "interpolation": "linear",
                    "wires": [[]],
                },
            )
        )
        charts[-1]["width"], charts[-1]["height"] = "12", "6"

    # safety commands from the banners' buttons
    safety_fns = {}
    for action in ("ack", "reset"):
        topic = f"cmd/safety/{action}"
        safety_fns[action] = b.add(
            {
                "id": nid("fn", topic),
                "type": "function",
                "name": f"safety {action}",
                "func": SAFETY_CODE,
                "outputs": 1,
                "timeout": 0,
                "noerr": 0,
                "initialize": "",
                "finalize": "",
                "libs": [],
                "wires": [[b.mqtt_out(full(topic), f"safety {action}")["id"]]],
            },
            2,
        )
    route = b.add(
        {
            "id": nid("fn", "banner-buttons"),
            "type": "function",
            "name": "banner buttons",
            "func": "// Acknowledge (output 1) or reset (output 2) from an alarm banner\n"
            "return msg.topic === 'ack' ? [msg, null] : msg.topic === 'reset' ? [null, msg] : null;\n",
            "outputs": 2,
            "timeout": 0,
            "noerr": 0,
            "initialize": "",
            "finalize": "",
            "libs": [],
            "wires": [[safety_fns["ack"]["id"]], [safety_fns["reset"]["id"]]],
        },
        1,
    )
    for node in banners:
        node["wires"] = [[route["id"]]]

    # the model: every registry topic Node-RED reads -> one snapshot for the views
    notify = b.add(
        {
            "id": nid("notify"),
            "type": "ui-notification",
            "ui": base_id,
            "name": "trip notification",
            "position": "top right",
            "colorDefault": False,
            "color": "#c62828",
            "displayTime": "10",
            "showCountdown": True,
            "outputs": 0,
            "allowDismiss": True,
            "dismissText": "Close",
            "allowConfirm": False,
            "confirmText": "Confirm",
            "raw": False,
            "className": "",
            "wires": [],
        },
        3,
    )
    site_js = {
        "base": reg.base,
        "stale_s": STALE_S,
        "trend": _trend(reg),
        "trend_every_ms": 10000,
        "charts": [k for k, _t, _u in CHARTS],
        "commands": COMMANDS,
        "gauges": {t.path: [i, t.precision or 0] for i, (t, _g) in enumerate(gauges)},
    }
    model = b.add(
        {
            "id": nid("fn", "model"),
            "type": "function",
            "name": "dashboard model",
            "func": f"const SITE = {json.dumps(site_js, ensure_ascii=False)};\n"
            + (WIDGETS / "model.js").read_text(encoding="utf-8"),
            "outputs": 2 + len(CHARTS) + len(gauges),
            "timeout": 0,
            "noerr": 0,
            "initialize": "",
            "finalize": "",
            "libs": [],
            "wires": [
                [v["id"] for v in views],
                [notify["id"]],
                *[[c["id"]] for c in charts],
                *[[g["id"]] for _t, g in gauges],
            ],
        },
        1,
    )
    b.add(
        {
            "id": nid("tick"),
            "type": "inject",
            "name": "re-evaluate ages",
            "props": [{"p": "topic", "vt": "str"}],
            "repeat": "5",
            "crontab": "",
            "once": True,
            "onceDelay": "1",
            "topic": "__tick",
            "wires": [[model["id"]]],
        },
        0,
    )
    ins = {}
    for flt, dtype in (
        ("status", "utf8"),
        ("state/#", "json"),
        ("setpoints/+", "json"),
        ("setpoints/+/set/ack", "json"),
        ("cmd/safety/+/ack", "json"),
    ):
        ins[flt] = b.mqtt_in(full(flt), f"read {flt}", dtype)  # one subscription per filter (retained once)
        ins[flt]["wires"] = [[model["id"]]]

    # settings: the setpoint inputs (value in force shown, never passed through) and their acks
    b.page = pages["settings"]
    sp = b.group("Setpoints", 6)
    routes = []
    for name, s in reg.specs.items():
        topic = f"setpoints/{name}/set"
        fn = b.add(
            {
                "id": nid("fn", topic),
                "type": "function",
                "name": f"set {name}",
                "func": _set_code(name, s.kind, list(s.choices)),
                "outputs": 1,
                "timeout": 0,
                "noerr": 0,
                "initialize": "",
                "finalize": "",
                "libs": [],
                "wires": [[b.mqtt_out(full(topic), f"{name}/set")["id"]]],
            },
            2,
        )
        t = reg[f"setpoints/{name}"]
        label = t.label + (f" [{s.unit}]" if s.unit else "")
        common = {
            "name": name,
            "label": label,
            "tooltip": t.description,
            "className": "",
            "passthru": False,
            "topic": "topic",
            "topicType": "msg",
            "wires": [[fn["id"]]],
        }
        if s.kind == "float":
            w = {
                "id": nid("input", name),
                "type": "ui-number-input",
                **common,
                "min": 0 if s.zero_allowed else s.lo,
                "max": s.hi,
                "step": 1 if s.unit == "W" else 0.5,
                "delay": 300,
                "sendOnDelay": False,
                "sendOnBlur": True,
                "sendOnEnter": True,
                "clearable": False,
                "icon": "",
                "iconPosition": "left",
                "iconInnerPosition": "inside",
                "spinner": "default",
            }
        elif s.kind == "bool":
            w = {
                "id": nid("input", name),
                "type": "ui-switch",
                **common,
                "decouple": True,
                "style": "",
                "layout": "row-spread",
                "clickableArea": "switch",
                "onvalue": "true",
                "onvalueType": "bool",
                "onicon": "",
                "oncolor": "",
                "offvalue": "false",
                "offvalueType": "bool",
                "officon": "",
                "offcolor": "",
            }
        else:
            w = {
                "id": nid("input", name),
                "type": "ui-dropdown",
                **common,
                "multiple": False,
                "chips": False,
                "clearable": False,
                "options": [{"label": c, "value": c, "type": "str"} for c in s.choices],
                "payload": "",
                "typeIsComboBox": True,
                "msgTrigger": "onChange",
            }
        b.widget(sp, w)
        routes.append((full(f"setpoints/{name}"), w, "raw", s.unit))
    router = b.router("Setpoints", routes)
    ins["setpoints/+"]["wires"][0].append(router["id"])
    write_text = b.text(sp, "setpoints/ack-result", "last write")
    fmt = b.add(
        {
            "id": nid("fn", "setpoint-ack"),
            "type": "function",
            "name": "format setpoint ack",
            "func": ACK_CODE,
            "outputs": 1,
            "timeout": 0,
            "noerr": 0,
            "initialize": "",
            "finalize": "",
            "libs": [],
            "wires": [[write_text["id"]]],
        },
        1,
    )
    ins["setpoints/+/set/ack"]["wires"][0].append(fmt["id"])
    view("settings", "Values in force", 6, "values", {"topics": [f"setpoints/{n}" for n in reg.specs]})
    model["wires"][0] = [v["id"] for v in views]
    return b.nodes


def render(reg: Registry) -> str:
    return json.dumps(build_flows(reg), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    return site_generator_main(
        "thermiq.adapters.mqtt.nodered_flows",
        __doc__.splitlines()[0],
        REPO / "thermiq/sites/asp1.toml",
        FLOWS,
        lambda site: render(registry_for_site(site)),
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
