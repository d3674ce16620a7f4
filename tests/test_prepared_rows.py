"""A provider's rows of a prepared table, found through the per-provider index."""

from __future__ import annotations

import pandas as pd


def test_rows_are_exactly_the_providers_rows(prepared):
    ids = list(prepared["providers"]["provider_id"])
    tables = [name for name, table in prepared.tables.items() if "provider_id" in table.columns]
    assert "item_distributions" in tables and "dimension_change" in tables
    for name in tables:
        table = prepared[name]
        for provider_id in (ids[0], ids[-1], "0000000-0"):
            expected = table[table["provider_id"] == provider_id].reset_index(drop=True)
            pd.testing.assert_frame_equal(prepared.rows(name, provider_id), expected)
    assert prepared.rows("dimension_means", "0000000-0").empty
