"""Read a report's figures as a hostile reader would: from the SVG inside each ``<img>``.

:func:`imprecise_values` maps every data mark of a figure (markers, error bars, bars) through
its axis (read from the tick marks and their labels) back to data units and returns the values
that are more precise than the report prints them. Used by the adversarial tests and the
figure-precision check of the demo reports.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

from bs4 import BeautifulSoup

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def figures(html: str) -> list[tuple[str, ET.Element]]:
    """``(alt text, parsed SVG)`` of every inline figure of a report page."""
    soup = BeautifulSoup(html, "html.parser")
    out = []
    for img in soup.find_all("img"):
        src = img.get("src", "")
        if src.startswith("data:image/svg+xml;base64,"):
            svg = base64.b64decode(src.split(",", 1)[1])
            out.append((img.get("alt", ""), ET.fromstring(svg)))
    return out


def _label_value(label: str) -> float | None:
    plain = (label.replace("\u2212", "-").replace("\u00a0", "").replace("\u202f", "")
             .replace(" ", "").replace("%", "").replace(",", "."))
    return float(plain) if _NUMBER.fullmatch(plain) else None


def _x_axis(axes: ET.Element) -> tuple[float, float] | None:
    """``(offset, scale)`` with ``value = offset + scale * x`` from the x ticks and labels."""
    ticks = []
    for group in axes.iter(f"{SVG}g"):
        if not group.get("id", "").startswith("xtick_"):
            continue
        # a tick's label is centred on it (its mark may be a grid line or absent)
        labels = [t for t in group.iter(f"{SVG}text") if "middle" in t.get("style", "")]
        value = _label_value("".join(labels[0].itertext())) if labels else None
        if value is not None:
            ticks.append((float(labels[0].get("x")), value))
    ticks = sorted(set(ticks))
    values = [v for _, v in ticks]
    if 0 in values and values != sorted(values):  # labels of distance from 0 (|−50| as 50)
        zero = values.index(0)
        ticks = [(x, -v if i < zero else v) for i, (x, v) in enumerate(ticks)]
    if len(ticks) < 2 or ticks[-1][0] == ticks[0][0]:
        return None
    (x0, v0), (x1, v1) = ticks[0], ticks[-1]
    scale = (v1 - v0) / (x1 - x0)
    return v0 - scale * x0, scale


def _marks(axes: ET.Element) -> list[float]:
    """x coordinates of the data marks: markers (``<use>``) outside ticks and legends, and
    the vertices of line and polygon collections (error bars, bars)."""
    xs: list[float] = []

    def walk(node: ET.Element, kind: str) -> None:
        own = node.get("id", "")
        if own.startswith(("xtick_", "ytick_", "legend", "matplotlib.axis")):
            return
        if own.startswith(("line2d_", "PathCollection_", "LineCollection_", "PolyCollection_")):
            kind = own.split("_")[0]
        if node.tag == f"{SVG}use" and kind in ("line2d", "PathCollection"):
            xs.append(float(node.get("x")))
        if node.tag == f"{SVG}path" and kind in ("LineCollection", "PolyCollection") \
                and node.get("d"):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", node.get("d"))]
            xs.extend(numbers[0::2])
        for child in node:
            walk(child, kind)

    walk(axes, "")
    return xs


def imprecise_values(svg: ET.Element, step: float) -> list[float]:
    """Values drawn in ``svg`` that are not multiples of ``step`` (the printed precision)."""
    found = []
    for axes in svg.iter(f"{SVG}g"):
        if not axes.get("id", "").startswith("axes_"):
            continue
        axis = _x_axis(axes)
        if axis is None:
            continue
        offset, scale = axis
        for x in _marks(axes):
            value = offset + scale * x
            if abs(value / step - round(value / step)) > 1e-3:
                found.append(value)
    return found
