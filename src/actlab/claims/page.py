"""The claims page: one self-contained HTML file (figures embedded as base64 PNG, no
external URL), and reproduce.json with every number."""

from __future__ import annotations

import base64
import json
from html import escape
from pathlib import Path

from ..report.html import CSS

# the summary's long text cells wrap instead of widening the page past the screen
WRAP = "td.l{white-space:normal;vertical-align:top;max-width:28em}"

COLORS = {
    "holds": "#1a7f37",
    "holds in direction only": "#9a6700",
    "inconclusive": "#57606a",
    "does not hold": "#cf222e",
}


def _img(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(Path(path).stem)}">'
        f"<figcaption>{escape(Path(path).name)}</figcaption></figure>"
    )


def _verdict(v: str) -> str:
    return f'<b style="color:{COLORS.get(v, "#222")}">{escape(v)}</b>'


def write_json(results, out_dir) -> Path:
    path = Path(out_dir) / "reproduce.json"
    path.write_text(json.dumps([r.to_dict() for r in results], indent=1) + "\n")
    return path


def write_page(results, out_dir) -> Path:
    rows = "".join(
        f'<tr><td class="l"><a href="#{escape(r.name)}">{escape(r.name)}</a></td>'
        f'<td class="l">{escape(r.source)}</td><td class="l">{escape(r.published)}</td>'
        f'<td class="l">{escape(r.measured)}</td><td class="l">{_verdict(r.verdict)}</td></tr>'
        for r in results
    )
    table = (
        "<table><tr><th>claim</th><th>source</th><th>published</th>"
        "<th>measured (95% CI across seeds)</th><th>verdict</th></tr>" + rows + "</table>"
    )
    sections = []
    for r in results:
        lines = "".join(f"<li>{escape(x)}</li>" for x in r.lines)
        figs = "".join(_img(p) for p in r.figures if Path(p).suffix == ".png" and Path(p).exists())
        parts = "".join(f"<li>{escape(x)}</li>" for x in r.parts)
        reason = (
            f"<p><b>Decided from.</b></p><ul>{parts}</ul>"
            f'<p class="muted"><b>Rule.</b> {escape(r.rule)}</p>'
        )
        sections.append(
            f'<section id="{escape(r.name)}"><h2>{escape(r.name)}</h2>'
            f"<p><b>Claim.</b> {escape(r.claim)}</p><p><b>Source.</b> {escape(r.source)}; "
            f"<b>published:</b> {escape(r.published)}</p><p><b>Setup here.</b> {escape(r.setup)}"
            f"{' (quick mode: for tests, not for conclusions)' if r.quick else ''}</p>"
            f"<p><b>Measured.</b> {escape(r.measured)}</p><p><b>Verdict.</b> "
            f'{_verdict(r.verdict)} <span class="muted">({r.seconds:.1f} s)</span></p>{reason}'
            f"<ul>{lines}</ul>{figs}</section>"
        )
    quick = any(r.quick for r in results)
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>actlab reproductions</title><style>{CSS}{WRAP}</style></head><body>"
        "<h1>actlab reproductions</h1><p>Published claims checked at small scale. Every "
        "verdict is computed from the measurement (95% t-interval across seeds): an interval "
        "that straddles the threshold is inconclusive; none is written in advance."
        + (" <b>Quick mode</b>: tiny runs for tests, not for conclusions." if quick else "")
        + "</p>"
        + table
        + "\n".join(sections)
        + "</body></html>\n"
    )
    path = Path(out_dir) / "reproduce.html"
    path.write_text(html)
    return path
