"""Node-RED node builders for the generated dashboard: ids, MQTT nodes, groups, widgets, routers.

Node ids are derived from names (:func:`nid`), so the generated flows.json is deterministic. The
function-node code here builds the command envelopes (``request_id``, ``issued_at``,
``value``/``target``) of docs/COMMUNICATION.md.
"""

from __future__ import annotations

import hashlib
import json

from thermiq.adapters.mqtt.registry import Registry


def nid(*parts: str) -> str:
    """Deterministic 16-hex Node-RED id."""
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:16]


class _Builder:
    def __init__(self, reg: Registry):
        self.reg = reg
        self.nodes: list[dict] = []
        self.tab = nid("tab")
        self.broker = nid("broker")
        self.page = nid("page")
        self.order: dict[str, int] = {}
        self.row = 0

    def add(self, node: dict, col: int = 0) -> dict:
        node.setdefault("z", self.tab)
        node.setdefault("x", 150 + 260 * col)
        node.setdefault("y", 40 + 40 * self.row)
        self.nodes.append(node)
        return node

    def mqtt_in(self, topic: str, name: str, datatype: str = "json") -> dict:
        return self.add(
            {
                "id": nid("in", topic),
                "type": "mqtt in",
                "name": name,
                "topic": topic,
                "qos": "1",
                "datatype": datatype,
                "broker": self.broker,
                "nl": False,
                "rap": True,
                "rh": 0,
                "inputs": 0,
                "wires": [[]],
            },
            0,
        )

    def mqtt_out(self, topic: str, name: str) -> dict:
        return self.add(
            {
                "id": nid("out", topic),
                "type": "mqtt out",
                "name": name,
                "topic": topic,
                "qos": "1",
                "retain": "false",
                "respTopic": "",
                "contentType": "",
                "userProps": "",
                "correl": "",
                "expiry": "",
                "broker": self.broker,
                "wires": [],
            },
            3,
        )

    def group(self, name: str, width: int = 6) -> str:
        gid = nid("group", self.page, name)
        self.order[gid] = 0
        self.nodes.append(
            {
                "id": gid,
                "type": "ui-group",
                "name": name,
                "page": self.page,
                "width": str(width),
                "height": "1",
                "order": len([n for n in self.nodes if n["type"] == "ui-group"]) + 1,
                "showTitle": True,
                "className": "",
                "visible": "true",
                "disabled": "false",
                "groupType": "default",
            }
        )
        return gid

    def widget(self, gid: str, node: dict) -> dict:
        self.order[gid] += 1
        node.update({"group": gid, "order": self.order[gid], "width": "0", "height": "0"})
        self.row += 1
        return self.add(node, 2)

    def text(self, gid: str, key: str, label: str) -> dict:
        return self.widget(
            gid,
            {
                "id": nid("text", key),
                "type": "ui-text",
                "name": key,
                "label": label,
                "format": "{{msg.payload}}",
                "layout": "row-spread",
                "style": False,
                "font": "",
                "fontSize": 14,
                "color": "#333333",
                "wrapText": False,
                "className": "",
                "value": "payload",
                "valueType": "msg",
                "wires": [],
            },
        )

    def gauge(self, gid: str, key: str, label: str, unit: str, lo: float, hi: float) -> dict:
        return self.widget(
            gid,
            {
                "id": nid("gauge", key),
                "type": "ui-gauge",
                "name": key,
                "gtype": "gauge-half",
                "gstyle": "needle",
                "title": label,
                "units": unit,
                "icon": "",
                "prefix": "",
                "suffix": "",
                "min": lo,
                "max": hi,
                "value": "payload",
                "valueType": "msg",
                "segments": [{"from": str(lo), "color": "#5cd65c"}],
                "sizeThickness": 16,
                "sizeGap": 4,
                "sizeKeyThickness": 8,
                "styleRounded": True,
                "styleGlow": False,
                "alwaysShowTitle": False,
                "floatingTitlePosition": "top-left",
                "className": "",
                "wires": [],
            },
        )

    def router(self, name: str, routes: list[tuple[str, dict, str, str | None]]) -> dict:
        """A function that sends each message to the widget of its topic, formatted.

        routes: (absolute topic, widget node, mode 'text'|'raw', unit)
        """
        table = {topic: [i, mode, unit] for i, (topic, _w, mode, unit) in enumerate(routes)}
        code = (
            "// Route a ThermIQ state message to its widget (generated by thermiq.adapters.mqtt.nodered_flows)\n"
            f"const ROUTES = {json.dumps(table, ensure_ascii=False)};\n"
            "const r = ROUTES[msg.topic];\n"
            "if (!r) { return null; }\n"
            "const out = new Array(" + str(len(routes)) + ").fill(null);\n"
            "const v = msg.payload;\n"
            "let p = v;\n"
            "if (r[1] === 'text') {\n"
            "    if (v === null || v === undefined) { p = 'invalid'; }\n"
            "    else if (typeof v === 'boolean') { p = v ? 'ON' : 'OFF'; }\n"
            "    else if (typeof v === 'number') { p = (Math.round(v * 100) / 100) + (r[2] ? ' ' + r[2] : ''); }\n"
            "    else if (typeof v === 'object') { p = JSON.stringify(v); }\n"
            "    else { p = String(v); }\n"
            "} else if (r[1] === 'list') { p = Array.isArray(v) ? v : []; }\n"
            "else if (v === null || v === undefined) { return null; }\n"
            "out[r[0]] = { topic: msg.topic, payload: p };\n"
            "return out;\n"
        )
        self.row += 1
        return self.add(
            {
                "id": nid("route", name),
                "type": "function",
                "name": f"route {name}",
                "func": code,
                "outputs": len(routes),
                "timeout": 0,
                "noerr": 0,
                "initialize": "",
                "finalize": "",
                "libs": [],
                "wires": [[w["id"]] for _t, w, _m, _u in routes],
            },
            1,
        )


def _set_code(name: str, kind: str, choices: list[str]) -> str:
    check = {
        "float": "typeof v !== 'number' || !isFinite(v)",
        "bool": "typeof v !== 'boolean'",
        "enum": f"!{json.dumps(choices)}.includes(v)",
    }[kind]
    return (
        "// Build the command envelope for setpoints/" + name + "/set (docs/COMMUNICATION.md, Commands)\n"
        "const v = msg.payload;\n"
        "if (" + check + ") { node.warn('" + name + ": refusing ' + JSON.stringify(v)); return null; }\n"
        "const now = Date.now();\n"
        "const rid = 'nr-' + now.toString(36) + '-' + Math.floor(Math.random() * 1e9).toString(36);\n"
        "return { payload: { request_id: rid, issued_at: now / 1000, value: v }, qos: 1, retain: false };\n"
    )


SAFETY_CODE = (
    '// Build a safety command envelope; msg.payload is the target (a trip id or "all")\n'
    "const target = (typeof msg.payload === 'string' && msg.payload) ? msg.payload : 'all';\n"
    "const now = Date.now();\n"
    "const rid = 'nr-' + now.toString(36) + '-' + Math.floor(Math.random() * 1e9).toString(36);\n"
    "return { payload: { request_id: rid, issued_at: now / 1000, target: target }, qos: 1, retain: false };\n"
)

ACK_CODE = (
    "// Show the outcome of the last command (ack payload: request_id, accepted, reason, value_in_force)\n"
    "const a = msg.payload || {};\n"
    "const what = msg.topic.split('/').slice(2, -1).join('/');\n"
    "msg.payload = what + ': ' + (a.accepted ? 'accepted' : 'refused (' + a.reason + ')');\n"
    "return msg;\n"
)
