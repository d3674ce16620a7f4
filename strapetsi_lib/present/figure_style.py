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
