"""Server-side SVG charts of Insights: no script, no CDN. Each chart is an accessible image (role="img", a
<title> and an aria-label) that scales to its container's width (viewBox, width 100%), so it fits a phone."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .insights import Chart

WIDTH = 640
COLOURS = ("#0d6efd", "#fd7e14", "#198754", "#6f42c1")


def _number(value: Decimal) -> str:
    return f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"


def _open(chart: Chart, height: int) -> list[str]:
    label = escape(chart.title + (f" ({chart.unit})" if chart.unit else ""))
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{label}" preserveAspectRatio="xMidYMid meet" style="max-width:100%;height:auto" '
        f'data-chart="{escape(chart.slug)}">',
        f"<title>{label}</title>",
    ]


def _legend(chart: Chart, y: int) -> list[str]:
    parts, x = [], 48
    for index, (name, _values) in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y}" font-size="12">{escape(name)}</text>')
        x += 24 + 8 * len(name)
    return parts


def bars(chart: Chart) -> SafeString:
    """Vertical grouped bars, one group per label (months, weeks, buckets)."""
    if chart.horizontal:
        return horizontal(chart)
    height, top, bottom, left = 260, 20, 50, 48
    plot_h, plot_w = height - top - bottom, WIDTH - left - 10
    values = [value for _name, series in chart.series for value in series]
    high = max([value for value in values if value > 0], default=Decimal(0))
    low = min([value for value in values if value < 0], default=Decimal(0))
    span = (high - low) or Decimal(1)
    zero_y = top + float(high / span) * plot_h
    parts = _open(chart, height)
    parts.append(f'<line x1="{left}" y1="{zero_y:.1f}" x2="{WIDTH - 10}" y2="{zero_y:.1f}" stroke="#6c757d"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 4}" font-size="11" text-anchor="end">{_number(high)}</text>')
    if low:
        parts.append(f'<text x="{left - 4}" y="{top + plot_h}" font-size="11" text-anchor="end">{_number(low)}</text>')
    groups = max(len(chart.labels), 1)
    group_w = plot_w / groups
    bar_w = max(group_w * 0.8 / max(len(chart.series), 1), 1)
    step = max(1, groups // 6)
    for i, label in enumerate(chart.labels):
        x0 = left + i * group_w + group_w * 0.1
        for s, (name, series) in enumerate(chart.series):
            value = series[i]
            h = float(abs(value) / span) * plot_h
            y = zero_y - h if value >= 0 else zero_y
            parts.append(
                f'<rect x="{x0 + s * bar_w:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(label)} · {escape(name)}: '
                f"{_number(value)}</title></rect>"
            )
        if i % step == 0:
            parts.append(
                f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" font-size="11" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts += _legend(chart, height - 8)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def horizontal(chart: Chart) -> SafeString:
    """Horizontal bars, one per label (top ten lists), the label above its bar."""
    name, series = chart.series[0]
    row_h, top = 30, 10
    height = top + row_h * max(len(chart.labels), 1) + 10
    high = max([abs(value) for value in series], default=Decimal(0)) or Decimal(1)
    plot_w = WIDTH - 20
    parts = _open(chart, height)
    if not chart.labels:
        parts.append(f'<text x="10" y="{top + 14}" font-size="12">—</text>')
    for i, label in enumerate(chart.labels):
        value = series[i]
        y = top + i * row_h
        w = float(abs(value) / high) * (plot_w * 0.75)
        parts.append(f'<text x="10" y="{y + 11}" font-size="11">{escape(label[:60])}</text>')
        parts.append(
            f'<rect x="10" y="{y + 14}" width="{max(w, 1):.1f}" height="10" fill="{COLOURS[0]}">'
            f"<title>{escape(label)} · {escape(name)}: {_number(value)}</title></rect>"
        )
        parts.append(f'<text x="{14 + w:.1f}" y="{y + 23}" font-size="11">{_number(value)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
