"""Scale scores: reverse-keyed items and dimension scores per respondent.

Input is the tidy responses table: ``respondent_id``, ``provider_id``, ``wave``, ``role`` and
one float column per item code (NaN = missing), with reverse-keyed items still as answered.

Scoring rule (stated in the reports' methods note): a respondent's score on a dimension is
the mean of the dimension's items that they answered, after reverse-keyed items are recoded
as ``(scale min + scale max) - answer``; it is left missing when fewer than half of the
dimension's items were answered, because a mean of one item out of four says more about that
item than about the dimension.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strapetsi_lib.ingest.instrument import Instrument

__all__ = ["ID_COLUMNS", "dimension_scores", "long_dimension_scores", "reverse_scored"]

#: Columns that identify a response row, in the order they are written.
ID_COLUMNS = ["respondent_id", "provider_id", "wave", "role"]


def reverse_scored(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """A copy of ``responses`` with every reverse-keyed item recoded to run the same way.

    An answer ``v`` on a reverse item becomes ``(min + max) - v`` on that item's scale, so on
    a 1–5 agreement scale 1 becomes 5 and 2 becomes 4; missing answers stay missing. Item
    columns not present in ``responses`` are skipped, so a table holding only some of the
    items can be passed. The input frame is not modified.
    """
    out = responses.copy()
    codes = [item.code for item in instrument.items if item.reverse and item.code in out.columns]
    if codes:
        offsets = np.array([instrument.scale_of(c).min + instrument.scale_of(c).max
                            for c in codes], dtype=float)
        # One vectorised operation over all reverse columns; broadcasting runs per column.
        out[codes] = offsets - out[codes].to_numpy(dtype=float)
    return out


def dimension_scores(responses: pd.DataFrame, instrument: Instrument,
                     min_answered_share: float = 0.5) -> pd.DataFrame:
    """One row per response with a score on every dimension of the instrument.

    Parameters
    ----------
    responses
        Tidy responses table (reverse items not yet reversed).
    instrument
        The instrument that declares dimensions, items, scales and reverse keys.
    min_answered_share
        Smallest share of a dimension's items that must be answered for it to be scored
        (default 0.5: at least half, so 2 of 4 items is enough and 1 of 4 is not).

    Returns
    -------
    pandas.DataFrame
        Columns ``respondent_id, provider_id, wave, role`` and then one float column per
        dimension code in instrument order: the mean of the respondent's answered items of
        that dimension after reverse-keying, NaN when fewer than ``min_answered_share`` of the
        items were answered. The index and row order follow ``responses``.

    Raises
    ------
    KeyError
        If an identifying column or an item of a dimension is missing from ``responses``.
    """
    if not 0 < min_answered_share <= 1:
        raise ValueError(f"min_answered_share must be in (0, 1], got {min_answered_share!r}")
    item_codes = instrument.scale_item_codes
    missing = [c for c in [*ID_COLUMNS, *item_codes] if c not in responses.columns]
    if missing:
        raise KeyError(f"responses lack columns needed for dimension scores: {missing}")

    scored = reverse_scored(responses[item_codes], instrument)
    out = responses[ID_COLUMNS].copy()
    # The loop runs over the handful of dimensions, never over respondents.
    for dim in instrument.dimension_codes:
        codes = [item.code for item in instrument.dimension_items(dim)]
        block = scored[codes]
        answered = block.notna().sum(axis=1)
        enough = answered >= min_answered_share * len(codes)
        out[dim] = block.mean(axis=1, skipna=True).where(enough)
    return out


def long_dimension_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Melt :func:`dimension_scores` output to one row per respondent and dimension.

    Returns
    -------
    pandas.DataFrame
        Columns ``respondent_id, provider_id, wave, role, dimension, score``; rows with a
        missing score are dropped. Rows are ordered by dimension (in the wide table's column
        order) and then by the wide table's row order; ``wave`` keeps its ordered categories.
    """
    dims = [c for c in scores.columns if c not in ID_COLUMNS]
    long = scores.melt(id_vars=ID_COLUMNS, value_vars=dims, var_name="dimension",
                       value_name="score")
    long = long.dropna(subset=["score"]).reset_index(drop=True)
    long["score"] = long["score"].astype("float64")
    return long
