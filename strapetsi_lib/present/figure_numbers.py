"""The numbers a report's figures draw, as tables for the spreadsheet download.

A figure without a table beside it (the statement chart, the role heatmap) still draws numbers
a reader may want in Excel. These functions word the very frames the figures receive from
their views (suppressed and rounded as the report prints them,
:mod:`strapetsi_lib.present.precision`), so the download holds what the figure shows and
nothing the report hides; :meth:`strapetsi_lib.present.download.TableCollector.keep` takes
them.
"""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.ingest.instrument import Instrument
from strapetsi_lib.present.i18n import number, percent, text
from strapetsi_lib.present.survey_words import role_label

__all__ = ["role_means_table", "statement_table"]


def statement_table(distribution: pd.DataFrame, instrument: Instrument,
                    language: str) -> pd.DataFrame:
    """The statement chart's numbers: per statement (instrument order) its area, its wording,
    the share of each answer and the share agreeing, in whole percentages.

    Parameters
    ----------
    distribution
        What the chart draws (:func:`strapetsi_lib.present.provider_view.item_distribution`).
    """
    scale = instrument.score_scale
    shares = (distribution.pivot_table(index="item", columns="value", values="share",
                                       aggfunc="sum", observed=True)
              .reindex(columns=scale.values).fillna(0.0))
    order = [code for code in instrument.scale_item_codes if code in shares.index]
    agreeing = [v for v in scale.values if v > scale.middle]
    table = pd.DataFrame({
        text("items_col_area", language): [
            instrument.dimension(instrument.item(c).dimension).name[language] for c in order],
        text("items_col_statement", language): [instrument.item(c).text[language]
                                                for c in order],
    })
    for value in scale.values:
        table[scale.label(value, language)] = [percent(shares.loc[c, value], language)
                                               for c in order]
    table[text("items_col_agreeing", language, high_side=scale.side("high", language))] = [
        percent(shares.loc[c, agreeing].sum(), language) for c in order]
    return table


def role_means_table(role_means: pd.DataFrame, instrument: Instrument, language: str,
                     hidden: str) -> pd.DataFrame:
    """The role heatmap's numbers: a row per dimension, a column per role, the mean as
    printed or ``hidden`` where the heatmap's cell says so.

    Parameters
    ----------
    role_means
        What the heatmap draws (:func:`strapetsi_lib.present.provider_view.role_means`).
    hidden
        The words of a hidden cell, as the heatmap writes them.
    """
    roles = [r for r in instrument.role_codes if r in set(role_means["role"])]
    grid = (role_means.pivot_table(index="dimension", columns="role", values="mean",
                                   aggfunc="first", dropna=False, observed=True)
            .reindex(index=instrument.dimension_codes, columns=roles))
    table = pd.DataFrame({text("dimension", language): [instrument.dimension(d).name[language]
                                                        for d in grid.index]})
    for role in roles:
        table[role_label(instrument, role, language)] = [
            hidden if pd.isna(v) else number(v, language, 1) for v in grid[role]]
    return table
