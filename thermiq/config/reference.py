"""Generate ``docs/config_reference.md`` from the pydantic site schema (every option, no hand edits).

For every section of :class:`thermiq.config.schema.ThermiqConfig` and every option in it: the TOML
key, type, default (or *required*), unit, allowed range and description, plus the cross-field
checks of the section's validators. The unit comes from the name suffix (the project's naming
rule, docs/nomenclature.md), the range from the field's ``ge/gt/le/lt/min_length/max_length/
pattern`` constraints, the text from ``Field(description=...)`` and the class docstring.

Run ``python -m thermiq.config.reference`` to rewrite the file, ``--check`` to exit 1 when it is
out of date (``tests/cabinet/test_config_reference.py`` does the same).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
import textwrap
import typing
from pathlib import Path

import annotated_types as at
from pydantic import BaseModel

from thermiq.config.schema import ThermiqConfig

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "docs" / "config_reference.md"

#: name suffix -> unit, longest first (docs/nomenclature.md)
UNIT_SUFFIXES = (
    ("_w_per_s", "W/s"),
    ("_k_per_s", "K/s"),
    ("_kwh", "kWh"),
    ("_pct", "%"),
    ("_frac", "1 (0..1)"),
    ("_deg", "°"),
    ("_ms", "ms"),
    ("_ths", "TH/s"),
    ("_c", "°C"),
    ("_k", "K"),
    ("_s", "s"),
    ("_w", "W"),
    ("_v", "V"),
)


def unit_of(name: str) -> str:
    """The unit a field name declares by its suffix, or ``""`` (dimensionless, text, flags).

    >>> unit_of("power_ramp_w_per_s"), unit_of("dhw_trip_c"), unit_of("port")
    ('W/s', '°C', '')
    """
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return ""


def type_name(annotation) -> str:
    """Readable type of a field annotation (``float``, ``"auto" | "manual"``, ``[[miners]] table``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in typing.get_args(annotation))
    if origin is tuple:
        inner = typing.get_args(annotation)[0]
        return f"array of {type_name(inner)}"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " \\| ".join(type_name(a) for a in typing.get_args(annotation))
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return "table"
    return getattr(annotation, "__name__", str(annotation))


def range_of(field) -> str:
    """The constraints of a pydantic field as text (``>= 0, <= 100``; ``1..8 entries``; ``pattern``)."""
    parts = []
    for m in field.metadata:
        if isinstance(m, at.Ge):
            parts.append(f">= {m.ge:g}")
        elif isinstance(m, at.Gt):
            parts.append(f"> {m.gt:g}")
        elif isinstance(m, at.Le):
            parts.append(f"<= {m.le:g}")
        elif isinstance(m, at.Lt):
            parts.append(f"< {m.lt:g}")
        elif isinstance(m, at.MinLen):
            parts.append(f">= {m.min_length} entries")
        elif isinstance(m, at.MaxLen):
            parts.append(f"<= {m.max_length} entries")
        elif getattr(m, "pattern", None):
            parts.append(f"matches `{m.pattern}`")
    if typing.get_origin(field.annotation) is typing.Literal:
        parts.append("one of the listed values")
    return ", ".join(parts)


def default_of(field) -> str:
    if field.is_required():
        return "*required*"
    value = field.default
    if isinstance(value, BaseModel):
        return "(section defaults)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value!r}`"


def cross_checks(model: type[BaseModel]) -> list[str]:
    """Error messages of the model's ``model_validator``s, read from their source (placeholders as ...)."""
    out = []
    for dec in model.__pydantic_decorators__.model_validators.values():
        tree = ast.parse(textwrap.dedent(inspect.getsource(dec.func)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                msg = node.exc.args[0]
                if isinstance(msg, ast.JoinedStr):
                    out.append("".join(v.value if isinstance(v, ast.Constant) else "…" for v in msg.values))
                elif isinstance(msg, ast.Constant):
                    out.append(str(msg.value))
    return out


def _section_model(annotation) -> tuple[type[BaseModel] | None, bool]:
    """(model, is_array) when a top-level field is a table or an array of tables."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation, False
    if typing.get_origin(annotation) is tuple:
        inner = typing.get_args(annotation)[0]
        if inspect.isclass(inner) and issubclass(inner, BaseModel):
            return inner, True
    return None, False


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _table(model: type[BaseModel]) -> list[str]:
    rows = ["| key | type | default | unit | range | description |", "|---|---|---|---|---|---|"]
    for name, f in model.model_fields.items():
        rows.append(
            f"| `{name}` | {type_name(f.annotation)} | {default_of(f)} | {unit_of(name)} "
            f"| {_cell(range_of(f))} | {_cell(f.description)} |"
        )
    checks = cross_checks(model)
    if checks:
        rows += ["", "Checked at load: " + "; ".join(_cell(c) for c in checks) + "."]
    return rows


def _subsections(prefix: str, model: type[BaseModel]) -> list[str]:
    """``### [prefix.key]`` tables for the nested sections of a section (optional ones included)."""
    out: list[str] = []
    for name, f in model.model_fields.items():
        args = [a for a in typing.get_args(f.annotation) if a is not type(None)]
        sub, is_array = _section_model(args[0] if len(args) == 1 else f.annotation)
        if sub is None:
            continue
        header = f"[[{prefix}.{name}]]" if is_array else f"[{prefix}.{name}]"
        out += [f"### `{header}`", ""]
        if sub.__doc__:
            out += [inspect.getdoc(sub), ""]
        out += _table(sub) + [""] + _subsections(f"{prefix}.{name}", sub)
    return out


def render(root: type[BaseModel] = ThermiqConfig) -> str:
    """The configuration reference as Markdown (deterministic)."""
    out = [
        "# Configuration reference",
        "",
        "<!-- generated from thermiq/config/schema.py by `python -m thermiq.config.reference`; do not edit -->",
        "",
        "One TOML file per site (ASP1: `thermiq/sites/asp1.toml`, installed as `/etc/thermiq/site.toml`).",
        "Unknown sections and keys are errors; every bound below is checked at load, and",
        "`thermiq check-config --config <file>` runs the same validation without hardware.",
        "Units follow the name suffix (docs/nomenclature.md). *required* keys have no default.",
        "",
    ]
    top_scalars = []
    for name, f in root.model_fields.items():
        model, is_array = _section_model(f.annotation)
        if model is None:
            top_scalars.append((name, f))
            continue
        header = f"[[{name}]]" if is_array else f"[{name}]"
        need = "required" if f.is_required() else "optional"
        extra = f", {range_of(f)}" if is_array and range_of(f) else ""
        out += [f"## `{header}`", "", f"*{need}{extra}; schema `{model.__name__}`*", ""]
        doc = inspect.getdoc(model)
        if doc and model.__doc__:  # own docstring only, not BaseModel's
            out += [doc, ""]
        out += _table(model) + [""] + _subsections(name, model)
    if top_scalars:
        out += [
            "## Top-level keys",
            "",
            "| key | type | default | unit | range | description |",
            "|---|---|---|---|---|---|",
        ]
        for name, f in top_scalars:
            out.append(
                f"| `{name}` | {type_name(f.annotation)} | {default_of(f)} | {unit_of(name)} "
                f"| {_cell(range_of(f))} | {_cell(f.description)} |"
            )
        out.append("")
    checks = cross_checks(root)
    if checks:
        out += ["Checked at load (whole file): " + "; ".join(_cell(c) for c in checks) + ".", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """CLI: write the reference (default) or ``--check`` it (exit 1 when out of date)."""
    ap = argparse.ArgumentParser(prog="python -m thermiq.config.reference", description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if the file differs")
    args = ap.parse_args(argv)
    text, out = render(), Path(args.out)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{out} is out of date; run python -m thermiq.config.reference\n")
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
