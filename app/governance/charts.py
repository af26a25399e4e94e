"""Bar charts as SVG, drawn on the server: readable without JavaScript, each named for a screen reader."""

from __future__ import annotations

from markupsafe import Markup, escape

COLOURS = ("#1d70b8", "#00703c", "#d4351c", "#f47738", "#4c2c92", "#505a5f")
ROW, LABEL, BAR, GAP = 28, 140, 300, 8


def bar_chart(title: str, counts: dict[str, int], *, chart_id: str) -> Markup:
    """Return an SVG of horizontal bars, one per answer, with its count written beside it."""
    top = max(counts.values(), default=0) or 1
    height = GAP + ROW * max(len(counts), 1)
    rows = []
    for index, (label, count) in enumerate(counts.items()):
        y = GAP + index * ROW
        width = round(BAR * count / top)
        rows.append(
            f'<text x="{LABEL - 8}" y="{y + 17}" text-anchor="end" font-size="14" fill="#0b0c0c">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y + 3}" width="{width}" height="{ROW - 8}" fill="{COLOURS[index % len(COLOURS)]}"/>'
            f'<text x="{LABEL + width + 6}" y="{y + 17}" font-size="14" fill="#0b0c0c">{count}</text>'
        )
    if not counts:
        rows.append(f'<text x="8" y="{GAP + 17}" font-size="14" fill="#0b0c0c">No answers</text>')
    summary = ", ".join(f"{label}: {count}" for label, count in counts.items()) or "no answers"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="countersign-chart" viewBox="0 0 {LABEL + BAR + 50} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" width="100%" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(summary)}</desc>'
        + "".join(rows) + "</svg>"
    )
