"""Figures of the network report. Each function returns the figure and its text alternative.

The inputs are the display frames of :mod:`strapetsi_lib.present.network_view` (names already in the
report's language, verdicts already decided), so a figure and the table beside it cannot
disagree. The text alternative states what the figure shows with the numbers a screen-reader user
needs, computed from the same data as the figure.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from strapetsi_lib.ingest.instrument import Instrument, Scale  # noqa: E402
from strapetsi_lib.present.figure_style import (  # noqa: E402
    FIGURE_WIDTH,
    MAX_FIGURE_HEIGHT,
    MIN_FONT_SIZE,
    WORSE,
    apply_style,
    axis_label,
    even_parts,
    number_ticks,
    seeded_jitter,
    wrap_chars,
)
from strapetsi_lib.present.i18n import number, percent, text  # noqa: E402
from strapetsi_lib.present.network_view import (  # noqa: E402
    change_sentences,
    effect,
    effect_interval,
)

#: Colours of the waves set side by side (baseline, latest); colour-blind safe and distinct
#: in grey print.
WAVE_COLOURS = ("#9ecae1", "#08519c")
CLEAR = "#08519c"
UNCLEAR = "#7f7f7f"
#: Dimension names beside a chart's rows are wrapped at this many characters.
NAME_WRAP = wrap_chars(2.0)
#: The response-rate chart: the height of a provider's row and what a figure needs besides
#: its rows (legend, axis, margins), in inches; providers beyond a page go to the next part.
RATE_ROW = 0.17
RATE_FIXED = 1.6


def _style() -> None:
    apply_style()


def _range(values: pd.Series, language: str, fmt) -> tuple[str, str]:
    return fmt(values.min(), language), fmt(values.max(), language)


# --------------------------------------------------------------------------- response rates


def response_rates(rates: pd.DataFrame, wave_labels: dict[str, str], language: str,
                   labelled: bool = True) -> list[tuple[plt.Figure, str]]:
    """Every provider's response rate, one row each, highest latest rate first; the first and
    the latest wave as two dots joined by a line, the latest wave's median as a dashed line.

    As many figures as it takes to keep each no taller than a printed page (81 providers: two).

    Parameters
    ----------
    rates
        ``label, wave, response_rate`` (0–1, as printed): one row per shown provider and wave
        (:func:`strapetsi_lib.present.network_view.rates_by_provider`).
    wave_labels
        The waves to draw (id to label), in time order: the first and the latest.
    labelled
        Write each provider's label beside its row (a code, or a name in the coordinator's
        report); ``False`` draws the rows without labels
        (:func:`strapetsi_lib.present.network_view.rates_labelled`).

    Returns
    -------
    list of (Figure, str)
        Each part and its text alternative.
    """
    waves = [w for w in wave_labels if (rates["wave"] == w).any()]
    wide = (rates[rates["wave"].isin(waves)]
            .pivot_table(index="label", columns="wave", values="response_rate", aggfunc="first")
            .reindex(columns=waves))
    latest = waves[-1]
    wide = wide.assign(_key=wide[latest].fillna(-1.0)).sort_values(
        ["_key"], ascending=False, kind="stable").drop(columns="_key")
    # the median as printed (whole percentages): the line carries nothing more precise
    median = (round(100 * float(wide[latest].median())) / 100 if wide[latest].notna().any()
              else math.nan)
    colours = dict(zip(waves, _wave_colours(len(waves)), strict=True))
    high = max(100.0, 100 * float(np.nanmax(wide.to_numpy(dtype=float))) + 5)
    per_part = int((MAX_FIGURE_HEIGHT - RATE_FIXED) / RATE_ROW)
    parts = even_parts(len(wide), per_part)
    figures = []
    for number_of_part, rows in enumerate(parts, start=1):
        _style()
        block = wide.iloc[rows.start:rows.stop]
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, RATE_ROW * len(block) + RATE_FIXED))
        y = np.arange(len(block))
        values = 100 * block.to_numpy(dtype=float)
        if len(waves) > 1:
            ax.hlines(y, np.nanmin(values, axis=1), np.nanmax(values, axis=1), color="#9e9e9e",
                      linewidth=1.2, zorder=2)
        for k, wave in enumerate(waves):
            last = k == len(waves) - 1
            ax.scatter(values[:, k], y, s=28, zorder=3, label=wave_labels[wave],
                       facecolor=colours[wave] if last else "white", edgecolor=colours[wave],
                       linewidth=1.4)
        if not math.isnan(median):
            ax.axvline(100 * median, color="black", linestyle="--", linewidth=0.9,
                       label=text("network_rates_median", language,
                                  wave=wave_labels[latest], median=percent(median, language)))
        ax.set_xlim(0, high)
        ax.set_ylim(len(block) - 0.5, -0.5)
        ax.set_yticks(y, list(block.index) if labelled else [""] * len(block),
                      fontsize=MIN_FONT_SIZE)
        ax.grid(axis="y", visible=False)
        number_ticks(ax.xaxis, language, 0)
        ax.set_xlabel(axis_label(text("network_rates_axis", language), FIGURE_WIDTH - 1.0))
        fig.legend(loc="outside upper center", ncol=1, frameon=False, fontsize=MIN_FONT_SIZE)
        alt = text("network_alt_rates", language, wave=wave_labels[latest],
                   part=number_of_part, parts=len(parts), n=len(block))
        if labelled:
            alt += " " + "; ".join(
                f"{label} " + ", ".join(percent(row[w], language) for w in waves
                                        if not pd.isna(row[w]))
                for label, row in block.iterrows()) + "."
        else:
            shown = block[latest].dropna()
            alt += " " + text("network_alt_rates_range", language,
                              high=percent(shown.max(), language),
                              low=percent(shown.min(), language)) if len(shown) else ""
        figures.append((fig, alt))
    return figures


def _wave_colours(n: int) -> list[str]:
    return list(WAVE_COLOURS[-n:]) if n <= len(WAVE_COLOURS) else sns.color_palette(
        "Blues", n).as_hex()


# ------------------------------------------------------------------------- providers per dimension


def provider_distribution(means: pd.DataFrame, dimension_names: dict[str, str],
                          wave_labels: dict[str, str], language: str,
                          scale: Scale) -> tuple[plt.Figure, str]:
    """Box and dots of the provider means per dimension, the compared waves side by side.

    Parameters
    ----------
    means
        ``wave, dimension, mean``: one row per provider, wave and dimension, already limited to
        providers with at least ``min_group_size`` respondents
        (:func:`strapetsi_lib.present.network_view.provider_means`).
    dimension_names
        Dimension code to name, in the order to draw.
    wave_labels
        The waves to draw (id to label), in time order.
    scale
        The dimensions' scale (the instrument's), the figure's axis.
    """
    _style()
    data = means[means["wave"].isin(list(wave_labels))
                 & means["dimension"].isin(list(dimension_names))]
    data = data.assign(name=data["dimension"].map(dimension_names),
                       label=data["wave"].map(wave_labels))
    order = list(dimension_names.values())
    hue_order = [wave_labels[w] for w in wave_labels if (data["wave"] == w).any()]
    palette = dict(zip(hue_order, _wave_colours(len(hue_order)), strict=True))
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 1.0 * len(order) + 1.5))
    sns.boxplot(data=data, x="mean", y="name", order=order, hue="label", hue_order=hue_order,
                palette=palette, showfliers=False, width=0.7, linecolor="black",
                boxprops={"alpha": 0.45}, ax=ax, legend=False)
    with seeded_jitter():
        sns.stripplot(data=data, x="mean", y="name", order=order, hue="label",
                      hue_order=hue_order, palette=palette, dodge=True, size=3.5, jitter=0.15,
                      alpha=0.9, edgecolor="black", linewidth=0.3, ax=ax)
    ax.set_xlim(scale.min, scale.max)
    number_ticks(ax.xaxis, language)
    ax.set_xlabel(axis_label(text("network_means_axis", language, scale=scale.span())))
    ax.set_ylabel("")
    ax.set_yticks(range(len(order)), [textwrap.fill(name, NAME_WRAP) for name in order])
    ax.legend(title="", loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(hue_order),
              frameon=False)
    parts = []
    for code, name in dimension_names.items():
        waves = []
        for wave, label in wave_labels.items():
            values = data.loc[(data["dimension"] == code) & (data["wave"] == wave), "mean"]
            if values.empty:
                continue
            low, high = _range(values, language, number)
            waves.append(text("network_alt_spread_wave", language, wave=label, n=len(values),
                              median=number(values.median(), language), low=low, high=high))
        if waves:
            parts.append(f"{name}: " + ", ".join(waves))
    alt = text("network_alt_spread", language, scale=scale.span()) + " " + "; ".join(parts) + "."
    return fig, alt


# --------------------------------------------------------------------------- forest plots


def _forest(ax: plt.Axes, frame: pd.DataFrame, labels: list[str]) -> None:
    """Points with horizontal 95 % intervals, clear results dark and filled; a clear result
    for the worse (the frame's ``worse``, where it has one) red."""
    y = np.arange(len(frame))
    worse = frame["worse"] if "worse" in frame else pd.Series(False, index=frame.index)
    for i, (row, for_worse) in enumerate(zip(frame.itertuples(), worse, strict=True)):
        if row.estimate is None or math.isnan(row.estimate):
            continue
        colour = (WORSE if for_worse else CLEAR) if row.clear else UNCLEAR
        ax.errorbar(row.estimate, i, xerr=[[row.estimate - row.ci_low],
                                           [row.ci_high - row.estimate]],
                    fmt="o", mfc=colour if row.clear else "white",
                    mec=colour, ecolor=colour, capsize=3, markersize=6, linewidth=1.6)
    ax.axvline(0, color="black", linewidth=0.9)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(frame) - 0.5, -0.5)


def _verdict_legend(fig: plt.Figure, language: str, with_worse: bool = False) -> None:
    """Clear (and, ``with_worse``, clear for the worse) and not clear."""
    handles = [plt.Line2D([], [], marker="o", color=CLEAR, mfc=CLEAR, linestyle="-",
                          label=text("network_legend_clear_better" if with_worse
                                     else "network_legend_clear", language))]
    if with_worse:
        handles.append(plt.Line2D([], [], marker="o", color=WORSE, mfc=WORSE, linestyle="-",
                                  label=text("network_legend_clear_worse", language)))
    handles.append(plt.Line2D([], [], marker="o", color=UNCLEAR, mfc="white", linestyle="-",
                              label=text("network_legend_unclear", language)))
    fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False)


def _symmetric_limits(ax: plt.Axes, frame: pd.DataFrame, language: str) -> None:
    reach = np.nanmax(np.abs(frame[["ci_low", "ci_high"]].to_numpy(dtype=float)))
    reach = 0.1 if not np.isfinite(reach) else max(reach * 1.15, 0.1)
    ax.set_xlim(-reach, reach)
    number_ticks(ax.xaxis, language)


def change_forest(change: pd.DataFrame, language: str,
                  instrument: Instrument) -> tuple[plt.Figure, str]:
    """Forest plot of the network's change per dimension (mixed model); a clear change for the
    worse is red, whichever way its dimension points (a rise where a lower score is better).

    Parameters
    ----------
    change
        :func:`strapetsi_lib.present.network_view.network_change`.
    instrument
        The instrument: the dimensions' scale, which the change is in points of, and which way
        each dimension is better.
    """
    _style()
    change = change.assign(worse=[(estimate > 0) != instrument.higher_is_better(dimension)
                                  for dimension, estimate in zip(change["dimension"],
                                                                 change["estimate"],
                                                                 strict=True)])
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.6 * len(change) + 1.6))
    _forest(ax, change, [textwrap.fill(n, NAME_WRAP) for n in change["name"]])
    _symmetric_limits(ax, change, language)
    ax.set_xlabel(axis_label(text("network_change_axis", language,
                                  scale=instrument.score_scale.span())))
    _verdict_legend(fig, language, with_worse=bool((change["worse"] & change["clear"]).any()))
    alt = text("network_alt_change", language) + " " + " ".join(
        change_sentences(change, language))
    return fig, alt


def theme_forest(results: pd.DataFrame, language: str) -> tuple[plt.Figure, str]:
    """Forest plot of one theme's differences in change, a row per dimension.

    Parameters
    ----------
    results
        One theme's rows of :func:`strapetsi_lib.present.network_view.theme_results`.
    """
    _style()
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.6 * len(results) + 1.6))
    _forest(ax, results, [textwrap.fill(n, NAME_WRAP) for n in results["name"]])
    _symmetric_limits(ax, results, language)
    ax.set_xlabel(axis_label(text("network_theme_axis", language)))
    _verdict_legend(fig, language)
    clear = results[results["clear"]]
    alt = text("network_alt_theme", language, theme=results["theme_name"].iloc[0])
    if not clear.empty:
        effects = "; ".join(
            f"{row.name} {effect(row.estimate, language)} "
            f"({effect_interval(row.ci_low, row.ci_high, language)})"
            for row in clear.itertuples())
        alt += " " + text("network_alt_theme_clear", language, effects=effects)
    rest = len(results) - len(clear)
    if rest:
        alt += " " + text("network_alt_theme_rest", language, n=rest)
    return fig, alt
