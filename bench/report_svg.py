"""Hand-written SVG charts for bench/report.py (standard library only).

Two kinds: grouped bars (latency percentiles per path, memory per profile)
and small line panels (throughput against pool size, one panel per tool).
Every chart is a complete SVG document that any XML parser reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence
from xml.sax.saxutils import escape, quoteattr

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
           "#edc948"]
AXIS = "#444444"
GRID = "#dddddd"


class Svg:
    """An SVG document built element by element."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.parts: list[str] = []

    def text(self, x: float, y: float, s: str, size: int = 12,
             anchor: str = "start", weight: str = "normal",
             fill: str = "#222222", rotate: Optional[float] = None) -> None:
        transform = (f' transform="rotate({rotate:.0f} {x:.1f} {y:.1f})"'
                     if rotate is not None else "")
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" '
            f'text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}"{transform}>{escape(s)}</text>')

    def rect(self, x: float, y: float, w: float, h: float, fill: str,
             title: Optional[str] = None) -> None:
        tip = f"<title>{escape(title)}</title>" if title else ""
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
            f'height="{max(h, 0):.1f}" fill="{fill}">{tip}</rect>')

    def line(self, x1: float, y1: float, x2: float, y2: float,
             stroke: str = AXIS, width: float = 1,
             dash: Optional[str] = None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{stroke}" stroke-width="{width}"{d}/>')

    def polyline(self, points: Sequence[tuple[float, float]], stroke: str,
                 width: float = 2, dash: Optional[str] = None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self.parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{stroke}" '
            f'stroke-width="{width}"{d}/>')

    def circle(self, x: float, y: float, r: float, fill: str,
               title: Optional[str] = None) -> None:
        tip = f"<title>{escape(title)}</title>" if title else ""
        self.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" '
                          f'fill="{fill}">{tip}</circle>')

    def render(self) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" '
                f'width="{self.width}" height="{self.height}" '
                f'viewBox="0 0 {self.width} {self.height}" '
                f'font-family={quoteattr("DejaVu Sans, Helvetica, Arial, sans-serif")}>')
        background = (f'<rect x="0" y="0" width="{self.width}" '
                      f'height="{self.height}" fill="#ffffff"/>')
        return "\n".join([head, background, *self.parts, "</svg>"]) + "\n"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2 or 5 x 10^k)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def short_number(x: float) -> str:
    """123 -> "123", 1234 -> "1234", 0.5 -> "0.5", 12.34 -> "12.3"."""
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _legend_entry(svg: Svg, name: str, color: str, x: float, y: float,
                  dashed: bool = False) -> None:
    if dashed:
        svg.line(x, y - 4, x + 18, y - 4, color, 2, "5,3")
    else:
        svg.rect(x, y - 10, 18, 10, color)
    svg.text(x + 24, y, name, size=11)


@dataclass
class BarChart:
    """Bars of several series side by side in each group."""

    title: str
    subtitle: str
    groups: list[str]
    series: list[str]
    # values[series][group]; None leaves a gap.
    values: list[list[Optional[float]]]
    unit: str
    width: int = 760
    height: int = 380
    label: Callable[[float], str] = short_number

    def render(self) -> str:
        svg = Svg(self.width, self.height)
        left, right, top, bottom = 64, 190, 58, 46
        plot_w = self.width - left - right
        plot_h = self.height - top - bottom
        svg.text(left, 22, self.title, size=15, weight="bold")
        svg.text(left, 40, self.subtitle, size=11, fill="#555555")
        present = [v for row in self.values for v in row if v is not None]
        ticks = nice_ticks(max(present, default=1.0) * 1.08)
        y_max = ticks[-1]

        def y_of(v: float) -> float:
            return top + plot_h - v / y_max * plot_h

        for t in ticks:
            svg.line(left, y_of(t), left + plot_w, y_of(t), GRID)
            svg.text(left - 6, y_of(t) + 4, short_number(t), size=10,
                     anchor="end")
        svg.text(16, top + plot_h / 2, self.unit, size=11, anchor="middle",
                 rotate=-90)
        group_w = plot_w / max(len(self.groups), 1)
        bar_w = group_w * 0.8 / max(len(self.series), 1)
        for g, group in enumerate(self.groups):
            x0 = left + g * group_w + group_w * 0.1
            for s, name in enumerate(self.series):
                v = self.values[s][g]
                if v is None:
                    continue
                x = x0 + s * bar_w
                svg.rect(x + 1, y_of(v), bar_w - 2, top + plot_h - y_of(v),
                         PALETTE[s % len(PALETTE)],
                         f"{name}, {group}: {self.label(v)} {self.unit}")
                svg.text(x + bar_w / 2, y_of(v) - 3, self.label(v), size=9,
                         anchor="middle")
            svg.text(left + g * group_w + group_w / 2, top + plot_h + 16,
                     group, size=11, anchor="middle")
        svg.line(left, top + plot_h, left + plot_w, top + plot_h)
        svg.line(left, top, left, top + plot_h)
        for i, name in enumerate(self.series):
            _legend_entry(svg, name, PALETTE[i % len(PALETTE)],
                          left + plot_w + 16, top + 10 + i * 17)
        return svg.render()


@dataclass
class Line:
    """One line of a panel: a value per x position (None: no point)."""

    name: str
    ys: list[Optional[float]]
    color: str
    dashed: bool = False


@dataclass
class Panel:
    title: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class LinePanels:
    """Small panels side by side sharing the x categories (e.g. pool sizes)."""

    title: str
    subtitle: str
    xs: list[str]
    x_label: str
    y_label: str
    panels: list[Panel]
    width: int = 900
    height: int = 340

    def render(self) -> str:
        svg = Svg(self.width, self.height)
        svg.text(20, 22, self.title, size=15, weight="bold")
        svg.text(20, 40, self.subtitle, size=11, fill="#555555")
        legend_lines: list[Line] = []
        for panel in self.panels:
            for ln in panel.lines:
                if ln.name not in [x.name for x in legend_lines]:
                    legend_lines.append(ln)
        n = max(len(self.panels), 1)
        top, bottom, gap, left0 = 70, 58, 36, 56
        panel_w = (self.width - left0 - 20 - gap * (n - 1)) / n
        plot_h = self.height - top - bottom
        for p, panel in enumerate(self.panels):
            left = left0 + p * (panel_w + gap)
            present = [y for ln in panel.lines for y in ln.ys if y is not None]
            ticks = nice_ticks(max(present, default=1.0) * 1.1, 4)
            y_max = ticks[-1]

            def y_of(v: float) -> float:
                return top + plot_h - v / y_max * plot_h

            def x_of(i: int) -> float:
                return left + (i + 0.5) * panel_w / max(len(self.xs), 1)

            svg.text(left + panel_w / 2, top - 10, panel.title, size=12,
                     anchor="middle", weight="bold")
            for t in ticks:
                svg.line(left, y_of(t), left + panel_w, y_of(t), GRID)
                svg.text(left - 5, y_of(t) + 4, short_number(t), size=10,
                         anchor="end")
            for i, x in enumerate(self.xs):
                svg.text(x_of(i), top + plot_h + 15, x, size=11,
                         anchor="middle")
            svg.text(left + panel_w / 2, top + plot_h + 32, self.x_label,
                     size=11, anchor="middle")
            svg.line(left, top + plot_h, left + panel_w, top + plot_h)
            svg.line(left, top, left, top + plot_h)
            for ln in panel.lines:
                pts = [(x_of(i), y_of(y)) for i, y in enumerate(ln.ys)
                       if y is not None]
                svg.polyline(pts, ln.color, 1.5 if ln.dashed else 2.5,
                             "5,3" if ln.dashed else None)
                if not ln.dashed:
                    for (x, y), v in zip(pts, [y for y in ln.ys
                                               if y is not None]):
                        svg.circle(x, y, 3.5, ln.color,
                                   f"{ln.name}: {short_number(v)}")
        svg.text(14, top + plot_h / 2, self.y_label, size=11,
                 anchor="middle", rotate=-90)
        for i, ln in enumerate(legend_lines):
            _legend_entry(svg, ln.name, ln.color, left0 + i * 165,
                          self.height - 12, ln.dashed)
        return svg.render()
