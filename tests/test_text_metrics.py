"""Text sizes and layouts shared between figures: the same SVGs, each text measured and laid
out once a process.

The oracle is matplotlib itself: every figure drawn with the process's store of text sizes and
layouts must be byte for byte the figure drawn without it (each text measured and laid out
afresh, as matplotlib does).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

import matplotlib
import matplotlib.pyplot as plt
import psutil
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from strapetsi_lib.batch import kernel_server
from strapetsi_lib.present import report_figures, text_metrics
from strapetsi_lib.present.display import figure_svg
from strapetsi_lib.present.report_figures import FIGURES, figure_makers, warm_text_metrics


@pytest.fixture
def store_on(monkeypatch):
    """The store in use whatever matplotlib this is, where it has the hooks."""
    if not text_metrics.hooks_present():
        pytest.fail("matplotlib no longer has the hooks the store replaces")
    monkeypatch.setattr(text_metrics, "enabled", lambda: True)


@pytest.fixture
def empty_store(monkeypatch, store_on):
    """The process's store, emptied for the test and in use: ``{"sizes": {...},
    "layouts": {...}}``."""
    monkeypatch.setattr(text_metrics, "_sizes", {})
    monkeypatch.setattr(text_metrics, "_layouts", {})
    return text_metrics.measured()


def _counts(store: dict) -> dict[str, int]:
    return {kind: len(kept) for kind, kept in store.items()}


def _report_svgs(prepared, provider_id: str) -> dict[str, bytes]:
    svgs = {}
    with matplotlib.rc_context():
        for name, (select, draw) in figure_makers(prepared, provider_id).items():
            svgs[name] = figure_svg(draw(select())[0])
            plt.close("all")
    return svgs


def _providers_after_the_warm_ones(prepared) -> list[str]:
    """A provider of each language that the warm-up does not draw (it draws the last)."""
    providers = prepared["providers"]
    return [str(providers.loc[providers["language"] == language, "provider_id"].iloc[0])
            for language in ("fi", "sv")]


def test_the_store_is_on_for_this_matplotlib():
    # Off, figures are still right, only slower. After an upgrade to a matplotlib version the
    # store has not been tested on, the next test draws with and without the store anyway:
    # when it passes, add the version to TESTED_VERSIONS.
    assert text_metrics.hooks_present(), "matplotlib no longer has the hooks the store replaces"
    assert text_metrics.enabled(), (f"matplotlib {matplotlib.__version__} is not in "
                                    f"text_metrics.TESTED_VERSIONS {text_metrics.TESTED_VERSIONS}")


@pytest.mark.slow
def test_figures_drawn_with_the_warmed_store_are_the_figures_drawn_without_it(
        prepared, empty_store, monkeypatch):
    providers = _providers_after_the_warm_ones(prepared)
    with monkeypatch.context() as plain:
        plain.setattr(text_metrics, "enabled", lambda: False)
        expected = {p: _report_svgs(prepared, p) for p in providers}
    assert _counts(empty_store) == {"sizes": 0, "layouts": 0}  # the store off: nothing kept

    assert list(warm_text_metrics(prepared)) == []  # every figure of the warm-up was drawn
    warmed = _counts(empty_store)
    # both languages' names, statements, labels and numbers
    assert warmed["sizes"] > 100 and warmed["layouts"] > 100
    for provider_id in providers:
        drawn = _report_svgs(prepared, provider_id)
        assert list(drawn) == list(FIGURES)
        for name in FIGURES:
            assert drawn[name] == expected[provider_id][name], (provider_id, name)
    # most of what the two reports measure and lay out was done by the warm-up already
    for kind, count in _counts(empty_store).items():
        assert count - warmed[kind] < warmed[kind] / 4, kind


@pytest.mark.slow
def test_a_figure_drawn_again_measures_nothing_again(prepared, empty_store):
    provider_id = _providers_after_the_warm_ones(prepared)[0]
    first = _report_svgs(prepared, provider_id)
    kept = {kind: dict(store) for kind, store in empty_store.items()}
    assert _report_svgs(prepared, provider_id) == first
    assert _counts(empty_store) == _counts(kept)
    assert empty_store["sizes"] == kept["sizes"]


@pytest.mark.parametrize("fonts", [["DejaVu Sans Mono"], ["DejaVu Serif"]])
def test_a_text_is_measured_under_the_font_settings_in_force(empty_store, fonts):
    """The same text and font properties mean another font under other settings: its size is
    measured again, and is what matplotlib measures without the store."""

    def width(fonts: list[str], *, shared: bool) -> float:
        with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": fonts}):
            figure = Figure(figsize=(4, 1))
            label = figure.text(0.1, 0.5, "Osaamisen johtaminen 3,5 %")
            renderer = FigureCanvasAgg(figure).get_renderer()
            if not shared:
                return label.get_window_extent(renderer).width
            with text_metrics.shared_text_metrics():
                return label.get_window_extent(renderer).width

    kept = width(["DejaVu Sans"], shared=True)  # in the store under other settings
    assert empty_store
    assert width(fonts, shared=True) == width(fonts, shared=False) != kept


#: A two-line text, and what else may place it: each variant is laid out again, as matplotlib
#: lays it out, and differs from the plain text's layout (so the comparison can fail).
_LABEL = "Osaamisen johtaminen\n3,5 % ($n$ = 12)"
_PLACED_OTHERWISE = {
    "horizontal alignment": {"horizontalalignment": "right"},
    "vertical alignment": {"verticalalignment": "top"},
    "rotation": {"rotation": 30},
    "rotation mode": {"rotation": 30, "rotation_mode": "anchor"},
    "line spacing": {"linespacing": 2.0},
    "multi-line alignment": {"multialignment": "right"},
    "font size": {"fontsize": 14},
    "font weight": {"fontweight": "bold"},
    "no math": {"parse_math": False},
    "another text": {"text": "Osaamisen johtaminen\n3,5 %"},
}


def _layout(properties: dict, *, shared: bool, dpi: float = 100) -> tuple:
    """A text's place in a figure and its layout: its lines, where each starts, its box."""
    figure = Figure(figsize=(4, 2), dpi=dpi)
    label = figure.text(0.5, 0.5, properties.get("text", _LABEL),
                        **{k: v for k, v in properties.items() if k != "text"})
    renderer = FigureCanvasAgg(figure).get_renderer()
    with text_metrics.shared_text_metrics() if shared else contextlib.nullcontext():
        extent = label.get_window_extent(renderer)
        bbox, lines, box = label._get_layout(renderer)
    return tuple(extent.bounds), tuple(bbox.bounds), lines, box


@pytest.mark.parametrize("what", list(_PLACED_OTHERWISE))
def test_a_text_placed_otherwise_is_laid_out_again(empty_store, what):
    plain = _layout({}, shared=True)  # the plain text's layout is in the store
    laid_out = len(empty_store["layouts"])
    properties = _PLACED_OTHERWISE[what]
    assert _layout(properties, shared=True) == _layout(properties, shared=False) != plain
    assert len(empty_store["layouts"]) == laid_out + 1
    assert _layout({}, shared=True) == plain  # and the plain one is still found


def test_a_text_in_a_figure_of_another_dpi_is_laid_out_again(empty_store):
    plain = _layout({}, shared=True)
    assert _layout({}, shared=True, dpi=200) == _layout({}, shared=False, dpi=200) != plain


def test_a_wrapped_text_is_laid_out_by_matplotlib_each_time(empty_store):
    """A wrapped text's lines depend on where it stands in the figure: it is never kept."""
    wrapped = {"text": "Osaamisen johtaminen " * 6, "wrap": True}
    assert _layout(wrapped, shared=True) == _layout(wrapped, shared=False)
    assert not empty_store["layouts"]
    assert empty_store["sizes"]  # its lines' sizes are kept as any other text's


@pytest.mark.slow
def test_texts_measured_by_forked_children_are_the_sizes_measured_alone(prepared, empty_store):
    """The kernel server's measuring on two cores keeps what one process measuring everything
    keeps, every size (that the child is another process: the next test)."""
    assert threading.active_count() == 1  # otherwise the server would not fork (and says so)
    assert kernel_server.measure_texts(prepared, parts=1) == []
    alone = {kind: dict(store) for kind, store in empty_store.items()}
    for store in empty_store.values():
        store.clear()
    assert kernel_server.measure_texts(prepared, parts=2) == []
    assert empty_store["sizes"] == alone["sizes"]
    assert empty_store["layouts"].keys() == alone["layouts"].keys()
    for key, (points, lines, box) in alone["layouts"].items():
        kept_points, kept_lines, kept_box = empty_store["layouts"][key]
        assert (kept_points == points).all() and (kept_lines, kept_box) == (lines, box)
    assert len({key[2] for key in alone["sizes"]}) > 100  # both languages' texts


@pytest.mark.slow
def test_a_measuring_child_that_fails_or_hangs_costs_its_share_only(prepared, empty_store,
                                                                    monkeypatch, tmp_path):
    server = os.getpid()
    hanging = tmp_path / "hanging.pid"
    measure = report_figures.warm_text_metrics

    def child_fails(prepared, part, parts):
        if os.getpid() != server:
            os._exit(3)  # dies without a word
        yield from measure(prepared, part, parts)

    monkeypatch.setattr(report_figures, "warm_text_metrics", child_fails)
    assert kernel_server.measure_texts(prepared, parts=2) == ["part 2 of 2"]
    assert empty_store["sizes"] and empty_store["layouts"]  # the server's own share is kept

    def child_hangs(prepared, part, parts):
        if os.getpid() != server:
            hanging.write_text(str(os.getpid()))
            time.sleep(3600)
        yield f"measured in the server, part {part + 1}"

    monkeypatch.setattr(report_figures, "warm_text_metrics", child_hangs)
    monkeypatch.setattr(kernel_server, "_MEASURE_TIMEOUT", 1.0)
    assert kernel_server.measure_texts(prepared, parts=2) == ["measured in the server, part 1",
                                                              "part 2 of 2"]
    assert not psutil.pid_exists(int(hanging.read_text()))  # killed at the deadline and reaped
