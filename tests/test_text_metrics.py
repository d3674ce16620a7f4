"""Text sizes shared between figures: the same SVGs, measured once a process.

The oracle is matplotlib itself: every figure drawn with the process's store of text sizes must
be byte for byte the figure drawn without it (each text measured afresh, as matplotlib does).
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from strapetsi_lib.present import text_metrics
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
