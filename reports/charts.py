"""Small, accessible SVG charts for the dashboard and the PDF (no JavaScript, no inline styles).

Every chart is drawn from the same figures as the table printed beside it. Values that a breakdown
must not show (``reports.metrics.suppress``) come as None and are drawn as an empty bar marked
with a dash, its tooltip saying it is hidden.
"""

from html import escape

ACCENT = "#0b5d56"
LIGHT = "#9ec5fe"
GRID = "#dee2e6"
TEXT = "#212529"


def _number(value) -> tuple[float, str | None]:
    if isinstance(value, (int, float)):
        return float(value), f"{value:g}" if isinstance(value, float) else str(value)
    return 0.0, None


def bar_chart(
    *,
    title: str,
    labels: list[str],
    series: list[tuple[str, list]],
    width: int = 640,
    height: int = 240,
    hidden_label: str = "hidden",
) -> str:
    """A grouped bar chart: one group per label, one bar per series."""
    left, right, top, bottom = 36, 8, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [[_number(v) for v in values] for _name, values in series]
    peak = max([n for row in numbers for n, _ in row] + [1])
    step = _nice_step(peak)
    peak = step * max(1, -(-peak // step))
    group_w = plot_w / max(len(labels), 1)
    bar_w = max(min(group_w * 0.8 / max(len(series), 1), 28), 3)
    colours = [ACCENT, LIGHT, "#f0ad4e", "#6c757d"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" aria-label="{escape(title)}">',
        f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="{TEXT}">{escape(title)}</text>',
    ]
    ticks = int(peak // step)
    for i in range(ticks + 1):
        y = top + plot_h - plot_h * i / ticks
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="{TEXT}">'
            f"{int(step * i)}</text>"
        )
    for g, label in enumerate(labels):
        x0 = left + g * group_w + (group_w - bar_w * len(series)) / 2
        for s, row in enumerate(numbers):
            value, text = row[g]
            h = plot_h * value / peak
            x = x0 + s * bar_w
            y = top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{colours[s % len(colours)]}"><title>{escape(series[s][0])}, '
                f"{escape(label)}: {escape(text or hidden_label)}</title></rect>"
            )
            if text is None:
                parts.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 3:.1f}" font-size="8" '
                    f'text-anchor="middle" fill="{TEXT}">–</text>'
                )
        parts.append(
            f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}" '
            f'font-size="10" text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
        )
    legend_x = left
    for s, (name, _values) in enumerate(series):
        parts.append(
            f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" '
            f'fill="{colours[s % len(colours)]}"/>'
        )
        parts.append(
            f'<text x="{legend_x + 14}" y="{height - 5}" font-size="10" fill="{TEXT}">{escape(name)}</text>'
        )
        legend_x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def funnel_chart(*, title: str, steps: list[tuple[str, int]], width: int = 640) -> str:
    """Horizontal bars, one per step of the funnel, each with its count."""
    row_h, top = 26, 8
    # Room for the longest label (about 6.5 units a character at this size), so that a long
    # Swedish one ("Överlämnat till samverkansparten") is not cut off at the left edge.
    left = max(190, 16 + round(6.5 * max([len(label) for label, _count in steps] + [0])))
    height = top + row_h * len(steps) + 8
    peak = max([count for _label, count in steps] + [1])
    plot_w = width - left - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" aria-label="{escape(title)}">',
    ]
    for i, (label, count) in enumerate(steps):
        y = top + i * row_h
        w = plot_w * count / peak
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" font-size="11" text-anchor="end" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 8}" fill="{ACCENT}"/>'
        )
        parts.append(
            f'<text x="{left + w + 6:.1f}" y="{y + 16}" font-size="11" fill="{TEXT}">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _nice_step(peak: float) -> int:
    for step in (
        1,
        2,
        5,
        10,
        20,
        25,
        50,
        100,
        200,
        250,
        500,
        1000,
        2000,
        5000,
        10000,
        20000,
        50000,
    ):
        if peak / step <= 5:
            return step
    return int(peak // 5) or 1
