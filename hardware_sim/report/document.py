"""A report as a list of blocks, rendered to markdown and to self-contained HTML (PNGs inlined).

Blocks: ``("h1"|"h2", text)``, ``("p", text)``, ``("table", header, rows)``, ``("list", items)``,
``("img", path, caption)``. One document, two renderings: the two files cannot drift apart.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1300px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}"
    "td{text-align:right}td.t{text-align:left}td:first-child,th:first-child{text-align:left}th{background:#f0f0f0}"
    "img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}figcaption{color:#555}"
    "li{font-family:monospace}"
)


def to_markdown(blocks: list[tuple]) -> str:
    """Markdown of the blocks; images are links to the PNG next to the file."""
    out: list[str] = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2"):
            out += [("# " if kind == "h1" else "## ") + rest[0], ""]
        elif kind == "p":
            out += [rest[0], ""]
        elif kind == "table":
            header, rows = rest
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
            out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
            out.append("")
        elif kind == "list":
            out += [f"- {item}" for item in rest[0]] or ["none"]
            out.append("")
        elif kind == "img":
            path, caption = rest
            out += [f"![{caption}]({Path(path).name})", ""]
    return "\n".join(out)


def _td(text: str) -> str:
    """A table cell: figures right-aligned, text left, a relative ``.html`` path as a link."""
    if text.endswith(".html") and " " not in text:
        return f'<td class="t"><a href="{html.escape(text)}">{html.escape(text)}</a></td>'
    numeric = text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit() or text == "n/a"
    return f"<td>{html.escape(text)}</td>" if numeric else f'<td class="t">{html.escape(text)}</td>'


def _img(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(Path(path).name)}">'


def to_html(blocks: list[tuple], title: str) -> str:
    """A self-contained HTML page of the blocks (charts embedded as base64 PNG)."""
    e = html.escape
    out = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>{CSS}</style></head><body>"
    ]
    for kind, *rest in blocks:
        if kind in ("h1", "h2"):
            out.append(f"<{kind}>{e(rest[0])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{e(rest[0])}</p>")
        elif kind == "table":
            header, rows = rest
            out.append("<table><tr>" + "".join(f"<th>{e(str(h))}</th>" for h in header) + "</tr>")
            out += ["<tr>" + "".join(_td(str(c)) for c in row) + "</tr>" for row in rows]
            out.append("</table>")
        elif kind == "list":
            out.append(
                "<ul>" + "".join(f"<li>{e(str(i))}</li>" for i in rest[0]) + "</ul>" if rest[0] else "<p>none</p>"
            )
        elif kind == "img":
            path, caption = rest
            out.append(f"<figure>{_img(path)}<figcaption>{e(caption)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out)


def write_document(out_dir: Path, stem: str, blocks: list[tuple], title: str) -> tuple[Path, Path]:
    """Write ``stem.md`` and ``stem.html`` into ``out_dir``; returns both paths."""
    md, page = out_dir / f"{stem}.md", out_dir / f"{stem}.html"
    md.write_text(to_markdown(blocks), encoding="utf-8")
    page.write_text(to_html(blocks, title), encoding="utf-8")
    return md, page
