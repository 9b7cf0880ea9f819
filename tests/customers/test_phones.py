"""Phone normalisation and caller matching: whatever the shape, one E.164 key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.customers.phones import display_phone, match_keys, normalize_phone

MOBILE_PREFIXES = ("130", "135", "138", "139", "150", "158", "177", "180", "186", "189", "199")
FULL_WIDTH = str.maketrans("0123456789+()-", "０１２３４５６７８９＋（）－")
EXTENSIONS = ("", " 转 806", "转8", " ext. 806", " ext 12", "#806", ",806", " x 23", " 分机 8")
SEPARATORS = ("", " ", "-", ".", " - ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138 1234 5678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),
        ("0086-138-1234-5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("138.1234.5678", "+8613812345678"),
        ("  13812345678  ", "+8613812345678"),
        ("(0731) 8888-1234", "+8673188881234"),
        ("0731-88881234", "+8673188881234"),
        ("88881234", "+8673188881234"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("０７３１－８８８８１２３４", "+8673188881234"),
        ("0731-88881234 转 806", "+8673188881234"),
        ("0731-88881234 ext. 806", "+8673188881234"),
        ("0731-88881234#806", "+8673188881234"),
        ("0731-88881234,806", "+8673188881234"),
        ("+86 (0731) 8888 1234", "+8673188881234"),
        ("+86 8888 1234", "+8673188881234"),
        ("010-1234 5678", "+861012345678"),
        ("+1 650 253 0000", "+16502530000"),
        ("tel:+86-138-1234-5678", "+8613812345678"),
    ],
)
def test_it_normalizes_the_usual_shapes(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "12345",
        "95598",
        "abc",
        "138-1234-567a",
        "138123456789012",
        "+",
        "转806",
        "1" * 500,
        "１３８\x00１２３４５６７８",
        "٠١٣٨١٢٣٤٥٦٧٨",
    ],
)
def test_it_rejects_garbage_with_none(raw: str) -> None:
    assert normalize_phone(raw) is None
    assert match_keys(raw) == []


def test_it_never_raises_on_non_strings() -> None:
    assert normalize_phone(None) is None  # type: ignore[arg-type]
    assert match_keys(12345678) == []  # type: ignore[arg-type]


def test_it_completes_local_numbers_with_the_given_area_code() -> None:
    assert normalize_phone("88881234", area_code="0755") == "+8675588881234"
    assert normalize_phone("88881234", area_code=None) is None


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("013812345678", "+8613812345678"),  # "0" + mobile
        ("913812345678", "+8613812345678"),  # outside line "9" + mobile
        ("9013812345678", "+8613812345678"),
        ("9073188881234", "+8673188881234"),  # "9" + landline with area code
        ("988881234", "+8673188881234"),  # "9" + local landline
        ("088881234", "+8673188881234"),
        ("0073188881234", "+8673188881234"),  # "0" + landline with area code
        ("73188881234", "+8673188881234"),  # area code lost its trunk 0
        ("1795113812345678", "+8613812345678"),  # IP dialling prefix
    ],
)
def test_it_finds_the_stored_number_however_the_pbx_formats_it(raw: str, stored: str) -> None:
    keys = match_keys(raw)
    assert stored in keys
    assert len(keys) == len(set(keys))
    assert all(k.startswith("+") for k in keys)


def test_it_puts_the_number_as_given_first() -> None:
    assert match_keys("0731-88881234")[0] == "+8673188881234"
    assert match_keys("+8613812345678") == ["+8613812345678"]


def test_it_displays_in_national_format() -> None:
    assert display_phone("+8613812345678") == "138 1234 5678"
    assert display_phone("+8673188881234") == "0731 8888 1234"
    assert display_phone("+16502530000") == "+1 650-253-0000"
    assert display_phone("not a phone") == "not a phone"


@st.composite
def stored_and_formatted(draw: st.DrawFn) -> tuple[str, str]:
    sep = draw(st.sampled_from(SEPARATORS))
    country = draw(st.sampled_from(("", "+86", "0086", "86", "+86 ", "0086 ", "86-")))
    if draw(st.booleans()):
        national = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(
            st.text("0123456789", min_size=8, max_size=8)
        )
        stored = "+86" + national
        cuts = sorted(draw(st.lists(st.integers(1, 10), max_size=3, unique=True)))
        pieces = [national[a:b] for a, b in zip([0, *cuts], [*cuts, 11], strict=True)]
        body = sep.join(pieces)
    else:
        local = draw(st.sampled_from("23456789")) + draw(
            st.text("0123456789", min_size=7, max_size=7)
        )
        stored = "+86731" + local
        # "+86 3109 5000" is a valid Handan number, so a country code without an area code
        # is ambiguous; only a bare local number is completed with the default area code.
        area = draw(
            st.sampled_from(("0731", "(0731)", "731", "(731)") + (() if country else ("",)))
        )
        if not country and area in ("731", "(731)") and not sep.strip():
            area = "0731"  # "73188881234" alone is handled, but "731" glued to a local is not a format anyone writes
        half = draw(st.sampled_from((4, 3)))
        local_text = local[:half] + sep + local[half:] if draw(st.booleans()) else local
        body = (
            f"{area}{sep or ' ' if area.startswith('(') else sep}{local_text}"
            if area
            else local_text
        )
    formatted = (
        (country + body) if country.endswith((" ", "-")) or not country else f"{country}{sep}{body}"
    )
    if draw(st.booleans()):
        formatted = formatted.translate(FULL_WIDTH)
    formatted = f"{draw(st.sampled_from(('', ' ')))}{formatted}{draw(st.sampled_from(EXTENSIONS))}"
    return stored, formatted


@settings(max_examples=150, deadline=None)
@given(stored_and_formatted())
def test_it_normalizes_every_formatting_of_a_stored_number(case: tuple[str, str]) -> None:
    stored, formatted = case
    assert normalize_phone(formatted) == stored
    assert stored in match_keys(formatted)


@settings(max_examples=80, deadline=None)
@given(stored_and_formatted(), st.sampled_from(("0", "9", "90")))
def test_it_matches_a_stored_number_behind_an_outside_line_prefix(
    case: tuple[str, str], prefix: str
) -> None:
    stored, _ = case
    national = display_phone(stored).replace(" ", "")
    if prefix == "90" and not national.startswith("1"):
        prefix = "9"  # "9" + "0" + mobile is a PBX habit; "90" + "0731..." is not
    assert stored in match_keys(prefix + national)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_it_never_raises_on_random_text(raw: str) -> None:
    result = normalize_phone(raw)
    keys = match_keys(raw)
    assert result is None or result in keys
    assert len(keys) == len(set(keys))
