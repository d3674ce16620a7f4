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


def test_provider_row_and_unknown_provider(prepared):
    providers = prepared["providers"]
    for position in (0, len(providers) - 1):
        expected = providers.iloc[position]
        pd.testing.assert_series_equal(prepared.provider(expected["provider_id"]), expected)
    try:
        prepared.provider("0000000-0")
    except KeyError as error:
        assert "0000000-0" in str(error)
    else:
        raise AssertionError("an unknown provider must raise KeyError")


def test_preloaded_tables_are_grouped_before_any_fork(prepared, monkeypatch):
    """What the kernel server reads before forking comes already grouped by provider."""
    from strapetsi_lib import prepare
    from strapetsi_lib.config import DEMO_DIR

    monkeypatch.setattr(prepare, "_PRELOADED", {})
    assert prepare.preload(DEMO_DIR)  # the entry the session's demo tables were cached in
    preloaded = prepare.load_prepared(DEMO_DIR)
    assert preloaded is not prepared
    grouped = preloaded.__dict__["_positions_by_table"]
    assert set(grouped) == {name for name, table in preloaded.tables.items()
                            if "provider_id" in table.columns}
