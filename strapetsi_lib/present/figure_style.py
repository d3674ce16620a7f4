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
import inspect
import math
import time
from collections.abc import Callable, Iterator, Sequence

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
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

    It also starts the clock that :func:`figure_seconds` reads, and makes sure the text-metric
    memo (:func:`text_metrics_memo`) is in place.
    """
    global _drawing_since
    _drawing_since = time.perf_counter()
    install_text_metrics_memo()
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95, rc=RC_PARAMS)


def figure_seconds() -> float | None:
    """Seconds since the last :func:`apply_style`, and stop that clock (``None`` if stopped).

    :func:`strapetsi_lib.present.display.show_figure` records it with the figure it shows: the
    time one figure took to make, lay out, draw and encode, which ``benchmarks/batch.py``
    reads from the executed notebooks.
    """
    global _drawing_since
    started, _drawing_since = _drawing_since, None
    return None if started is None else time.perf_counter() - started


@contextlib.contextmanager
def seeded_jitter(seed: int = 2024) -> Iterator[None]:
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


def agreement_colours(values: Sequence[float], neutral: float) -> list[str]:
    """Colours of an agreement scale's answers: RdBu from disagree to agree, neutral grey."""
    ramp = sns.color_palette("RdBu", len(values)).as_hex()
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


def number_ticks(axis, language: str, decimals: int | None = None, *, as_percent: bool = False,
                 absolute: bool = False) -> None:
    """Write an axis's tick labels in the report's language (see :class:`LocaleFormatter`)."""
    axis.set_major_formatter(LocaleFormatter(language, decimals, as_percent=as_percent,
                                             absolute=absolute))


# --- text metrics, measured once a process ----------------------------------------------------
#
# Much of a figure's drawing time goes to measuring its text (about a millisecond a line of a
# statement label): the layout measures every label and so does the draw, and matplotlib keeps
# what it measured per renderer *object*, while a layout and a draw each have a renderer of
# their own, as has every figure. An SVG renderer measures text with the font's outlines at a
# fixed 72 dpi and without hinting, so what it measures depends only on the text, the font and
# the font settings: the memo below keeps that for the process, for SVG renderers (which lay
# out and draw every report figure, see ``display.figure_svg``), and passes every other call
# through. A report's kernel is forked fresh for each report, so the memo holds the texts of
# one report (a few hundred entries).

#: (text, font properties, dpi, font settings) → (width, height, descent) as SVG measures them.
_TEXT_METRICS: dict[tuple, tuple[float, float, float]] = {}
#: The parameters of the matplotlib function the memo wraps, as matplotlib 3.8–3.11 name them.
_METRICS_PARAMETERS = ("renderer", "text", "fontprop", "ismath", "dpi")
#: Settings that change what a text measures (the font lists generic family names stand for).
_MEASURE_SETTINGS = ("font.sans-serif", "font.serif", "font.monospace", "font.cursive",
                     "font.fantasy")
_memo_enabled = True


def _measure_settings() -> tuple:
    rc = matplotlib.rcParams
    return tuple(tuple(rc[name]) for name in _MEASURE_SETTINGS)


def _measures_as_svg(renderer) -> bool:
    """Whether ``renderer`` measures text as matplotlib's SVG renderer does (also inside the
    mixed-mode renderer SVG output draws with)."""
    from matplotlib.backends.backend_svg import RendererSVG

    method = "get_text_width_height_descent"
    inner = getattr(renderer, "_renderer", renderer)
    return getattr(type(inner), method, None) is getattr(RendererSVG, method)


def _memoised(measure: Callable) -> Callable:
    def text_metrics(renderer, text, fontprop, ismath, dpi):
        if not _memo_enabled or ismath or not _measures_as_svg(renderer):
            return measure(renderer, text, fontprop, ismath, dpi)
        # Font properties are mutable, so their hash is the key (matplotlib, too, holds two
        # font properties equal when their hashes are).
        key = (text, hash(fontprop), dpi, _measure_settings())
        metrics = _TEXT_METRICS.get(key)
        if metrics is None:
            metrics = _TEXT_METRICS[key] = measure(renderer, text, fontprop, ismath, dpi)
        return metrics

    text_metrics.strapetsi_memo = True  # type: ignore[attr-defined] - marks it installed
    text_metrics.__wrapped__ = measure  # type: ignore[attr-defined]
    return text_metrics


def install_text_metrics_memo() -> bool:
    """Put the process-wide text-metric memo in front of matplotlib's per-renderer cache.

    It wraps ``matplotlib.text._get_text_metrics_with_cache``, the one function every text
    measurement of a layout or a draw goes through (matplotlib's own tests replace it the same
    way). That function is private: if a future matplotlib no longer has it, or names its
    parameters differently, nothing is wrapped and figures are measured as before. The memo
    returns what the renderer would measure, so the figures are the same byte for byte.

    Returns
    -------
    bool
        Whether the memo is in place.
    """
    from matplotlib import text as mtext

    measure = getattr(mtext, "_get_text_metrics_with_cache", None)
    if getattr(measure, "strapetsi_memo", False):
        return True
    try:
        parameters = tuple(inspect.signature(measure).parameters) if callable(measure) else ()
    except (TypeError, ValueError):
        parameters = ()
    if parameters != _METRICS_PARAMETERS:
        return False
    mtext._get_text_metrics_with_cache = _memoised(measure)
    return True


@contextlib.contextmanager
def text_metrics_memo(enabled: bool) -> Iterator[None]:
    """Switch the text-metric memo on or off for a block (a benchmark's or a test's switch).

    Off, every text is measured by the renderer at hand, as matplotlib does without the memo.
    """
    global _memo_enabled
    install_text_metrics_memo()
    before, _memo_enabled = _memo_enabled, enabled
    try:
        yield
    finally:
        _memo_enabled = before
