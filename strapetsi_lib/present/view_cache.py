"""Views of the prepared tables that a report asks for more than once, computed once a report.

A provider report reads some views several times: the change rows feed the summary, the change
figure, its sentences, its table and the methods text; the item comparisons feed the summary
and the strengths section. :func:`cached_view` computes each once for a :class:`~strapetsi_lib.
prepare.Prepared` object and its arguments, and hands every caller its own deep copy, so a
caller that changes the result changes nothing for the next one. The cache lives on the
``Prepared`` object (outside its dataclass fields), so it goes when the tables go.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["cached_view"]

View = TypeVar("View", bound=Callable[..., Any])


def cached_view(function: View) -> View:
    """Decorate a view ``function(prepared, *args, **kwargs)``; see the module docstring.

    The arguments after ``prepared`` must be hashable (ids, wave ids, counts). A call with an
    argument left at its default and one that gives the default share their result.
    """
    signature = inspect.signature(function)

    @functools.wraps(function)
    def view(prepared: Any, *args: Any, **kwargs: Any) -> Any:
        cache = prepared.__dict__.setdefault("_view_cache", {})
        bound = signature.bind(prepared, *args, **kwargs)
        bound.apply_defaults()
        key = (function.__module__, function.__qualname__, tuple(bound.arguments.items())[1:])
        if key not in cache:
            cache[key] = function(prepared, *args, **kwargs)
        return copy.deepcopy(cache[key])

    return view  # type: ignore[return-value]
