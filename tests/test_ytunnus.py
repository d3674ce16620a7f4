"""Finnish business IDs (Y-tunnus): check digit and form."""

import pandas as pd
import pytest

from strapetsi_lib.ingest.ytunnus import (
    is_valid_ytunnus,
    ytunnus_check_digit,
    ytunnus_problem,
    ytunnus_problems,
)

# Published IDs of real organisations, each also checked by hand below.
#   0112038-9 Nokia Oyj:         0*7+1*9+1*10+2*5+0*8+3*4+8*2 = 57,  57 % 11 = 2, 11-2 = 9
#   0201256-6 Helsingin kaupunki: 0+18+0+5+16+20+12 = 71,             71 % 11 = 5, 11-5 = 6
#   0204819-8 Turun kaupunki:     0+18+0+20+64+4+18 = 124,           124 % 11 = 3, 11-3 = 8
# and the valid examples in the tests of the PEAR Validate_FI package:
#   1572860-0:                    7+45+70+10+64+24+0 = 220,          220 % 11 = 0 -> 0
#   0737546-2:                    0+63+30+35+40+16+12 = 196,         196 % 11 = 9, 11-9 = 2
PUBLISHED = ["0112038-9", "0201256-6", "0204819-8", "1572860-0", "0737546-2"]


@pytest.mark.parametrize("value", PUBLISHED)
def test_published_ids_are_valid(value):
    assert is_valid_ytunnus(value)
    assert ytunnus_check_digit(value[:7]) == int(value[-1])
    assert ytunnus_problem(value) is None


def test_check_digits_by_hand():
    assert ytunnus_check_digit("0112038") == 9
    assert ytunnus_check_digit("0201256") == 6
    assert ytunnus_check_digit("1572860") == 0


def test_remainder_one_has_no_check_digit():
    # 8*7 = 56 = 5*11 + 1: no business ID is issued with these digits.
    assert ytunnus_check_digit("8000000") is None
    assert not any(is_valid_ytunnus(f"8000000-{d}") for d in range(10))
    assert "no check digit exists" in ytunnus_problem("8000000-0")


@pytest.mark.parametrize("value", ["0112038-8", "0201256-5", "0204819-9", "1572860-1"])
def test_wrong_check_digit(value):
    assert not is_valid_ytunnus(value)
    assert "wrong check digit" in ytunnus_problem(value)


@pytest.mark.parametrize("value", [
    "01120389",      # no hyphen
    "112038-9",      # leading zero lost (as a spreadsheet drops it)
    "0112038-",      # no check digit
    "0112038–9",     # en dash instead of a hyphen
    " 0112038-9",    # surrounding space
    "FI01120389",    # VAT number form
    "011203a-9",
    "",
    "０112038-9",     # full-width digit: not ASCII
])
def test_wrong_form(value):
    assert not is_valid_ytunnus(value)
    assert "NNNNNNN-N" in ytunnus_problem(value)


def test_not_a_string_is_invalid():
    assert not is_valid_ytunnus(1120389)  # type: ignore[arg-type]


def test_check_digit_needs_seven_digits():
    with pytest.raises(ValueError, match="seven digits"):
        ytunnus_check_digit("011203")


def test_problems_of_a_column():
    values = pd.Series(["0112038-9", "0112038-8", None, "0112038-9", "x"], index=[2, 3, 4, 5, 6])
    found = ytunnus_problems(values)
    assert list(found.index) == [2, 3, 4, 5, 6]
    assert found.isna().tolist() == [True, False, True, True, False]
    assert "wrong check digit" in found[3]
    assert "NNNNNNN-N" in found[6]
