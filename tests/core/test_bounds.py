"""core.bounds reads numbers typed as text the way pages need: exactly, within a column,
and naming the field when it cannot."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.core.bounds import SQL_MAX, SQL_MIN, real_number, whole_number
from gridcare.core.errors import InvalidInput


@given(st.integers(SQL_MIN, SQL_MAX), st.sampled_from(["", " ", "\t"]), st.booleans())
def test_every_whole_number_a_column_holds_reads_back_as_itself(number, space, plus):
    typed = f"{space}{'+' if plus and number >= 0 else ''}{number}{space}"
    assert whole_number(typed, "n") == number


@given(st.text().filter(lambda t: not t.strip().lstrip("+-").isascii() or not t.strip().lstrip("+-").isdigit()).filter(str.strip))
def test_anything_else_typed_is_refused_naming_the_field(typed):
    with pytest.raises(InvalidInput) as refused:
        whole_number(typed, "task_id")
    assert [p.field for p in refused.value.problems] == ["task_id"]


@pytest.mark.parametrize("typed", ["²", "١٢", "１２", "1e3", "1.0", "0x1F", "--1", str(SQL_MAX + 1), str(SQL_MIN - 1), str(2**66)])
def test_digits_int_would_misread_or_a_column_cannot_hold_are_refused(typed):
    with pytest.raises(InvalidInput, match="^due_minutes: "):
        whole_number(typed, "due_minutes")


def test_blank_is_the_forms_default_and_a_typed_zero_stays_zero():
    assert whole_number("", "days") is None and whole_number(None, "days") is None
    assert whole_number("  ", "days", blank=7) == 7
    assert whole_number("0", "days", blank=7) == 0
    with pytest.raises(InvalidInput, match="^days: must be a whole number"):
        whole_number("", "days", required=True)


@pytest.mark.parametrize("typed", ["1e400", "-1e400", "nan", "inf", "١٫٥", "twelve"])
def test_a_real_number_is_finite_and_typed_in_ascii(typed):
    with pytest.raises(InvalidInput, match="^lon: must be a number"):
        real_number(typed, "lon")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_real_reads_back_as_itself(number):
    assert real_number(repr(number), "lat") == number
    assert real_number("", "cell_m", blank=500.0) == 500.0 and not math.isnan(real_number("0", "x"))
