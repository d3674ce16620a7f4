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
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from strapetsi_lib.ingest.instrument import Scale  # noqa: E402
from strapetsi_lib.present.figure_style import apply_style, number_ticks, seeded_jitter  # noqa: E402
from strapetsi_lib.present.i18n import number, percent, text  # noqa: E402
from strapetsi_lib.present.network_view import (  # noqa: E402
    CATEGORIES,
    change_sentences,
    effect,
    effect_interval,
)

#: Colours of the waves set side by side (baseline, latest); colour-blind safe and distinct
#: in grey print.
WAVE_COLOURS = ("#9ecae1", "#08519c")
CLEAR = "#08519c"
UNCLEAR = "#7f7f7f"
#: Practice categories from most to least taken hold: one blue ramp (readable in grey print),
#: "too few responses" white and hatched.
CATEGORY_COLOURS = {"embedded": "#08306b", "adopting": "#3182bd", "trying": "#9ecae1",
                    "not_in_use": "#e6e6e6", "too_few_responses": "#ffffff"}
#: The status map is split into side-by-side panels of at most this many providers.
MAP_ROWS_PER_PANEL = 41
#: Row labels up to this long (the neutral codes) allow the panels to stand side by side.
MAP_SHORT_LABEL = 12


def _style() -> None:
    apply_style()


def _range(values: pd.Series, language: str, fmt) -> tuple[str, str]:
    return fmt(values.min(), language), fmt(values.max(), language)


# --------------------------------------------------------------------------- response rates


def response_rates(rates: pd.DataFrame, wave_labels: dict[str, str],
                   language: str) -> tuple[plt.Figure, str]:
    """Box and dots of the providers' response rates, one row per wave.

    Parameters
    ----------
    rates
        ``wave, response_rate`` (0–1), one row per provider and wave
        (:func:`strapetsi_lib.present.network_view.provider_response_rates`).
    wave_labels
        Wave id to label, in time order.
    """
    _style()
    waves = [w for w in wave_labels if (rates["wave"] == w).any()]
    data = rates[rates["wave"].isin(waves)].assign(
        label=lambda f: f["wave"].map(wave_labels), pct=lambda f: 100 * f["response_rate"])
    order = [wave_labels[w] for w in waves]
    fig, ax = plt.subplots(figsize=(8, 1.1 * len(order) + 1.3))
    sns.boxplot(data=data, x="pct", y="label", order=order, color="white", width=0.55,
                showfliers=False, linecolor="black", ax=ax)
    with seeded_jitter():
        sns.stripplot(data=data, x="pct", y="label", order=order, hue="label", hue_order=order,
                      palette=dict(zip(order, _wave_colours(len(order)), strict=True)),
                      size=5, jitter=0.2, alpha=0.9, edgecolor="black", linewidth=0.3,
                      legend=False, ax=ax)
    ax.set_xlim(0, 100)
    number_ticks(ax.xaxis, language, 0)
    ax.set_xlabel(text("network_rates_axis", language))
    ax.set_ylabel("")
    parts = []
    for wave in waves:
        shares = data.loc[data["wave"] == wave, "response_rate"]
        low, high = _range(shares, language, percent)
        parts.append(text("network_alt_rates_wave", language, wave=wave_labels[wave],
                          n=len(shares), median=percent(shares.median(), language),
                          low=low, high=high))
    alt = text("network_alt_rates", language) + " " + "; ".join(parts) + "."
    return fig, alt


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
    fig, ax = plt.subplots(figsize=(8.5, 1.0 * len(order) + 1.5))
    sns.boxplot(data=data, x="mean", y="name", order=order, hue="label", hue_order=hue_order,
                palette=palette, showfliers=False, width=0.7, linecolor="black",
                boxprops={"alpha": 0.45}, ax=ax, legend=False)
    with seeded_jitter():
        sns.stripplot(data=data, x="mean", y="name", order=order, hue="label",
                      hue_order=hue_order, palette=palette, dodge=True, size=3.5, jitter=0.15,
                      alpha=0.9, edgecolor="black", linewidth=0.3, ax=ax)
    ax.set_xlim(scale.min, scale.max)
    number_ticks(ax.xaxis, language)
    ax.set_xlabel(text("network_means_axis", language, scale=scale.span()))
    ax.set_ylabel("")
    ax.set_yticks(range(len(order)), [textwrap.fill(name, 28) for name in order])
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
    """Points with horizontal 95 % intervals, clear results dark and filled."""
    y = np.arange(len(frame))
    for i, row in enumerate(frame.itertuples()):
        if row.estimate is None or math.isnan(row.estimate):
            continue
        colour = CLEAR if row.clear else UNCLEAR
        ax.errorbar(row.estimate, i, xerr=[[row.estimate - row.ci_low],
                                           [row.ci_high - row.estimate]],
                    fmt="o", mfc=colour if row.clear else "white",
                    mec=colour, ecolor=colour, capsize=3, markersize=6, linewidth=1.6)
    ax.axvline(0, color="black", linewidth=0.9)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(frame) - 0.5, -0.5)


def _verdict_legend(fig: plt.Figure, language: str) -> None:
    handles = [plt.Line2D([], [], marker="o", color=CLEAR, mfc=CLEAR, linestyle="-",
                          label=text("network_legend_clear", language)),
               plt.Line2D([], [], marker="o", color=UNCLEAR, mfc="white", linestyle="-",
                          label=text("network_legend_unclear", language))]
    fig.legend(handles=handles, loc="outside upper center", ncol=2, frameon=False)


def _symmetric_limits(ax: plt.Axes, frame: pd.DataFrame, language: str) -> None:
    reach = np.nanmax(np.abs(frame[["ci_low", "ci_high"]].to_numpy(dtype=float)))
    reach = 0.1 if not np.isfinite(reach) else max(reach * 1.15, 0.1)
    ax.set_xlim(-reach, reach)
    number_ticks(ax.xaxis, language)


def change_forest(change: pd.DataFrame, language: str,
                  scale: Scale) -> tuple[plt.Figure, str]:
    """Forest plot of the network's change per dimension (mixed model).

    Parameters
    ----------
    change
        :func:`strapetsi_lib.present.network_view.network_change`.
    scale
        The dimensions' scale (the instrument's), which the change is in points of.
    """
    _style()
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(change) + 1.6))
    _forest(ax, change, [textwrap.fill(n, 30) for n in change["name"]])
    _symmetric_limits(ax, change, language)
    ax.set_xlabel(text("network_change_axis", language, scale=scale.span()))
    _verdict_legend(fig, language)
    alt = text("network_alt_change", language) + " " + " ".join(
        change_sentences(change, language))
    return fig, alt


def theme_forest(results: pd.DataFrame, language: str) -> tuple[plt.Figure, str]:
    """Forest plot of the theme differences, one panel per theme, dimensions in each.

    Parameters
    ----------
    results
        :func:`strapetsi_lib.present.network_view.theme_results`.
    """
    _style()
    themes = list(dict.fromkeys(results["theme"]))
    names = list(dict.fromkeys(results["name"]))
    ncols = 2 if len(themes) > 1 else 1
    nrows = math.ceil(len(themes) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, (0.42 * len(names) + 1.1) * nrows + 0.8),
                             sharex=True, sharey=True, squeeze=False)
    for k, theme in enumerate(themes):
        ax = axes[k // ncols][k % ncols]
        block = results[results["theme"] == theme].set_index("name").reindex(names).reset_index()
        _forest(ax, block, [textwrap.fill(n, 26) for n in names])
        ax.set_title(textwrap.fill(block["theme_name"].dropna().iloc[0], 45), fontsize=10)
        ax.set_xlabel(text("network_theme_axis", language) if k // ncols == nrows - 1 else "")
    for k in range(len(themes), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    _symmetric_limits(axes[0][0], results, language)
    _verdict_legend(fig, language)
    clear = results[results["clear"]]
    alt = text("network_alt_theme", language)
    if not clear.empty:
        effects = "; ".join(
            f"{row.name} – {row.theme_name} {effect(row.estimate, language)} "
            f"({effect_interval(row.ci_low, row.ci_high, language)})"
            for row in clear.itertuples())
        alt += " " + text("network_alt_theme_clear", language, effects=effects)
    rest = len(results) - len(clear)
    if rest:
        alt += " " + text("network_alt_theme_rest", language, n=rest)
    return fig, alt


# --------------------------------------------------------------------------- status map


def status_map(grid: pd.DataFrame, counts: pd.DataFrame, practice_names: dict[str, str],
               wave_label: str, language: str) -> tuple[plt.Figure, str]:
    """Heatmap of each practice's category at each provider, split into side-by-side panels.

    Parameters
    ----------
    grid
        :func:`strapetsi_lib.present.network_view.status_grid`: provider labels × practice codes,
        category codes as values.
    counts
        :func:`strapetsi_lib.present.network_view.status_counts` of the same grid.
    practice_names
        Practice code to name, in the order of the columns.
    """
    _style()
    codes = list(CATEGORIES)
    values = grid.replace({c: i for i, c in enumerate(codes)}).astype(int).to_numpy()
    cmap = ListedColormap([CATEGORY_COLOURS[c] for c in codes])
    longest = max((len(str(label)) for label in grid.index), default=0)
    # Codes fit side-by-side panels; provider names are too long for that, so one tall panel.
    split = longest <= MAP_SHORT_LABEL
    n_panels = max(1, math.ceil(len(grid) / MAP_ROWS_PER_PANEL)) if split else 1
    per_panel = max(1, math.ceil(len(grid) / n_panels))
    columns = [textwrap.fill(practice_names[c], 16) for c in grid.columns]
    panel_width = 3.6 + 0.075 * longest
    fig, axes = plt.subplots(1, n_panels, figsize=(panel_width * n_panels + 0.6,
                                                   0.22 * per_panel + 2.8), squeeze=False)
    for k, ax in enumerate(axes[0]):
        rows = slice(k * per_panel, min((k + 1) * per_panel, len(grid)))
        block = values[rows]
        ax.imshow(block, cmap=cmap, vmin=-0.5, vmax=len(codes) - 0.5, aspect="auto",
                  interpolation="nearest")
        too_few = codes.index("too_few_responses")
        for (i, j), value in np.ndenumerate(block):
            if value == too_few:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                       edgecolor="#7f7f7f", linewidth=0))
        ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=9)
        ax.xaxis.tick_top()
        ax.set_yticks(range(block.shape[0]), list(grid.index[rows]), fontsize=9)
        ax.set_xticks(np.arange(-0.5, len(columns)), minor=True)
        ax.set_yticks(np.arange(-0.5, block.shape[0]), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.8)
        ax.grid(which="major", visible=False)
        ax.tick_params(which="minor", length=0)
        if k == 0:
            ax.set_ylabel(text("network_provider_axis", language))
    handles = [Patch(facecolor=CATEGORY_COLOURS[c], edgecolor="#7f7f7f",
                     hatch="///" if c == "too_few_responses" else None,
                     label=text(f"status_{c}", language)) for c in codes]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False, fontsize=9)
    parts = []
    for code, row in counts.iterrows():
        shown = ", ".join(f"{text(f'status_{c}', language)} {int(row[c])}"
                          for c in codes if row[c] > 0)
        parts.append(text("network_alt_status_item", language, practice=practice_names[code],
                          counts=shown))
    alt = text("network_alt_status", language, n_providers=len(grid),
               n_practices=len(grid.columns), wave=wave_label) + " " + "; ".join(parts) + "."
    return fig, alt
