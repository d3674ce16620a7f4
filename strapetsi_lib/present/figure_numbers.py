"""The numbers a report's figures draw, as tables for the spreadsheet download.

A figure without a table beside it (the statement chart, the role heatmap) still draws numbers
a reader may want in Excel. These functions word the very frames the figures receive from
their views (suppressed and rounded as the report prints them,
:mod:`strapetsi_lib.present.precision`), so the download holds what the figure shows and
nothing the report hides; :meth:`strapetsi_lib.present.download.TableCollector.keep` takes
them. The grids both a figure and its table read (:func:`answer_shares`,
:func:`role_mean_grid`) are made here, for both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strapetsi_lib.ingest.instrument import Instrument
from strapetsi_lib.present.i18n import number, percent, text
from strapetsi_lib.present.survey_words import role_label

__all__ = ["answer_shares", "role_mean_grid", "role_means_table", "statement_table"]


def answer_shares(distribution: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The share of each answer to each statement: a row per statement in ``distribution``
    (by code), a column per value of the instrument's scale, 0 for an answer nobody gave.

    ``distribution`` has a row per statement and answer (``item, value, share``); a table
    of a few dozen cells, built directly (pandas' ``pivot_table`` took ten times as long).
    """
    values = list(instrument.score_scale.values)
    column = {value: j for j, value in enumerate(values)}
    items = sorted(set(distribution["item"].tolist()))
    row = {item: i for i, item in enumerate(items)}
    grid = np.zeros((len(items), len(values)))
    for item, value, share in zip(distribution["item"].tolist(),
                                  distribution["value"].tolist(),
                                  distribution["share"].tolist(), strict=True):
        if value in column and not pd.isna(share):
            grid[row[item], column[value]] += share
    return pd.DataFrame(grid, index=pd.Index(items, name="item"),
                        columns=pd.Index(values, name="value"))


def role_mean_grid(role_means: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The mean of each dimension by role: a row per dimension and a column per role that
    ``role_means`` has (both in the instrument's order), NaN where the mean is not shown.

    ``role_means`` has one row per role and dimension
    (:func:`strapetsi_lib.present.provider_view.role_means`).
    """
    roles = [r for r in instrument.role_codes if r in set(role_means["role"])]
    return (role_means.set_index(["dimension", "role"])["mean"].unstack("role")
            .reindex(index=instrument.dimension_codes, columns=roles))


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
    shares = answer_shares(distribution, instrument)
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
    grid = role_mean_grid(role_means, instrument)
    roles = list(grid.columns)
    table = pd.DataFrame({text("dimension", language): [instrument.dimension(d).name[language]
                                                        for d in grid.index]})
    for role in roles:
        table[role_label(instrument, role, language)] = [
            hidden if pd.isna(v) else number(v, language, 1) for v in grid[role]]
    return table
