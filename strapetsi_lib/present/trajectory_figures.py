"""Figures of the trajectories over three waves or more, for the provider and the network report.

Each function returns the figure and its text alternative (the numbers a screen-reader user
needs, from the same frame as the figure). The frames come from
:mod:`strapetsi_lib.present.trajectory_view`, already through the disclosure layer and rounded
as the tables print them. The figures are laid out for a phone and a printed page at once:
:data:`WIDTH` inches wide, no text under :data:`MIN_TEXT` points, small multiples in two
columns, and a status read from a marker's shape and fill, never from colour alone.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from strapetsi_lib.ingest.instrument import Instrument  # noqa: E402
from strapetsi_lib.present.figure_style import (  # noqa: E402
    FIGURE_WIDTH,
    HIGHLIGHT,
    MIN_FONT_SIZE,
    NETWORK,
    apply_style,
    fitted_limits,
    number_ticks,
    wrap_chars,
)
from strapetsi_lib.present.i18n import number, percent, text  # noqa: E402

__all__ = ["dimension_trajectory", "network_status_trajectory", "status_trajectory"]

#: Width of a trajectory figure in inches and its smallest text in points: every report
#: figure's (figure_style: readable at 390 CSS px and on A4).
WIDTH = FIGURE_WIDTH
MIN_TEXT = MIN_FONT_SIZE
#: Small multiples stand in this many columns.
COLUMNS = 2
#: A panel's height in inches (its title, its axes and its wave labels).
PANEL_HEIGHT = 1.9
#: What a figure needs besides its panels (legend, margins), in inches.
FIXED_HEIGHT = 0.9
#: The marker of each practice status: shape and fill, the figure's twin of
#: ``takehold_view.STATUS_SYMBOLS`` (● ◐ ○ ✕ –), so that no status rests on colour.
STATUS_MARKERS = {
    "embedded": {"marker": "o", "fillstyle": "full", "markerfacecolor": HIGHLIGHT},
    "adopting": {"marker": "o", "fillstyle": "left", "markerfacecolor": HIGHLIGHT,
                 "markerfacecoloralt": "white"},
    "trying": {"marker": "o", "fillstyle": "full", "markerfacecolor": "white"},
    "not_in_use": {"marker": "X", "fillstyle": "full", "markerfacecolor": HIGHLIGHT},
    "too_few_responses": {"marker": "_", "fillstyle": "full", "markerfacecolor": HIGHLIGHT},
}
#: Statuses that mean a practice has taken hold (the network figure's share).
TAKEN_HOLD = ("embedded", "adopting")


def _wrap(words: str, inches: float) -> str:
    """``words`` wrapped to a line ``inches`` wide at :data:`MIN_TEXT` points, never cut."""
    return textwrap.fill(words, wrap_chars(inches, MIN_TEXT), break_long_words=False)


def _panels(n: int) -> tuple[plt.Figure, np.ndarray]:
    """A figure of ``n`` small multiples in :data:`COLUMNS` columns (unused panels hidden)."""
    rows = max(1, math.ceil(n / COLUMNS))
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(WIDTH, PANEL_HEIGHT * rows + FIXED_HEIGHT),
                             squeeze=False, sharey=True)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n]


def _wave_axis(ax: plt.Axes, ticks: list[str]) -> None:
    ax.set_xticks(range(len(ticks)), ticks, fontsize=MIN_TEXT)
    ax.set_xlim(-0.4, len(ticks) - 0.6)
    ax.tick_params(axis="y", labelsize=MIN_TEXT)
    ax.grid(axis="x", visible=False)


def dimension_trajectory(trajectory: pd.DataFrame, instrument: Instrument,
                         waves: dict[str, str], language: str,
                         own_label: str, network_label: str | None = None
                         ) -> tuple[plt.Figure, str]:
    """Each dimension's mean over the waves, a panel per dimension.

    Parameters
    ----------
    trajectory
        ``dimension, wave, mean`` and, for a provider, ``network_mean``
        (:func:`~strapetsi_lib.present.trajectory_view.dimension_trajectory`), or the network's
        with ``ci_low, ci_high`` (:func:`~strapetsi_lib.present.trajectory_view.
        network_dimension_trajectory`), drawn as bars.
    waves
        Wave id to its short label (the axis), in time order.
    own_label, network_label
        The legend's words for ``mean`` and ``network_mean`` (None: no network line).
    """
    apply_style()
    order = [d for d in instrument.dimension_codes if d in set(trajectory["dimension"])]
    wave_ids = list(waves)
    fig, axes = _panels(len(order))
    scale = instrument.score_scale
    x = np.arange(len(wave_ids))
    columns = ["mean", "network_mean"] if network_label else ["mean"]
    values = trajectory[columns].to_numpy(dtype=float).ravel()
    if "ci_low" in trajectory:
        values = np.concatenate([values, trajectory[["ci_low", "ci_high"]].to_numpy(float)
                                 .ravel()])
    low, high = fitted_limits(values, scale.min, scale.max)
    parts = []
    for ax, dim in zip(axes, order, strict=True):
        rows = trajectory[trajectory["dimension"] == dim].set_index("wave").reindex(wave_ids)
        if network_label:
            ax.plot(x, rows["network_mean"], color=NETWORK, linestyle="--", marker="D",
                    markersize=5)
        ax.plot(x, rows["mean"], color=HIGHLIGHT, marker="o", markersize=7, linewidth=2)
        if "ci_low" in rows:
            ax.errorbar(x, rows["mean"], yerr=[rows["mean"] - rows["ci_low"],
                                               rows["ci_high"] - rows["mean"]],
                        fmt="none", ecolor=HIGHLIGHT, capsize=3)
        name = instrument.dimension(dim).name[language]
        ax.set_title(_wrap(name, WIDTH / COLUMNS - 0.2), fontsize=MIN_TEXT, loc="left")
        _wave_axis(ax, list(waves.values()))
        ax.set_ylim(low, high)
        number_ticks(ax.yaxis, language)
        parts.append(text("trajectory_alt_dimension_item", language, dimension=name,
                          values=", ".join(number(v, language) for v in rows["mean"])))
    handles = [Line2D([], [], color=HIGHLIGHT, marker="o", linewidth=2, label=own_label)]
    if network_label:
        handles.append(Line2D([], [], color=NETWORK, marker="D", linestyle="--",
                              label=network_label))
    fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False,
               fontsize=MIN_TEXT)
    alt = text("trajectory_alt_dimensions", language, scale=scale.span(),
               waves=", ".join(waves.values())) + " " + "; ".join(parts) + "."
    return fig, alt


def _status_legend(fig: plt.Figure, categories: list[str], language: str) -> None:
    """The statuses' markers and words, read row by row (matplotlib fills columns first)."""
    handles = [Line2D([], [], color=HIGHLIGHT, linestyle="none", markersize=9,
                      markeredgewidth=1.6, label=text(f"status_{c}", language),
                      **STATUS_MARKERS[c]) for c in categories]
    fig.legend(handles=handles[0::2] + handles[1::2], loc="outside upper center", ncol=2,
               frameon=False, fontsize=MIN_TEXT)


def status_trajectory(trajectory: pd.DataFrame, practices: list[str], instrument: Instrument,
                      waves: dict[str, str], language: str) -> tuple[plt.Figure, str]:
    """Each practice's status at every wave: a row per practice, the status as a marker.

    Parameters
    ----------
    trajectory
        ``practice, wave, category``
        (:func:`~strapetsi_lib.present.trajectory_view.status_trajectory`).
    practices
        The practices' codes in the order of the rows (the provider's own first).
    waves
        Wave id to its short label, in time order.
    """
    apply_style()
    wave_ids = list(waves)
    names = [_wrap(instrument.practice(code).name[language], 2.3) for code in practices]
    lines = sum(name.count("\n") + 1 for name in names)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.2 * lines + 0.25 * len(practices) + 1.6))
    grid = trajectory.pivot(index="practice", columns="wave", values="category").reindex(
        index=practices, columns=wave_ids)
    rank = {c: i for i, c in enumerate(("not_in_use", "trying", "adopting", "embedded"))}
    parts = []
    for y, code in enumerate(practices):
        categories = grid.loc[code].tolist()
        # a line through the waves with a status, so that the path reads at a glance
        known = [(x, c) for x, c in enumerate(categories) if c in rank]
        if len(known) > 1:
            ax.plot([x for x, _ in known], [y] * len(known), color=NETWORK, linewidth=1,
                    zorder=1)
        for x, category in enumerate(categories):
            ax.plot([x], [y], color=HIGHLIGHT, markersize=13, linestyle="none", zorder=3,
                    markeredgewidth=1.6, **STATUS_MARKERS[category])
        parts.append(text("trajectory_alt_status_item", language,
                          practice=instrument.practice(code).name[language],
                          statuses=", ".join(text(f"status_{c}", language).lower()
                                             for c in categories)))
    ax.set_yticks(range(len(practices)), names, fontsize=MIN_TEXT)
    ax.set_ylim(len(practices) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    _wave_axis(ax, list(waves.values()))
    shown = [c for c in STATUS_MARKERS if c in set(grid.to_numpy().ravel())]
    _status_legend(fig, shown, language)
    alt = text("trajectory_alt_statuses", language, waves=", ".join(waves.values())) + " " \
        + "; ".join(parts) + "."
    return fig, alt


def network_status_trajectory(counts: pd.DataFrame, instrument: Instrument,
                              waves: dict[str, str], language: str) -> tuple[plt.Figure, str]:
    """For each practice, the share of its providers with the practice taken hold (embedded
    or being adopted) at each wave, a panel per practice, each point labelled.

    Parameters
    ----------
    counts
        :func:`~strapetsi_lib.present.trajectory_view.network_status_counts`.
    waves
        Wave id to its short label, in time order.
    """
    apply_style()
    practices = [p.code for p in instrument.practices]
    wave_ids = list(waves)
    fig, axes = _panels(len(practices))
    x = np.arange(len(wave_ids))
    parts = []
    for ax, code in zip(axes, practices, strict=True):
        rows = counts[counts["practice"] == code]
        total = rows.groupby("wave")["n"].sum().reindex(wave_ids)
        held = (rows[rows["category"].isin(TAKEN_HOLD)].groupby("wave")["n"].sum()
                .reindex(wave_ids).fillna(0))
        share = (held / total.where(total > 0)) * 100
        ax.plot(x, share, color=HIGHLIGHT, marker="o", markersize=7, linewidth=2)
        for xi, value in zip(x, share, strict=True):
            if pd.notna(value):
                ax.annotate(percent(value / 100, language), (xi, value), textcoords="offset points",
                            xytext=(0, 7), ha="center", fontsize=MIN_TEXT)
        name = instrument.practice(code).name[language]
        ax.set_title(_wrap(name, WIDTH / COLUMNS - 0.2), fontsize=MIN_TEXT, loc="left")
        _wave_axis(ax, list(waves.values()))
        ax.set_ylim(0, 119)  # room for the label above a point at 100 %
        ax.set_yticks([0, 50, 100])
        number_ticks(ax.yaxis, language, 0, as_percent=True)
        parts.append(text("trajectory_alt_network_status_item", language, practice=name,
                          values=", ".join(percent(v / 100, language) for v in share)))
    alt = text("trajectory_alt_network_statuses", language,
               waves=", ".join(waves.values())) + " " + "; ".join(parts) + "."
    return fig, alt
