"""Report figures (seaborn / matplotlib). Each function returns the figure and its text alternative.

The text alternative states what the figure shows, in the report's language, with the numbers a
screen-reader user needs; it is computed from the same data as the figure. Fonts, layout, colours
and number ticks are those of :mod:`strapetsi_lib.present.figure_style`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MultipleLocator  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from strapetsi_lib.analysis.stats import is_clear  # noqa: E402
from strapetsi_lib.ingest.instrument import Instrument  # noqa: E402
from strapetsi_lib.present.figure_numbers import answer_shares, role_mean_grid  # noqa: E402
from strapetsi_lib.present.figure_style import (  # noqa: E402
    FIGURE_WIDTH,
    HIGHLIGHT,
    MAX_FIGURE_HEIGHT,
    MEAN_CMAP,
    MIN_FONT_SIZE,
    NETWORK,
    WORSE,
    agreement_colours,
    apply_style,
    axis_label,
    fitted_limits,
    jittered_rows,
    number_ticks,
    page_parts,
    tick_labels_as_text,
    wrap_chars,
)
from strapetsi_lib.present.i18n import interval, number, percent, text  # noqa: E402
from strapetsi_lib.present.survey_words import (  # noqa: E402
    agreeing_is_better,
    role_label,
    scale_sides,
    scale_span,
)

__all__ = ["HIGHLIGHT", "NETWORK", "change_forest", "dimension_profile", "item_diverging_bars",
           "provider_place", "role_heatmap", "statement_chart_parts"]

#: Statement labels are wrapped (never cut) at this many characters: the figure's whole width,
#: since each statement is written above its bar.
STATEMENT_WRAP = wrap_chars(FIGURE_WIDTH - 0.3)
#: Dimension names beside a chart's rows are wrapped at this many characters (the rest of the
#: width is the chart's).
NAME_WRAP = wrap_chars(2.0)
#: Heights in the statement chart, in inches: an area's name row, a line of a statement's
#: wording, and a bar (with the gap below it).
AREA_ROW = 0.34
STATEMENT_LINE = 0.17
BAR = 0.2
BAR_ROW = 0.34
#: What a statement chart needs besides its rows: legend, axis and margins, in inches.
STATEMENT_CHART_FIXED = 1.5


def _names(names: Sequence[str]) -> list[str]:
    """Dimension names wrapped to fit beside a chart (:data:`NAME_WRAP`), never cut."""
    return [textwrap.fill(name, NAME_WRAP) for name in names]


def _row_height(names: Sequence[str]) -> float:
    """A chart row's height, in inches: room for the longest wrapped name."""
    lines = max((name.count("\n") + 1 for name in names), default=1)
    return max(0.5, 0.2 * lines + 0.12)


def _style() -> None:
    apply_style()


def dimension_profile(provider_means: pd.DataFrame, network_means: pd.DataFrame,
                      instrument: Instrument, language: str) -> tuple[plt.Figure, str]:
    """The provider's dimension means with 95 % CIs beside the network average.

    Parameters
    ----------
    provider_means
        One wave's rows of ``dimension_means`` for the provider (``dimension, mean, ci_low,
        ci_high``); dimensions missing or suppressed are left out.
    network_means
        The same wave's rows of ``network_dimension_means``.
    """
    _style()
    order = instrument.dimension_codes
    names = [instrument.dimension(code).name[language] for code in order]
    own = provider_means.set_index("dimension").reindex(order)
    net = network_means.set_index("dimension").reindex(order)
    labels = _names(names)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, _row_height(labels) * len(order) + 1.4))
    y = np.arange(len(order))
    ax.errorbar(own["mean"], y, xerr=[own["mean"] - own["ci_low"], own["ci_high"] - own["mean"]],
                fmt="o", color=HIGHLIGHT, capsize=4, label=text("this_provider", language))
    ax.scatter(net["mean"], y, marker="D", color=NETWORK, zorder=3,
               label=text("network_average", language))
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    scale = instrument.score_scale
    ax.set_xlim(scale.min, scale.max)
    if scale.max - scale.min <= 4:  # half points on a short scale: the differences that matter
        ax.xaxis.set_major_locator(MultipleLocator(0.5))
    number_ticks(ax.xaxis, language)
    ax.set_xlabel(axis_label(text("mean_axis", language, scale=scale.span())))
    # over the whole figure, not the axes: long dimension names leave the axes narrow, and a
    # legend centred on them runs off the figure's right edge (Swedish)
    fig.legend(loc="outside upper center", ncol=1, frameon=False)
    parts = [text("alt_profile_item", language, dimension=name,
                  mean=number(m, language), network=number(n, language))
             for name, m, n in zip(names, own["mean"], net["mean"], strict=True) if pd.notna(m)]
    alt = text("alt_profile", language, scale=scale.span()) + " " + "; ".join(parts) + "."
    return fig, alt


def _statement_layout(distribution: pd.DataFrame, instrument: Instrument, language: str
                      ) -> tuple[list[str], dict[str, str], list[tuple[str, list[str]]]]:
    """The statements a chart shows (instrument order), their wrapped wording, and the areas
    (dimension, its statements) in order."""
    shown = set(distribution["item"])
    order = [code for code in instrument.scale_item_codes if code in shown]
    labels = {code: textwrap.fill(instrument.item(code).text[language], STATEMENT_WRAP)
              for code in order}
    groups = [(dim, [c for c in order if instrument.item(c).dimension == dim])
              for dim in instrument.dimension_codes]
    return order, labels, [(dim, codes) for dim, codes in groups if codes]


def _statement_height(label: str) -> float:
    """A statement's height in the chart, in inches: its wording above, then its bar."""
    return STATEMENT_LINE * (label.count("\n") + 1) + BAR_ROW


def statement_chart_parts(distribution: pd.DataFrame, instrument: Instrument,
                          language: str) -> list[list[str]]:
    """The areas (dimension codes) of each part of the statement chart: as many areas as fit
    a figure no taller than a printed page (:data:`~strapetsi_lib.present.figure_style.
    MAX_FIGURE_HEIGHT`), an area never split; one part when all fit.

    Draw each part with ``item_diverging_bars(..., dimensions=part)``.
    """
    _, labels, groups = _statement_layout(distribution, instrument, language)
    heights = [AREA_ROW + sum(_statement_height(labels[c]) for c in codes)
               for _, codes in groups]
    return [[groups[i][0] for i in part]
            for part in page_parts(heights, STATEMENT_CHART_FIXED, MAX_FIGURE_HEIGHT)]


def item_diverging_bars(distribution: pd.DataFrame, instrument: Instrument,
                        language: str, dimensions: Sequence[str] | None = None
                        ) -> tuple[plt.Figure, str]:
    """Diverging stacked bars of the answers to each statement, grouped by area.

    Disagreement extends left of zero, agreement right, and the neutral answer straddles zero.
    The statements are grouped under their area's (dimension's) name, each written in full
    above its bar (so that the bars have the figure's whole width, on a phone too), and each
    bar ends with the share agreeing.

    Parameters
    ----------
    distribution
        One provider's and wave's rows of ``item_distributions`` (``item, value, share``).
    dimensions
        The areas to draw (a part from :func:`statement_chart_parts`); ``None`` draws all.
    """
    _style()
    scale = instrument.score_scale
    values = scale.values
    shares = answer_shares(distribution, instrument)
    order, labels, groups = _statement_layout(distribution, instrument, language)
    if dimensions is not None:
        groups = [(dim, codes) for dim, codes in groups if dim in set(dimensions)]
        order = [code for _, codes in groups for code in codes]
    shares = shares.reindex(order) * 100
    mid = scale.middle
    neg = [v for v in values if v < mid]
    neutral = [v for v in values if v == mid]
    agree = shares[[v for v in values if v > mid]].sum(axis=1)
    colours = agreement_colours(values, mid)
    # One axes whose y unit is an inch: each area's name on a row of its own, then its
    # statements, each one's wording above its bar. (Panels per area would cost a layout of
    # their axes each.)
    rows: list[tuple[float, str]] = []  # (centre, item code) of each bar
    wording: list[tuple[float, str]] = []  # (top, item code) of each statement's wording
    headers: list[tuple[float, str]] = []  # (centre, area name) of each area's row
    y = 0.0
    for dim, codes in groups:
        headers.append((y + AREA_ROW / 2, instrument.dimension(dim).name[language]))
        y += AREA_ROW
        for code in codes:
            lines = labels[code].count("\n") + 1
            wording.append((y, code))
            rows.append((y + STATEMENT_LINE * lines + BAR_ROW / 2 - 0.02, code))
            y += _statement_height(labels[code])
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, y + STATEMENT_CHART_FIXED))
    centres = np.array([centre for centre, _ in rows])
    codes = [code for _, code in rows]
    part = shares.loc[codes]
    left = -(part[neg].sum(axis=1) + part[neutral].sum(axis=1) / 2).to_numpy()
    handles = []
    # the better answer is blue either way: a statement whose high side is not the better
    # answer has the colours mirrored (agreeing with "I must often hurry" is not good news,
    # whether the statement is reverse-keyed or its dimension is one where lower is better)
    mirrored = [not agreeing_is_better(instrument, code) for code in codes]
    for k, (value, colour) in enumerate(zip(values, colours, strict=True)):
        width = part[value].to_numpy()
        boxes = [[(x0, c - BAR / 2), (x0 + w, c - BAR / 2), (x0 + w, c + BAR / 2),
                  (x0, c + BAR / 2)] for x0, w, c in zip(left, width, centres, strict=True)]
        faces = [colours[-1 - k] if flip else colour for flip in mirrored]
        ax.add_collection(PolyCollection(boxes, facecolors=faces, edgecolors="white",
                                         linewidths=0.5), autolim=False)
        handles.append(Patch(facecolor=colour, label=scale.label(value, language)))
        left = left + width
    for end, centre, code in zip(left, centres, codes, strict=True):
        # inside the axes (the x limit leaves room after a full bar): nothing for the layout
        ax.text(end + 2, centre, percent(agree[code] / 100, language), va="center",
                fontsize=MIN_FONT_SIZE).set_in_layout(False)
    # the wording and the areas' names start at the axes' left edge and run across the figure
    at_axes_left = blended_transform_factory(ax.transAxes, ax.transData)
    for top, code in wording:
        ax.text(0.0, top + 0.03, labels[code], transform=at_axes_left, va="top",
                fontsize=MIN_FONT_SIZE, linespacing=1.15).set_in_layout(False)
    for centre, name in headers:
        ax.text(0.0, centre, name, transform=at_axes_left, va="center", fontsize=11,
                fontweight="bold").set_in_layout(False)
    # the zero line and the grid only where the bars are, not through the wording
    ax.vlines(np.zeros(len(centres)), centres - BAR * 0.8, centres + BAR * 0.8, color="black",
              linewidth=0.8)
    ax.set_yticks([])
    ax.set_ylim(y, 0)
    ax.grid(False)
    ax.set_xlim(-100, 120)  # room for the share agreeing at the end of a full bar
    ax.set_xticks([-100, -50, 0, 50, 100])
    number_ticks(ax.xaxis, language, 0, as_percent=True, absolute=True)
    ax.set_xlabel(text("share_of_answers_percent", language))
    fig.legend(handles=_row_major(handles, 2), loc="outside upper center", ncol=2,
               frameon=False, fontsize=MIN_FONT_SIZE,
               title=textwrap.fill(str(text("answers_colours_mirrored", language,
                                            **scale_sides(instrument, language))),
                                   wrap_chars(FIGURE_WIDTH - 0.3)) if any(mirrored) else None,
               title_fontsize=MIN_FONT_SIZE)
    top, low = agree.idxmax(), agree.idxmin()
    alt = text("alt_items", language, n_items=len(order),
               high_side=instrument.score_scale.side("high", language),
               top=instrument.item(top).text[language],
               top_share=number(agree[top], language, 0),
               bottom=instrument.item(low).text[language],
               bottom_share=number(agree[low], language, 0))
    return fig, alt


def _text_colour(background: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with the cell (WCAG contrast ratio).

    The two contrasts are equal at a relative luminance of 0.179; above it black wins.
    """
    red, green, blue = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                        for c in background[:3])
    return "black" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.179 else "white"


def _row_major(items: list, ncol: int) -> list:
    """Order legend entries so they read left to right, row by row (matplotlib fills columns)."""
    nrows = -(-len(items) // ncol)
    rows = [items[r * ncol:(r + 1) * ncol] for r in range(nrows)]
    return [row[c] for c in range(ncol) for row in rows if c < len(row)]


def role_heatmap(role_means: pd.DataFrame, instrument: Instrument, language: str,
                 suppressed_label: str) -> tuple[plt.Figure, str]:
    """Heatmap of dimension means by role; suppressed groups show words instead of a colour.

    Each area's name is written across the figure above its row of cells, so that the roles'
    columns share the whole width (on a phone too). The colour scale spans the means shown
    (rounded out to half points, at least one point wide), so differences between roles show
    as differences of shade; each cell also prints its mean.

    Parameters
    ----------
    role_means
        One provider's and wave's ``role, dimension, mean`` after privacy suppression
        (suppressed means are NaN).
    suppressed_label
        Text written into a suppressed cell (e.g. "alle 5 vastaajaa").
    """
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    _style()
    grid = role_mean_grid(role_means, instrument)
    roles = list(grid.columns)
    annot = grid.map(lambda v: suppressed_label if pd.isna(v) else number(v, language, 1))
    scale = instrument.score_scale
    # darker is better in every row: a lower-is-better row is coloured by its mean mirrored
    # on the scale (min + max - mean), the number printed in the cell stays the mean
    mirrored = [not instrument.higher_is_better(d) for d in grid.index]
    shade = grid.apply(lambda row: scale.min + scale.max - row if mirrored[grid.index.get_loc(
        row.name)] else row, axis=1)
    vmin, vmax = fitted_limits(shade.to_numpy(dtype=float).ravel(), scale.min, scale.max)
    cmap, norm = matplotlib.colormaps[MEAN_CMAP], Normalize(vmin, vmax)
    role_labels = [textwrap.fill(role_label(instrument, r, language), wrap_chars(
        (FIGURE_WIDTH - 0.3) / max(1, len(roles))), break_long_words=False) for r in roles]
    # y in rows: each area is a name line (name_line rows) and a row of cells (one row)
    name_line = 0.55
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.5 * (1 + name_line) * len(grid) + 1.9))
    for i, dim in enumerate(grid.index):
        top = i * (1 + name_line)
        ax.text(0, top + name_line * 0.55, instrument.dimension(dim).name[language],
                va="center", ha="left", fontsize=MIN_FONT_SIZE + 0.45).set_in_layout(False)
        for j, role in enumerate(roles):
            value = grid.loc[dim, role]
            colour = cmap(norm(shade.loc[dim, role])) if pd.notna(value) else (1, 1, 1, 1)
            ax.add_patch(Rectangle((j, top + name_line), 1, 1, facecolor=colour,
                                   edgecolor="white" if pd.notna(value) else "#7f7f7f",
                                   linewidth=1.0, hatch=None if pd.notna(value) else "//"))
            mean = ax.text(j + 0.5, top + name_line + 0.5, annot.loc[dim, role], ha="center",
                           va="center", fontsize=MIN_FONT_SIZE,
                           color=_text_colour(colour) if pd.notna(value) else "black",
                           bbox=None if pd.notna(value) else {"facecolor": "white", "pad": 1,
                                                              "edgecolor": "none"})
            # a mean is far narrower than its cell, so within the axes: nothing for the layout
            # to measure (the words of a hidden cell may be wider, and stay measured)
            mean.set_in_layout(pd.isna(value))
    ax.set_xlim(0, len(roles))
    ax.set_ylim(len(grid) * (1 + name_line), 0)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(len(roles)) + 0.5, role_labels, fontsize=MIN_FONT_SIZE + 0.45)
    ax.tick_params(axis="x", length=0)
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    colorbar = fig.colorbar(mappable, ax=ax, orientation="horizontal", fraction=0.05,
                            pad=0.02, aspect=40,
                            label=text("heatmap_darker_better", language) if any(mirrored)
                            else text("mean_axis", language, scale=scale.span()))
    colorbar.outline.set_visible(False)
    if any(mirrored):  # the bar's numbers would be a mean only in the other rows
        colorbar.set_ticks([])
    else:
        colorbar.set_ticks(MultipleLocator(0.5))
        number_ticks(colorbar.ax.xaxis, language)
    shown = [role_label(instrument, r, language) for r in roles if grid[r].notna().any()]
    hidden = [role_label(instrument, r, language) for r in roles if grid[r].isna().all()]
    alt = text("alt_roles", language, roles=", ".join(shown) or "\u2013")
    if hidden:
        alt += " " + text("alt_roles_hidden", language, roles=", ".join(hidden),
                          label=suppressed_label)
    return fig, alt


def provider_place(ranks: pd.DataFrame, provider_id: str, instrument: Instrument,
                   language: str) -> tuple[plt.Figure, str]:
    """Every ranked provider's mean per dimension as anonymous dots, this provider highlighted.

    Parameters
    ----------
    ranks
        One wave's ``dimension_ranks`` (all providers); other providers are not named.
    """
    _style()
    order = instrument.dimension_codes
    names = {code: instrument.dimension(code).name[language] for code in order}
    own = ranks[ranks["provider_id"] == provider_id]
    labels = _names([names[c] for c in order])
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, _row_height(labels) * len(order) + 1.4))
    means = ranks.dropna(subset=["mean"]).groupby("dimension", sort=False)["mean"]
    jittered_rows(ax, [means.get_group(c).to_numpy() if c in means.groups else []
                       for c in order], jitter=0.2, size=4, color=NETWORK, alpha=0.45)
    ax.grid(axis="y", visible=False)
    ax.set_ylim(len(order) - 0.5, -0.5, auto=None)  # the dots' rows; the highlight may widen
    tick_labels_as_text(ax, "y", range(len(order)), labels)
    ax.scatter(own["mean"], [order.index(d) for d in own["dimension"]], color=HIGHLIGHT,
               marker="o", s=90, edgecolor="black", zorder=5, label=text("this_provider", language))
    number_ticks(ax.xaxis, language)
    ax.set_xlabel(axis_label(text("provider_means_axis", language, scale=scale_span(instrument))))
    ax.set_ylabel("")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    parts = [text("alt_place_item", language, dimension=names[row.dimension],
                  percentile=number(row.percentile, language, 0), quartile=row.quartile)
             for row in own.set_index("dimension").reindex(order).dropna(subset=["mean"])
             .reset_index().itertuples()]
    n_providers = int(ranks["provider_id"].nunique())
    alt = text("alt_place", language, n=n_providers) + " " + "; ".join(parts) + "."
    return fig, alt


def change_forest(changes: pd.DataFrame, instrument: Instrument,
                  language: str) -> tuple[plt.Figure, str]:
    """The change per dimension with its 95 % CI as a forest plot around zero.

    Parameters
    ----------
    changes
        One provider's ``dimension_change`` rows (``dimension, estimate, ci_low, ci_high,
        p_adjusted, hedges_g``); suppressed rows (NaN estimate) are left out. Clear changes
        (:func:`strapetsi_lib.analysis.stats.verdict`) are filled.
    """
    _style()
    shown = changes.dropna(subset=["estimate"])
    order = [d for d in instrument.dimension_codes if d in set(shown["dimension"])]
    shown = shown.set_index("dimension").reindex(order)
    names = [instrument.dimension(d).name[language] for d in order]
    labels = _names(names)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, _row_height(labels) * len(order) + 1.4))
    y = np.arange(len(order))
    clear = np.atleast_1d(is_clear(shown["p_adjusted"].to_numpy(),
                                   shown["hedges_g"].to_numpy()))
    # a clear change in the colour of its meaning: a rise where a lower score is better is a
    # worsening, not drawn as an improvement
    better = np.array([(row.estimate > 0) == instrument.higher_is_better(dim)
                       for dim, row in zip(order, shown.itertuples(), strict=True)], dtype=bool)
    for rows, color, filled in ((clear & better, HIGHLIGHT, True), (clear & ~better, WORSE, True),
                                (~clear, NETWORK, False)):
        if rows.any():
            part = shown[rows]
            ax.errorbar(part["estimate"], y[rows], xerr=[part["estimate"] - part["ci_low"],
                                                         part["ci_high"] - part["estimate"]],
                        fmt="o", color=color, capsize=4,
                        mfc=color if filled else "white")  # filled or not: no colour needed
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    number_ticks(ax.xaxis, language)
    ax.set_xlabel(axis_label(text("change_axis", language, scale=scale_span(instrument))))
    parts = [text("alt_change_item", language, dimension=name,
                  change=number(row.estimate, language, 2, signed=True),
                  ci=interval(row.ci_low, row.ci_high, language, 2))
             for name, row in zip(names, shown.itertuples(), strict=True)]
    alt = text("alt_change", language) + " " + "; ".join(parts) + "."
    return fig, alt
