"""The look every report figure shares: fonts, layout, palettes, number ticks and jitter.

Figures are drawn once, as SVG with their text kept as text (``svg.fonttype: none``): sharp on
screen, on a phone and on paper, and a fraction of the bytes and the drawing time of a
high-resolution PNG. Their size is fixed by ``figsize`` and laid out by matplotlib's constrained
layout, never cropped to a tight bounding box (which draws each figure twice).

Colours are chosen to be told apart by readers with colour-vision deficiencies and in grey print:
one blue ramp for ordered categories, ColorBrewer's RdBu (listed as colour-blind safe) with a
visible grey for the neutral answer, and a dark blue against a mid grey where a provider is
shown beside the network (also told apart by marker shape).
"""

from __future__ import annotations

import contextlib
import math
import textwrap
import time
from collections.abc import Iterator, Sequence

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.ticker import Formatter  # noqa: E402

from strapetsi_lib.present.i18n import number, percent  # noqa: E402

#: The provider in its own figures, and the network beside it.
HIGHLIGHT = "#0b5394"
NETWORK = "#7f7f7f"
#: A clear change for the worse, whichever way its dimension points (an improvement is drawn in
#: HIGHLIGHT): the red end of the answers' RdBu, so that red means worse in every figure.
WORSE = "#b2182b"
#: The neutral answer of an agreement scale: a grey that shows against white (also its legend
#: swatch) and in grey print.
NEUTRAL = "#b0b0b0"
#: Sequential colour map of means (single hue: readable with any colour vision and in grey).
MEAN_CMAP = "Blues"
#: Fonts the SVG asks for: matplotlib lays text out with DejaVu Sans, and Verdana (on most
#: readers' computers) has nearly the same widths, so labels keep their place in the browser.
FONT_FAMILY = ["DejaVu Sans", "Verdana", "Geneva", "sans-serif"]
#: The size of the figures' text, relative to seaborn's "notebook" context.
FONT_SCALE = 0.95

# Every report figure is laid out for the narrowest screen and the printed page at once, so
# that one drawing serves both (docs/architecture.md, "Phones, paper and PDF"):
#
# * On a phone 390 CSS px wide the text column is 366 px; a figure FIGURE_WIDTH inches wide
#   (72 SVG units an inch) scales to 366 / (72 * FIGURE_WIDTH) = 0.94 of its points, so text of
#   MIN_FONT_SIZE points reads at 9.4 px (9.0 px even on a 375 px screen).
# * Printed on A4 (178 mm of text width) the figure keeps its size (518 px of 673), so text of
#   MIN_FONT_SIZE points prints at 10 pt, and a figure no taller than MAX_FIGURE_HEIGHT fits
#   one page (259 mm of text height) with its caption.
#
# tests/test_print.py measures both in Chromium.

#: The width of every report figure, in inches.
FIGURE_WIDTH = 5.4
#: The smallest text a figure may draw, in points (tick labels, cell labels, legends).
MIN_FONT_SIZE = 10.0
#: The tallest a figure may be, in inches; a taller one is drawn as parts (see
#: :func:`page_parts`).
MAX_FIGURE_HEIGHT = 8.8
#: Average width of a character of the figures' font (DejaVu Sans), in ems: what label
#: wrapping (:func:`wrap_chars`) counts with.
_CHAR_EM = 0.58
#: The figures' theme: what ``seaborn.set_theme(style="whitegrid", context="notebook",
#: font_scale=FONT_SCALE)`` sets (seaborn 0.13: its "whitegrid" style, its "notebook" context
#: with the font sizes scaled, and its "deep" colour cycle), written out as matplotlib settings so
#: that a provider report imports neither seaborn nor, through it, scipy (a second and a half
#: of every batch run's start, in the kernel server). Left out: the default colour map
#: ("rocket", which only seaborn registers; every report figure names its map) and seaborn's
#: single-letter colour codes (no report figure uses one). ``tests/test_figures.py`` checks
#: that these are seaborn's settings.
THEME = {
    # style "whitegrid"
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.facecolor": "white",
    "axes.grid": True, "axes.labelcolor": ".15", "axes.spines.bottom": True,
    "axes.spines.left": True, "axes.spines.right": True, "axes.spines.top": True,
    "figure.facecolor": "white", "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "grid.color": ".8", "grid.linestyle": "-", "lines.solid_capstyle": "round",
    "patch.edgecolor": "w", "patch.force_edgecolor": True, "text.color": ".15",
    "xtick.bottom": False, "xtick.color": ".15", "xtick.direction": "out", "xtick.top": False,
    "ytick.color": ".15", "ytick.direction": "out", "ytick.left": False, "ytick.right": False,
    # context "notebook"
    "axes.labelsize": 12 * FONT_SCALE, "axes.linewidth": 1.25, "axes.titlesize": 12 * FONT_SCALE,
    "font.size": 12 * FONT_SCALE, "grid.linewidth": 1, "legend.fontsize": 11 * FONT_SCALE,
    "legend.title_fontsize": 12 * FONT_SCALE, "lines.linewidth": 1.5, "lines.markersize": 6,
    "patch.linewidth": 1, "xtick.labelsize": 11 * FONT_SCALE, "xtick.major.size": 6,
    "xtick.major.width": 1.25, "xtick.minor.size": 4, "xtick.minor.width": 1,
    "ytick.labelsize": 11 * FONT_SCALE, "ytick.major.size": 6, "ytick.major.width": 1.25,
    "ytick.minor.size": 4, "ytick.minor.width": 1,
    # colour cycle "deep"
    "axes.prop_cycle": cycler("color", [to_rgb(colour) for colour in (
        "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c",
        "#ccb974", "#64b5cd")]),
}
#: Settings of every report figure (see the module docstring).
RC_PARAMS = {
    "svg.fonttype": "none",
    "svg.hashsalt": "strapetsi",  # ids in the SVG depend on the figure only: same input, same bytes
    "svg.image_inline": True,
    "font.family": "sans-serif",
    "font.sans-serif": FONT_FAMILY,
    "figure.constrained_layout.use": True,
    "axes.unicode_minus": True,
}


def wrap_chars(inches: float, fontsize: float = MIN_FONT_SIZE) -> int:
    """How many characters of text in ``fontsize`` points fit on a line ``inches`` wide: the
    width to wrap a figure's labels at (``textwrap.fill``), so that they are never cut."""
    return max(8, int(inches * 72 / (fontsize * _CHAR_EM)))


def axis_label(words: str, inches: float = FIGURE_WIDTH - 2.4) -> str:
    """An axis label wrapped to the width of a chart's axes (``inches``), never cut: a label
    wider than its axes would run off the figure, which the layout does not prevent."""
    return textwrap.fill(words, wrap_chars(inches, THEME["axes.labelsize"]),
                         break_long_words=False)


def page_parts(heights: Sequence[float], fixed: float,
               limit: float = MAX_FIGURE_HEIGHT) -> list[list[int]]:
    """Consecutive groups of blocks (by index) that fit figures no taller than ``limit``.

    Parameters
    ----------
    heights
        Each block's height in inches (a statement chart's area, a row of providers), in the
        order they are drawn; a block is never split.
    fixed
        What every figure needs besides its blocks (legend, axis, margins), in inches.
    limit
        The tallest figure, in inches.

    Returns
    -------
    list of list of int
        The blocks of each figure, in order; one figure when everything fits, and a block
        taller than a page alone in its figure.
    """
    parts: list[list[int]] = []
    used = 0.0
    for index, height in enumerate(heights):
        if parts and used + height <= limit - fixed:
            parts[-1].append(index)
            used += height
        else:
            parts.append([index])
            used = height
    return parts


def even_parts(n: int, per_part: int) -> list[range]:
    """``n`` rows in as few parts of at most ``per_part`` rows as can hold them, as even in
    size as possible (81 rows of at most 40: 27, 27, 27)."""
    count = max(1, math.ceil(n / max(1, per_part)))
    bounds = [round(k * n / count) for k in range(count + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(count)]


_drawing_since: float | None = None


def apply_style() -> None:
    """Set the theme and settings shared by every report figure (call before drawing).

    It also starts the clock that :func:`figure_seconds` reads.
    """
    global _drawing_since
    _drawing_since = time.perf_counter()
    matplotlib.rcParams.update(THEME)
    matplotlib.rcParams.update(RC_PARAMS)


def figure_seconds() -> float | None:
    """Seconds since the last :func:`apply_style`, and stop that clock (``None`` if stopped).

    :func:`strapetsi_lib.present.display.show_figure` records it with the figure it shows: the
    time one figure took to make, lay out, draw and encode, which ``benchmarks/batch.py``
    reads from the executed notebooks.
    """
    global _drawing_since
    started, _drawing_since = _drawing_since, None
    return None if started is None else time.perf_counter() - started


#: The seed of every jitter in a report figure: the same inputs give the same figure.
JITTER_SEED = 2024


@contextlib.contextmanager
def seeded_jitter(seed: int = JITTER_SEED) -> Iterator[None]:
    """Seed NumPy's global generator while a seaborn strip plot jitters its points.

    seaborn draws the jitter from NumPy's global random state; seeding it for the call (and
    restoring it afterwards) makes the same inputs give the same figure, so the same report.
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def jittered_rows(ax, rows: Sequence[Sequence[float]], *, jitter: float, size: float,
                  seed: int = JITTER_SEED, **scatter) -> None:
    """Dots of each row's values along x at y = the row's index, jittered up and down.

    The dots ``seaborn.stripplot(x=..., y=..., jitter=jitter, size=size)`` draws, with its
    jitter (the same uniform draws from a generator seeded with ``seed``, row by row, none for
    a row of one value) and z-order, but without its categorical axis, which cost a report
    more than the dots themselves. The caller labels the rows and sets the y limits (``-0.5``
    to ``len(rows) - 0.5``, as seaborn does).

    Parameters
    ----------
    ax
        The axes.
    rows
        Each row's values, in the order of the rows (NaN left out by the caller).
    jitter
        Half the height of the band the dots are spread over, in rows.
    size
        The dots' diameter in points.
    **scatter
        Anything else for ``Axes.scatter`` (e.g. ``color``, ``alpha``).
    """
    random = np.random.RandomState(seed)  # NumPy's legacy stream, as seaborn draws from
    scatter = {"zorder": 3, "linewidth": 0, **scatter}
    for position, values in enumerate(rows):
        values = np.asarray(values, dtype=float)
        offsets = random.uniform(-jitter, jitter, size=len(values)) if len(values) > 1 else 0
        ax.scatter(values, position + offsets, s=size ** 2, **scatter)


def agreement_colours(values: Sequence[float], neutral: float) -> list[str]:
    """Colours of an agreement scale's answers: RdBu from disagree to agree, neutral grey."""
    # evenly inside the map, its two ends left out (as seaborn.color_palette("RdBu", n))
    ramp = [to_hex(colour) for colour in
            matplotlib.colormaps["RdBu"](np.linspace(0, 1, len(values) + 2)[1:-1])]
    return [NEUTRAL if value == neutral else colour
            for value, colour in zip(values, ramp, strict=True)]


def fitted_limits(values: Sequence[float], low: float, high: float, step: float = 0.5,
                  min_span: float = 1.0) -> tuple[float, float]:
    """Colour-scale limits that fit ``values``: rounded out to ``step``, within ``low``–``high``.

    A scale from 1 to 5 over means that all lie between 2.6 and 3.9 paints every cell the same
    shade; fitting the range to the data shows the differences, and at least ``min_span`` keeps
    small differences from looking large.
    """
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return low, high
    lo = max(low, math.floor(min(finite) / step) * step)
    hi = min(high, math.ceil(max(finite) / step) * step)
    if hi - lo < min_span:  # widen upwards, or downwards where the scale ends
        hi = min(high, lo + min_span)
        lo = max(low, hi - min_span)
    return lo, hi


def _decimals_for(locations: Sequence[float], most: int = 3) -> int:
    """The fewest decimals that write every tick location exactly (0,5 steps need one)."""
    for decimals in range(most + 1):
        if all(abs(round(v, decimals) - v) < 1e-9 for v in locations):
            return decimals
    return most


class LocaleFormatter(Formatter):
    """Tick labels written as the report's language writes numbers (``2,5``, ``−0,2``, ``50 %``).

    Parameters
    ----------
    language
        The report's language.
    decimals
        Fixed number of decimals; ``None`` uses the fewest that write every tick exactly.
    as_percent
        The values are percentages (0–100): written with the language's ``%``.
    absolute
        Write the magnitude only (the disagreement side of a diverging bar chart).
    """

    def __init__(self, language: str, decimals: int | None = None, *, as_percent: bool = False,
                 absolute: bool = False) -> None:
        self.language = language
        self.decimals = decimals
        self.as_percent = as_percent
        self.absolute = absolute
        self._auto = 1

    def set_locs(self, locs: Sequence[float]) -> None:  # noqa: D102 - matplotlib's hook
        self._auto = _decimals_for(list(locs))

    def __call__(self, x: float, pos: int | None = None) -> str:
        """The label of the tick at ``x``."""
        decimals = self._auto if self.decimals is None else self.decimals
        value = abs(x) if self.absolute else x
        if self.as_percent:
            return percent(value / 100, self.language, decimals)
        return number(value, self.language, decimals)


def tick_labels_as_text(ax, axis: str, positions: Sequence[float], labels: Sequence[str], *,
                        tick_length: float | None = None, **text_props) -> None:
    """Write category labels exactly where an axis's tick labels would be, without the ticks.

    For an axis that shows no tick marks or grid lines (a heatmap's, a chart's list of
    statements): each label is a text at its tick label's place, with its alignment, size and
    colour, and the axis keeps no ticks. A tick is three lines and two labels; a chart with
    thirty of them spends a fifth of its drawing time on ticks nobody sees.

    Parameters
    ----------
    ax
        The axes.
    axis
        ``"x"`` (labels below the axes) or ``"y"`` (labels to the left).
    positions, labels
        Each label's position in data coordinates, and its text.
    tick_length
        The length the axis's ticks were given with ``tick_params(length=...)``, if they were;
        a tick label sits its pad away from the tick, plus the tick's length outside the axes.
    **text_props
        Anything else for the texts (e.g. ``fontsize``).
    """
    style = matplotlib.rcParams
    tick = f"{axis}tick"
    length = style[f"{tick}.major.size"] if tick_length is None else tick_length
    outside = {"in": 0.0, "inout": 0.5, "out": 1.0}[style[f"{tick}.direction"]]
    pad = style[f"{tick}.major.pad"] + outside * length
    place = ax.get_xaxis_text1_transform if axis == "x" else ax.get_yaxis_text1_transform
    transform, va, ha = place(pad)
    colour = style[f"{tick}.labelcolor"]
    props = {"fontsize": style[f"{tick}.labelsize"],
             "color": style[f"{tick}.color"] if colour == "inherit" else colour, **text_props}
    for position, label in zip(positions, labels, strict=True):
        x, y = (position, 0) if axis == "x" else (0, position)
        ax.text(x, y, label, transform=transform, va=va, ha=ha, **props)
    (ax.set_xticks if axis == "x" else ax.set_yticks)([])


def number_ticks(axis, language: str, decimals: int | None = None, *, as_percent: bool = False,
                 absolute: bool = False) -> None:
    """Write an axis's tick labels in the report's language (see :class:`LocaleFormatter`)."""
    axis.set_major_formatter(LocaleFormatter(language, decimals, as_percent=as_percent,
                                             absolute=absolute))
