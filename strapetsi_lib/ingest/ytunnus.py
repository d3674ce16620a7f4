"""Finnish business IDs (Y-tunnus, FO-nummer): the form ``NNNNNNN-N`` and its check digit.

The check digit is computed from the first seven digits with the weights 7, 9, 10, 5, 8, 4, 2
(counted from the left): the weighted sum is divided by 11; remainder 0 gives check digit 0,
remainder 1 is never issued (no ID exists), any other remainder ``r`` gives ``11 - r``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_FORM = re.compile(r"\d{7}-\d")


def ytunnus_check_digit(first7: str) -> int | None:
    """Return the check digit for the first seven digits of a business ID.

    Parameters
    ----------
    first7
        Exactly seven decimal digits, e.g. ``"0112038"``.

    Returns
    -------
    int or None
        The check digit 0–9, or ``None`` when the weighted sum leaves remainder 1 (no business
        ID is issued with such digits).

    Raises
    ------
    ValueError
        If ``first7`` is not seven digits.
    """
    if not (len(first7) == 7 and first7.isascii() and first7.isdigit()):
        raise ValueError(f"expected seven digits, got {first7!r}")
    remainder = sum(int(d) * w for d, w in zip(first7, _WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def ytunnus_problem(value: str) -> str | None:
    """Say what is wrong with a business ID, or ``None`` when it is valid.

    Parameters
    ----------
    value
        The ID as written, without surrounding spaces.

    Returns
    -------
    str or None
        A short English explanation suitable for a validation message.
    """
    if not isinstance(value, str) or not _FORM.fullmatch(value) or not value.isascii():
        return f"{value!r} is not a business ID (Y-tunnus) of the form NNNNNNN-N"
    expected = ytunnus_check_digit(value[:7])
    if expected is None:
        return (f"{value!r} is not a valid business ID (Y-tunnus): no business ID starts "
                f"{value[:7]}, as no check digit exists for it")
    if int(value[8]) != expected:
        return (f"{value!r} has a wrong check digit: a business ID (Y-tunnus) starting "
                f"{value[:7]} ends in -{expected}")
    return None


def is_valid_ytunnus(value: str) -> bool:
    """Whether ``value`` is a well-formed business ID (``NNNNNNN-N``) with a correct check digit.

    Parameters
    ----------
    value
        The ID as written. Surrounding spaces make it invalid; strip them first.

    Examples
    --------
    >>> is_valid_ytunnus("0112038-9")
    True
    >>> is_valid_ytunnus("0112038-8")
    False
    """
    return ytunnus_problem(value) is None


def ytunnus_problems(values: pd.Series) -> pd.Series:
    """Explain every invalid business ID in a column, computed once per distinct value.

    Parameters
    ----------
    values
        Text IDs; missing values are left alone.

    Returns
    -------
    pandas.Series
        Same index; the explanation for invalid IDs, missing for valid or missing ones.
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    # Providers number in the tens, respondents in the thousands: check each distinct ID once.
    found = np.array([ytunnus_problem(v) for v in uniques] + [None], dtype=object)
    return pd.Series(found[codes], index=values.index, dtype=object)
