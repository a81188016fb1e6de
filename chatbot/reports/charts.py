"""Charts drawn on the server as SVG: no charting library, no script, nothing fetched from a CDN, and the
numbers are in the page's text too (each bar has a <title>, read by screen readers and shown on hover)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from chatbot.core import messages
from chatbot.reports.build import DayCount

WIDTH, HEIGHT, AXIS = 640, 200, 24  # pixels; the SVG scales to its container


def daily_chart(days: Sequence[DayCount], lang: str = "ja") -> str:
    """Stacked bars per day: answered (dark) under unanswered (light), scaled to the busiest day."""
    if not days:
        return ""
    peak = max((d.answered + d.fallback for d in days), default=0) or 1
    step = WIDTH / len(days)
    bar = max(step * 0.7, 1.0)
    scale = (HEIGHT - AXIS) / peak
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(messages.text("report_daily", lang))}" xmlns="http://www.w3.org/2000/svg">']
    for n, day in enumerate(days):
        x = n * step + (step - bar) / 2
        answered, fallback = day.answered * scale, day.fallback * scale
        label = escape(f"{day.day.isoformat()} {messages.text('report_answered', lang)} {day.answered} / "
                       f"{messages.text('report_fallback', lang)} {day.fallback}")
        base = HEIGHT - AXIS
        parts.append(f'<g><title>{label}</title>'
                     f'<rect class="answered" x="{x:.1f}" y="{base - answered:.1f}" width="{bar:.1f}" '
                     f'height="{answered:.1f}"/>'
                     f'<rect class="fallback" x="{x:.1f}" y="{base - answered - fallback:.1f}" width="{bar:.1f}" '
                     f'height="{fallback:.1f}"/></g>')
    for n in sorted({0, len(days) // 2, len(days) - 1}):
        x = n * step + step / 2
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                     f'{days[n].day.month}/{days[n].day.day}</text>')
    parts.append("</svg>")
    return "".join(parts)
