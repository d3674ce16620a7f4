"""One store of text sizes and layouts for every figure a process draws, instead of one per drawing.

In: a figure being laid out and drawn (:func:`strapetsi_lib.present.display.figure_svg`).
Out: the same figure, byte for byte, with each text measured and laid out once a process.

matplotlib measures each text (its width, height and descent, which place it) with FreeType,
and keeps what it measured in a cache tied to one renderer: the one that lays a figure out, then
the one that draws its SVG, and a new pair for the next figure. A report lays out and draws the
same dimension names, legend entries and numbers in figure after figure, so most of its
measuring repeats work done before: without the store it is a fifth of a report's drawing
time.

Around each measurement matplotlib also lays the text out (``Text._get_layout``: its lines, the
font's line height read from the font file's tables, the alignment and rotation), and it does
so every time a text is placed: in each of the layout engine's two passes and again when the
SVG is drawn, for every figure: without the store a sixth of a report's figure time, all of it
repeated for texts already laid out.

:func:`shared_text_metrics` keeps the sizes and the layouts for the whole process while a figure
is drawn. A size depends on the text, its font properties, whether it is math, the dpi and how
the renderer measures; the key holds each of these (the renderer by the method that measures
and its dpi, and the font settings that decide which font file a family name means), so a size
is only reused where matplotlib would have measured the same. A layout's key adds what else a
layout reads: the figure's dpi, line spacing, alignments, rotation and rotation mode, and
whether the text may be math. A text whose layout depends on more than that (wrapped to the
figure, typeset by TeX, or turned by its transform) is laid out by matplotlib each time. Only
the two renderers whose measuring depends on nothing else are shared (Agg, which lays figures
out, and SVG, which draws them); any other renderer measures and lays out as before. The kernel
server fills the store before it forks report kernels (``batch/kernel_server.py``, with
children measuring on the other cores and handing their store back, :func:`measured` and
:func:`keep`), so a report starts with most of its texts measured and laid out.

The store replaces matplotlib's private hooks ``matplotlib.text._get_text_metrics_with_cache``
(the one matplotlib's own test fixtures patch) and ``Text._get_layout`` for the length of a
draw, and reads ``Text._linespacing`` and ``Text._get_multialignment`` for a layout's key. It is
on only for the matplotlib versions in :data:`TESTED_VERSIONS`, those on which
``tests/test_text_metrics.py`` found every figure of a report byte for byte the same with and
without it; on any other version (or one that lacks a hook) figures are drawn as matplotlib
draws them, only without the sharing, and that test file says the store is off. A layout whose
key it cannot read is matplotlib's own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import matplotlib
import matplotlib.text as _mtext
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.transforms import Bbox

#: The measuring methods whose result depends only on the key (see the module docstring).
_SHARED_METHODS = (RendererAgg.get_text_width_height_descent,
                   RendererSVG.get_text_width_height_descent)
#: Settings that decide which font a family name means and how Agg measures it.
_FONT_SETTINGS = ("font.family", "font.sans-serif", "font.serif", "font.monospace",
                  "font.cursive", "font.fantasy", "font.style", "font.variant", "font.weight",
                  "font.stretch", "font.size", "mathtext.fontset", "text.hinting",
                  "text.hinting_factor", "text.kerning_factor", "text.usetex")
#: The matplotlib versions (major.minor) the store is on for (see the module docstring).
TESTED_VERSIONS = ("3.11",)
#: A store larger than this (texts a process has measured, or laid out) starts again empty.
_MOST_SIZES = 50_000

_sizes: dict[tuple, tuple[float, float, float]] = {}
#: Text layouts: the layout's bounding box (its corner points), its lines and its text box.
_layouts: dict[tuple, tuple[Any, tuple, tuple]] = {}


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


def _layout_key(text: Any, renderer: Any, settings: tuple) -> tuple | None:
    """What a text's layout depends on, or ``None`` if the layout is matplotlib's to make.

    The key starts with the text's font properties, its own (mutable) object: a key kept in
    the store holds a copy (:func:`_shared_layout`).
    """
    method = getattr(getattr(renderer, "get_text_width_height_descent", None), "__func__", None)
    if method not in _SHARED_METHODS:
        return None
    try:
        if text.get_wrap() or text.get_usetex() or text.get_transform_rotates_text():
            return None  # placed by the figure's size, by TeX, or turned by the transform
        return (text.get_fontproperties(), method, getattr(renderer, "dpi", None),
                text.get_figure(root=True).dpi, text.get_text(), text.get_parse_math(),
                text._linespacing, text._get_multialignment(), text.get_rotation(),  # noqa: SLF001
                text.get_rotation_mode(), text.get_horizontalalignment(),
                text.get_verticalalignment(), text.get_language(), text.get_fontfeatures(),
                settings)
    except (AttributeError, TypeError):  # another matplotlib's texts: lay out as it does
        return None


def _shared_layout(matplotlib_layout):
    """matplotlib's ``Text._get_layout``, with layouts kept for the process under these
    settings."""
    settings = _settings()

    def _get_layout(text: Any, renderer: Any):
        key = _layout_key(text, renderer, settings)
        if key is None:
            return matplotlib_layout(text, renderer)
        kept = _layouts.get(key)
        if kept is None:
            bbox, lines, box = matplotlib_layout(text, renderer)
            if len(_layouts) >= _MOST_SIZES:
                _layouts.clear()
            key = (key[0].copy(), *key[1:])  # the text's own font properties may change
            _layouts[key] = (bbox.get_points().copy(), tuple(lines), box)
            return bbox, lines, box
        points, lines, box = kept
        # new objects, as matplotlib returns: callers may keep or change them
        return Bbox(points.copy()), list(lines), box

    return _get_layout


def measured() -> dict[str, dict]:
    """The sizes and layouts this process has kept (picklable: another process may
    :func:`keep` them)."""
    return {"sizes": _sizes, "layouts": _layouts}


def keep(store: dict[str, dict]) -> None:
    """Add a store :func:`measured` in another process of the same installation to this
    one's."""
    for kept, more in ((_sizes, store["sizes"]), (_layouts, store["layouts"])):
        if len(kept) + len(more) > _MOST_SIZES:
            kept.clear()
        kept.update(more)


def hooks_present() -> bool:
    """Whether this matplotlib has the hooks the store replaces while a figure is drawn."""
    return (callable(getattr(_mtext, "_get_text_metrics_with_cache", None))
            and callable(getattr(_mtext.Text, "_get_layout", None)))


def enabled() -> bool:
    """Whether figures are drawn through the store: the hooks are there and this matplotlib
    is one of :data:`TESTED_VERSIONS`."""
    tested = ".".join(matplotlib.__version__.split(".")[:2]) in TESTED_VERSIONS
    return tested and hooks_present()


@contextlib.contextmanager
def shared_text_metrics() -> Iterator[None]:
    """Measure and lay out texts through the process's store while the block lays out or draws
    a figure.

    The block's texts are measured under the matplotlib settings in force when it starts (a
    figure is laid out and drawn under one set). Where the store is off (:func:`enabled`) it
    does nothing.
    """
    if not enabled():
        yield
        return
    matplotlib_cached = _mtext._get_text_metrics_with_cache
    matplotlib_layout = _mtext.Text._get_layout
    _mtext._get_text_metrics_with_cache = _shared(matplotlib_cached)
    _mtext.Text._get_layout = _shared_layout(matplotlib_layout)
    try:
        yield
    finally:
        _mtext._get_text_metrics_with_cache = matplotlib_cached
        _mtext.Text._get_layout = matplotlib_layout
