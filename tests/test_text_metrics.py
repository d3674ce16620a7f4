"""Text sizes shared between figures: the same SVGs, measured once a process.

The oracle is matplotlib itself: every figure drawn with the process's store of text sizes must
be byte for byte the figure drawn without it (each text measured afresh, as matplotlib does).
"""

from __future__ import annotations

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
def empty_store(monkeypatch):
    monkeypatch.setattr(text_metrics, "_sizes", {})
    return text_metrics._sizes


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


def test_this_matplotlib_has_the_hook_the_store_uses():
    # if an upgrade removes it, figures are still right, only slower: this test says so
    assert text_metrics.available()


def test_figures_drawn_with_the_warmed_store_are_the_figures_drawn_without_it(
        prepared, empty_store, monkeypatch):
    providers = _providers_after_the_warm_ones(prepared)
    with monkeypatch.context() as plain:
        plain.setattr(text_metrics, "available", lambda: False)
        expected = {p: _report_svgs(prepared, p) for p in providers}
    assert not empty_store  # without the hook nothing is kept

    assert list(warm_text_metrics(prepared)) == []  # every figure of the warm-up was drawn
    warmed = len(empty_store)
    assert warmed > 100  # both languages' names, statements, labels and numbers
    for provider_id in providers:
        drawn = _report_svgs(prepared, provider_id)
        assert list(drawn) == list(FIGURES)
        for name in FIGURES:
            assert drawn[name] == expected[provider_id][name], (provider_id, name)
    # most of what the two reports measure was measured by the warm-up already
    assert len(empty_store) - warmed < warmed / 4


def test_a_figure_drawn_again_measures_nothing_again(prepared, empty_store):
    provider_id = _providers_after_the_warm_ones(prepared)[0]
    first = _report_svgs(prepared, provider_id)
    kept = dict(empty_store)
    assert _report_svgs(prepared, provider_id) == first
    assert empty_store == kept


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


def test_texts_measured_by_forked_children_are_the_sizes_measured_alone(prepared, empty_store):
    """The kernel server's measuring on two cores keeps what one process measuring everything
    keeps, every size (that the child is another process: the next test)."""
    assert threading.active_count() == 1  # otherwise the server would not fork (and says so)
    assert kernel_server.measure_texts(prepared, parts=1) == []
    alone = dict(empty_store)
    empty_store.clear()
    assert kernel_server.measure_texts(prepared, parts=2) == []
    assert empty_store == alone
    assert len({key[2] for key in alone}) > 100  # both languages' texts


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
    assert empty_store  # the server's own share is kept

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
