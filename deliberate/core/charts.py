"""Geometry for small server-drawn SVG charts: pure arithmetic, whole-number coordinates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, value and length in chart units."""

    label: str
    value: int
    length: int


def bars(items: list[tuple[str, int]], width: int) -> list[Bar]:
    """Bars scaled so the largest value fills ``width``; a non-zero value is at least 1 unit."""
    top = max((value for _, value in items), default=0)
    if top <= 0:
        return [Bar(label, value, 0) for label, value in items]
    return [
        Bar(label, value, max(1, value * width // top) if value > 0 else 0)
        for label, value in items
    ]


def line_points(values: list[int], width: int, height: int) -> str:
    """An SVG polyline 'x,y x,y ...' for cumulative values, origin bottom-left."""
    if not values:
        return ""
    top = max(max(values), 1)
    step = width / max(len(values) - 1, 1)
    points = [(round(i * step), height - value * height // top) for i, value in enumerate(values)]
    if len(points) == 1:
        points.append((width, points[0][1]))
    return " ".join(f"{x},{y}" for x, y in points)


def percent(part: int, whole: int) -> int:
    """Whole percent of ``part`` in ``whole``, capped at 100; 0 when ``whole`` is 0."""
    if whole <= 0:
        return 100 if part > 0 else 0
    return min(100, part * 100 // whole)
