"""Views a report reads several times are computed once per prepared tables, copied out."""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.present.view_cache import cached_view


class _Prepared:
    """Stands in for ``Prepared``: the cache only needs an object with a ``__dict__``."""


def test_a_view_is_computed_once_and_every_caller_gets_its_own_copy():
    calls = []

    @cached_view
    def view(prepared, provider_id, count=3):
        calls.append((provider_id, count))
        return pd.DataFrame({"provider": [provider_id] * count})

    prepared = _Prepared()
    first = view(prepared, "A")
    first.loc[0, "provider"] = "changed by a caller"
    assert view(prepared, "A", 3)["provider"].tolist() == ["A", "A", "A"]  # same key, own copy
    assert view(prepared, "A", count=3).equals(view(prepared, "A"))
    assert len(view(prepared, "B", 2)) == 2
    assert calls == [("A", 3), ("B", 2)]
    assert view(_Prepared(), "A") is not None and calls[-1] == ("A", 3)  # other tables: anew
    assert len(calls) == 3
