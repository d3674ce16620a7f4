"""The provider report's five figures for one provider, drawn from the calls its notebook makes.

In: the prepared tables and a provider id. Out: for each figure, in the report's order, a call
that selects its view and a call that draws the figure and its text alternative from it
(``notebooks/provider_report.py`` makes the same calls, each figure in its own section, between
the words about it).

Two things need a report's figures without its notebook: the kernel server, which draws them
once before it forks report kernels so that every kernel starts with their texts measured
(:func:`warm_text_metrics`, see :mod:`strapetsi_lib.present.text_metrics`), and
``benchmarks/figures.py``, which times them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

#: The report's figures, in the order the notebook draws them.
FIGURES = ("profile", "place", "items", "roles", "change")


def figure_makers(prepared: Any, provider_id: str) -> dict[str, tuple[Callable[[], Any],
                                                                     Callable[[Any], Any]]]:
    """Each figure's name, a call that selects its view and a call that draws it from that view.

    ``draw(select())`` gives the figure and its text alternative, as the notebook's calls do
    (what the report times as ``figure_seconds`` is the drawing). A figure the notebook would
    leave out (e.g. no change without a second wave) fails in one of the two calls; the others
    still work.
    """
    from strapetsi_lib.present import provider_figures as plots
    from strapetsi_lib.present import provider_view as view
    from strapetsi_lib.present import takehold_view as takehold
    from strapetsi_lib.present.i18n import text

    instrument = prepared.instrument
    wave = view.baseline_wave(prepared)
    lang = prepared.provider(provider_id)["language"]
    return {
        "profile": (lambda: view.dimension_profile(prepared, provider_id, wave),
                    lambda rows: plots.dimension_profile(
                        rows, view.network_profile(prepared, wave), instrument, lang)),
        "place": (lambda: view.network_ranks(prepared, wave),
                  lambda ranks: plots.provider_place(ranks, provider_id, instrument, lang)),
        "items": (lambda: view.item_distribution(prepared, provider_id, wave),
                  lambda rows: plots.item_diverging_bars(rows, instrument, lang)),
        "roles": (lambda: view.role_means(prepared, provider_id, wave),
                  lambda rows: plots.role_heatmap(rows, instrument, lang,
                                                  text("hidden_cell", lang))),
        "change": (lambda: takehold.change_rows(prepared, provider_id),
                   lambda rows: plots.change_forest(rows, instrument, lang)),
    }


def warm_text_metrics(prepared: Any, part: int = 0, parts: int = 1) -> Iterator[str]:
    """Draw the figures of one provider in each report language, to measure their texts.

    What stays in the process is the size and layout of each text drawn (the dimension names,
    statements, legends and axis labels of both languages, and numbers), not the figures, which
    are closed.
    ``part`` of ``parts`` draws only that share of the figures, in order (with two parts and two
    languages, one language each), so that several processes can measure at once (the kernel
    server does, :func:`strapetsi_lib.batch.kernel_server.measure_texts`). Best effort: yields
    the name of each figure that could not be drawn.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    from strapetsi_lib.present.display import figure_svg

    providers = prepared["providers"]
    # which provider does not matter; the last leaves the first ones to benchmarks/figures.py
    drawn = [(language, str(providers.loc[providers["language"] == language,
                                          "provider_id"].iloc[-1]), name)
             for language in sorted(set(providers["language"])) for name in FIGURES]
    share = drawn[len(drawn) * part // parts:len(drawn) * (part + 1) // parts]
    makers: dict[str, Any] = {}
    for language, provider_id, name in share:
        if provider_id not in makers:
            try:
                makers[provider_id] = figure_makers(prepared, provider_id)
            except Exception:  # noqa: BLE001 - a cold store only costs the kernels time
                makers[provider_id] = None
                yield f"{language}: views"
        if makers[provider_id] is None:
            continue
        select, draw = makers[provider_id][name]
        # A kernel starts with matplotlib's defaults; the figures' style is set per figure.
        with matplotlib.rc_context():
            try:
                figure_svg(draw(select())[0])
            except Exception:  # noqa: BLE001 - as above
                yield f"{language}: {name}"
            finally:
                plt.close("all")
