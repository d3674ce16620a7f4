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
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from strapetsi_lib.analysis.stats import is_clear  # noqa: E402
from strapetsi_lib.ingest.instrument import Instrument  # noqa: E402
from strapetsi_lib.present.figure_style import (  # noqa: E402
    HIGHLIGHT,
    MEAN_CMAP,
    NETWORK,
    agreement_colours,
    apply_style,
    fitted_limits,
    jittered_rows,
    number_ticks,
    tick_labels_as_text,
)
from strapetsi_lib.present.i18n import interval, number, percent, text  # noqa: E402
from strapetsi_lib.present.survey_words import role_label, scale_span  # noqa: E402

__all__ = ["HIGHLIGHT", "NETWORK", "change_forest", "dimension_profile", "item_diverging_bars",
           "provider_place", "role_heatmap"]

#: Statement labels are wrapped (never cut) at this many characters.
STATEMENT_WRAP = 55
#: Heights in the statement chart, in inches: an area's name row, and a bar.
AREA_ROW = 0.34
BAR = 0.2


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
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(order) + 1.4))
    y = np.arange(len(order))
    ax.errorbar(own["mean"], y, xerr=[own["mean"] - own["ci_low"], own["ci_high"] - own["mean"]],
                fmt="o", color=HIGHLIGHT, capsize=4, label=text("this_provider", language))
    ax.scatter(net["mean"], y, marker="D", color=NETWORK, zorder=3,
               label=text("network_average", language))
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    scale = instrument.score_scale
    ax.set_xlim(scale.min, scale.max)
    number_ticks(ax.xaxis, language)
    ax.set_xlabel(text("mean_axis", language, scale=scale.span()))
    # over the whole figure, not the axes: long dimension names leave the axes narrow, and a
    # legend centred on them runs off the figure's right edge (Swedish)
    fig.legend(loc="outside upper center", ncol=2, frameon=False)
    parts = [text("alt_profile_item", language, dimension=name,
                  mean=number(m, language), network=number(n, language))
             for name, m, n in zip(names, own["mean"], net["mean"], strict=True) if pd.notna(m)]
    alt = text("alt_profile", language, scale=scale.span()) + " " + "; ".join(parts) + "."
    return fig, alt


def item_diverging_bars(distribution: pd.DataFrame, instrument: Instrument,
                        language: str) -> tuple[plt.Figure, str]:
    """Diverging stacked bars of the answers to each statement, grouped by area.

    Disagreement extends left of zero, agreement right, and the neutral answer straddles zero.
    The statements are grouped under their area's (dimension's) name, each labelled with its
    full wording, wrapped, and each bar ends with the share agreeing.

    Parameters
    ----------
    distribution
        One provider's and wave's rows of ``item_distributions`` (``item, value, share``).
    """
    _style()
    scale = instrument.score_scale
    values = scale.values
    shares = (distribution.pivot_table(index="item", columns="value", values="share",
                                       aggfunc="sum", observed=True)
              .reindex(columns=values).fillna(0.0))
    order = [code for code in instrument.scale_item_codes if code in shares.index]
    shares = shares.reindex(order) * 100
    mid = scale.middle
    neg = [v for v in values if v < mid]
    neutral = [v for v in values if v == mid]
    agree = shares[[v for v in values if v > mid]].sum(axis=1)
    colours = agreement_colours(values, mid)
    groups = [(dim, [c for c in order if instrument.item(c).dimension == dim])
              for dim in instrument.dimension_codes]
    groups = [(dim, codes) for dim, codes in groups if codes]
    labels = {code: textwrap.fill(instrument.item(code).text[language], STATEMENT_WRAP)
              for code in order}
    # One axes whose y unit is an inch: each area's name on a row of its own, then its
    # statements, each row as tall as its wrapped wording. (Panels per area would cost a
    # layout of their axes each.)
    rows: list[tuple[float, str]] = []  # (centre, item code) of each bar
    headers: list[tuple[float, str]] = []  # (centre, area name) of each area's row
    y = 0.0
    for dim, codes in groups:
        headers.append((y + AREA_ROW / 2, instrument.dimension(dim).name[language]))
        y += AREA_ROW
        for code in codes:
            height = 0.16 * (labels[code].count("\n") + 1) + 0.16
            rows.append((y + height / 2, code))
            y += height
    fig, ax = plt.subplots(figsize=(9, y + 1.3))
    centres = np.array([centre for centre, _ in rows])
    codes = [code for _, code in rows]
    part = shares.loc[codes]
    left = -(part[neg].sum(axis=1) + part[neutral].sum(axis=1) / 2).to_numpy()
    handles = []
    for value, colour in zip(values, colours, strict=True):
        width = part[value].to_numpy()
        boxes = [[(x0, c - BAR / 2), (x0 + w, c - BAR / 2), (x0 + w, c + BAR / 2),
                  (x0, c + BAR / 2)] for x0, w, c in zip(left, width, centres, strict=True)]
        ax.add_collection(PolyCollection(boxes, facecolors=colour, edgecolors="white",
                                         linewidths=0.5), autolim=False)
        handles.append(Patch(facecolor=colour, label=scale.label(value, language)))
        left = left + width
    for end, centre, code in zip(left, centres, codes, strict=True):
        # inside the axes (the x limit leaves room after a full bar): nothing for the layout
        ax.text(end + 2, centre, percent(agree[code] / 100, language), va="center",
                fontsize=8).set_in_layout(False)
    at_figure_left = blended_transform_factory(fig.transFigure, ax.transData)
    for centre, name in headers:
        ax.text(0.01, centre, name, transform=at_figure_left, va="center", fontsize=10,
                fontweight="bold").set_in_layout(False)  # it sits over the labels' margin
    ax.axvline(0, color="black", linewidth=0.8)
    tick_labels_as_text(ax, "y", centres, [labels[c] for c in codes], fontsize=8)
    ax.set_ylim(y, 0)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(-100, 120)  # room for the share agreeing at the end of a full bar
    ax.set_xticks([-100, -50, 0, 50, 100])
    number_ticks(ax.xaxis, language, 0, as_percent=True, absolute=True)
    ax.set_xlabel(text("share_of_answers_percent", language))
    fig.legend(handles=_row_major(handles, 3), loc="outside upper center", ncol=3,
               frameon=False, fontsize=8)
    top, low = agree.idxmax(), agree.idxmin()
    alt = text("alt_items", language, n_items=len(order),
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

    The colour scale spans the means shown (rounded out to half points, at least one point
    wide), so differences between roles show as differences of shade.

    Parameters
    ----------
    role_means
        One provider's and wave's ``role, dimension, mean`` after privacy suppression
        (suppressed means are NaN).
    suppressed_label
        Text written into a suppressed cell (e.g. "alle 5 vastaajaa").
    """
    _style()
    roles = [r for r in instrument.role_codes if r in set(role_means["role"])]
    grid = (role_means.pivot_table(index="dimension", columns="role", values="mean",
                                   aggfunc="first", dropna=False, observed=True)
            .reindex(index=instrument.dimension_codes, columns=roles))
    annot = grid.map(lambda v: suppressed_label if pd.isna(v) else number(v, language, 1))
    scale = instrument.score_scale
    vmin, vmax = fitted_limits(grid.to_numpy(dtype=float).ravel(), scale.min, scale.max)
    fig, ax = plt.subplots(figsize=(1.9 * len(roles) + 3.5, 0.55 * len(grid) + 1.4))
    # Drawn directly rather than with seaborn's heatmap, which draws the whole figure once
    # more to decide whether its tick labels overlap.
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    mesh = ax.pcolormesh(values, cmap=MEAN_CMAP, vmin=vmin, vmax=vmax, edgecolors="white",
                         linewidth=1.0)
    colours = mesh.to_rgba(values.filled(vmin))
    for (i, j), label in np.ndenumerate(annot.to_numpy()):
        ax.text(j + 0.5, i + 0.5, label, ha="center", va="center", fontsize=10,
                color=_text_colour(colours[i, j]) if not values.mask[i, j] else "black")
    colorbar = fig.colorbar(mesh, ax=ax, label=text("mean_axis", language, scale=scale.span()))
    colorbar.outline.set_visible(False)
    number_ticks(colorbar.ax.yaxis, language)
    tick_labels_as_text(ax, "x", np.arange(len(roles)) + 0.5,
                        [role_label(instrument, r, language) for r in roles], tick_length=0)
    tick_labels_as_text(ax, "y", np.arange(len(grid)) + 0.5,
                        [instrument.dimension(d).name[language] for d in grid.index],
                        tick_length=0)
    ax.set_ylim(len(grid), 0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
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
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(order) + 1.4))
    means = ranks.dropna(subset=["mean"]).groupby("dimension", sort=False)["mean"]
    jittered_rows(ax, [means.get_group(c).to_numpy() if c in means.groups else []
                       for c in order], jitter=0.2, size=4, color=NETWORK, alpha=0.45)
    ax.grid(axis="y", visible=False)
    ax.set_ylim(len(order) - 0.5, -0.5, auto=None)  # the dots' rows; the highlight may widen
    tick_labels_as_text(ax, "y", range(len(order)), [names[c] for c in order])
    ax.scatter(own["mean"], [order.index(d) for d in own["dimension"]], color=HIGHLIGHT,
               marker="o", s=90, edgecolor="black", zorder=5, label=text("this_provider", language))
    number_ticks(ax.xaxis, language)
    ax.set_xlabel(text("provider_means_axis", language, scale=scale_span(instrument)))
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
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(order) + 1.4))
    y = np.arange(len(order))
    clear = np.atleast_1d(is_clear(shown["p_adjusted"].to_numpy(),
                                   shown["hedges_g"].to_numpy()))
    for filled, color in ((True, HIGHLIGHT), (False, NETWORK)):
        rows = clear == filled
        if rows.any():
            part = shown[rows]
            ax.errorbar(part["estimate"], y[rows], xerr=[part["estimate"] - part["ci_low"],
                                                         part["ci_high"] - part["estimate"]],
                        fmt="o", color=color, capsize=4,
                        mfc=color if filled else "white")  # filled or not: no colour needed
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    number_ticks(ax.xaxis, language)
    ax.set_xlabel(text("change_axis", language, scale=scale_span(instrument)))
    parts = [text("alt_change_item", language, dimension=name,
                  change=number(row.estimate, language, 2, signed=True),
                  ci=interval(row.ci_low, row.ci_high, language, 2))
             for name, row in zip(names, shown.itertuples(), strict=True)]
    alt = text("alt_change", language) + " " + "; ".join(parts) + "."
    return fig, alt
