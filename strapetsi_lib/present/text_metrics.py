"""One store of text sizes for every figure a process draws, instead of one per drawing.

In: a figure being laid out and drawn (:func:`strapetsi_lib.present.display.figure_svg`).
Out: the same figure, byte for byte, with each text measured once a process.

matplotlib measures each text (its width, height and descent, which place it) with FreeType,
and keeps what it measured in a cache tied to one renderer: the one that lays a figure out, then
the one that draws its SVG, and a new pair for the next figure. A report lays out and draws the
same dimension names, legend entries and numbers in figure after figure, so most of its
measuring repeats work done before: it was a fifth of a report's drawing time.

:func:`shared_text_metrics` keeps the sizes for the whole process while a figure is drawn. A
size depends on the text, its font properties, whether it is math, the dpi and how the renderer
measures; the key holds each of these (the renderer by the method that measures and its dpi,
and the font settings that decide which font file a family name means), so a size is only
reused where matplotlib would have measured the same. Only the two renderers whose measuring
depends on nothing else are shared (Agg, which lays figures out, and SVG, which draws them);
any other renderer measures as before. The kernel server fills the store before it forks report
kernels (``batch/kernel_server.py``, with children measuring on the other cores and handing
their sizes back, :func:`measured` and :func:`keep`), so a report starts with most of its texts
measured.

The store is matplotlib's private hook ``matplotlib.text._get_text_metrics_with_cache``: if a
matplotlib version has none, figures are drawn exactly as before, only without the sharing
(``tests/test_text_metrics.py`` checks the hook is there and the SVGs are unchanged).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import matplotlib
import matplotlib.text as _mtext
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.backends.backend_svg import RendererSVG

#: The measuring methods whose result depends only on the key (see the module docstring).
_SHARED_METHODS = (RendererAgg.get_text_width_height_descent,
                   RendererSVG.get_text_width_height_descent)
#: Settings that decide which font a family name means and how Agg measures it.
_FONT_SETTINGS = ("font.family", "font.sans-serif", "font.serif", "font.monospace",
                  "font.cursive", "font.fantasy", "font.style", "font.variant", "font.weight",
                  "font.stretch", "font.size", "mathtext.fontset", "text.hinting",
                  "text.hinting_factor", "text.kerning_factor", "text.usetex")
#: A store larger than this (texts a process has measured) starts again empty.
_MOST_SIZES = 50_000

_sizes: dict[tuple, tuple[float, float, float]] = {}


def _settings() -> tuple:
    return tuple(str(matplotlib.rcParams[name]) for name in _FONT_SETTINGS)


def _shared(matplotlib_cached):
    """matplotlib's measuring function, with sizes kept for the process under these settings."""
    settings = _settings()

    def measured(renderer: Any, text: str, fontprop: Any, ismath: Any, dpi: float):
        method = getattr(getattr(renderer, "get_text_width_height_descent", None),
                         "__func__", None)
        if method not in _SHARED_METHODS:
            return matplotlib_cached(renderer, text, fontprop, ismath, dpi)
        key = (method, getattr(renderer, "dpi", None), text, fontprop.copy(), ismath, dpi,
               settings)
        size = _sizes.get(key)
        if size is None:
            if len(_sizes) >= _MOST_SIZES:
                _sizes.clear()
            size = _sizes[key] = renderer.get_text_width_height_descent(text, fontprop, ismath)
        return size

    return measured


def measured() -> dict[tuple, tuple[float, float, float]]:
    """The sizes this process has kept (picklable: another process may :func:`keep` them)."""
    return _sizes


def keep(sizes: dict[tuple, tuple[float, float, float]]) -> None:
    """Add sizes :func:`measured` in another process of the same installation to this one's."""
    if len(_sizes) + len(sizes) > _MOST_SIZES:
        _sizes.clear()
    _sizes.update(sizes)


def available() -> bool:
    """Whether this matplotlib has the hook the store replaces while a figure is drawn."""
    return callable(getattr(_mtext, "_get_text_metrics_with_cache", None))


@contextlib.contextmanager
def shared_text_metrics() -> Iterator[None]:
    """Measure texts through the process's store while the block lays out or draws a figure.

    The block's texts are measured under the matplotlib settings in force when it starts (a
    figure is laid out and drawn under one set). Without the hook it does nothing.
    """
    if not available():
        yield
        return
    matplotlib_cached = _mtext._get_text_metrics_with_cache
    _mtext._get_text_metrics_with_cache = _shared(matplotlib_cached)
    try:
        yield
    finally:
        _mtext._get_text_metrics_with_cache = matplotlib_cached
