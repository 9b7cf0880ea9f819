"""Phone numbers: one canonical form (E.164) for storage and lookup.

Customer phones arrive in every shape people and billing systems produce
("0731-88881234 转 806", "+86 138 1234 5678", full-width digits, a local number
without its area code) and calls arrive in whatever shape the PBX produces. Both
sides are reduced to E.164 so a caller is found by an indexed equality lookup.

Pure functions: no I/O, never raise on bad input.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

__all__ = ["display_phone", "match_keys", "normalize_phone"]

# Anything longer is not a phone number, and capping keeps regexes and the parser cheap
# on hostile input.
_MAX_RAW = 80

# Extensions are for the human who dials, not for identifying the caller: an inbound call
# never carries one. The tail must be a short run of digits so that "0731... 转 806
# 13812345678" (two numbers) is not swallowed as one number with a long "extension".
_EXTENSION = re.compile(
    r"\s*(?:转|轉|分机|分機|ext(?:ension|n)?\.?|x|#|,|，|~)\s*[0-9]{1,6}\s*$", re.IGNORECASE
)
_DASH_EXTENSION = re.compile(r"\s*-\s*[0-9]{1,5}\s*$")
_DASHES = "‐‑‒–—―−﹣－ー"
_BODY = re.compile(r"\+?[0-9 ().\-/]*[0-9][0-9 ().\-/]*")
_TEL_SCHEME = re.compile(r"^tel:", re.IGNORECASE)

# Prefixes a PBX or a caller may put in front of the real number: "9" and "0" are the
# usual outside-line codes; 17951/17911/12593/17909 are the carriers' IP long-distance
# codes that some handsets and PBXs still prepend automatically.
_DIAL_PREFIXES = ("9", "0", "17951", "17911", "12593", "17909")


def _clean(raw: object) -> tuple[bool, str, str | None] | None:
    """(has a leading "+", the digits, the digits without a trailing "-123") of a number
    without its extension, or None. The last is a guess: "0731-88881234-806" ends in an
    extension, "138-1234-5678" does not, and only validity tells them apart."""
    if not isinstance(raw, str) or len(raw) > _MAX_RAW:
        return None
    text = unicodedata.normalize("NFKC", raw)  # full-width digits, "＋", "（", ...
    for dash in _DASHES:
        text = text.replace(dash, "-")
    text = _TEL_SCHEME.sub("", text.strip())
    text = _EXTENSION.sub("", text).strip()
    if not text.isascii() or not _BODY.fullmatch(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    tail = _DASH_EXTENSION.search(text)
    without_tail = re.sub(r"[^0-9]", "", text[: tail.start()]) if tail else None
    return text.startswith("+"), digits, without_tail or None


def _local_area(area_code: str | None) -> str | None:
    if not area_code:
        return None
    code = area_code.strip().lstrip("0")
    return code if code.isdigit() and 1 <= len(code) <= 4 else None


def _is_local(digits: str) -> bool:
    """A subscriber number without area code: 7 or 8 digits, not a trunk or mobile prefix."""
    return 7 <= len(digits) <= 8 and digits[0] in "23456789"


def _parse(text: str, region: str) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


# The shapes nearly every Chinese number is written in; building the number directly
# skips phonenumbers.parse, which dominates the cost of a million-row import.
_CN_NATIONAL = re.compile(r"1[3-9][0-9]{9}|0[1-9][0-9]{8,10}")


def _from_digits(plus: bool, digits: str, region: str, area: str | None) -> str | None:
    if not 3 <= len(digits) <= 20:
        return None
    if not plus and area and _is_local(digits):
        digits = "0" + area + digits
    if not plus and region == "CN" and _CN_NATIONAL.fullmatch(digits):
        national = digits.removeprefix("0")
        fast = PhoneNumber(country_code=86, national_number=int(national))
        if phonenumbers.is_valid_number(fast):
            return "+86" + national
    number = _parse(("+" if plus else "") + digits, region)
    if number is None:
        return None
    valid = phonenumbers.is_valid_number(number)
    if not valid and number.country_code == 86 and area:
        # "+86 8888 1234": the country code made it but the area code did not.
        national = str(number.national_number)
        if _is_local(national):
            number = _parse(f"+86{area}{national}", region)
            valid = number is not None and phonenumbers.is_valid_number(number)
    if not valid or number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalize_phone(raw: str, *, region: str = "CN", area_code: str | None = "731") -> str | None:
    """The E.164 form of ``raw`` ("+8613812345678"), or None if it is not a valid number.

    ``region`` interprets numbers without a country code; ``area_code`` (with or without
    its trunk "0") completes a local landline written without one. Extensions are dropped.
    """
    cleaned = _clean(raw)
    if cleaned is None:
        return None
    plus, digits, without_tail = cleaned
    area = _local_area(area_code)
    if _local_with_extension(plus, digits, without_tail):
        return _from_digits(plus, without_tail, region, area) or _from_digits(plus, digits, region, area)  # type: ignore[arg-type]
    found = _from_digits(plus, digits, region, area)
    if found is None and without_tail is not None:
        found = _from_digits(plus, without_tail, region, area)
    return found


def _local_with_extension(plus: bool, digits: str, without_tail: str | None) -> bool:
    """"51000000-123": a local number and an extension, though the eleven digits together
    would also read as another city's number."""
    # Whole, the digits would need a trunk "0" to be a number at all; with one ("0…"), a
    # country code ("86…") or a mobile prefix ("1…") they are a number as written.
    return without_tail is not None and not plus and not digits.startswith(("0", "1", "86")) and _is_local(without_tail)


def match_keys(raw: str, *, region: str = "CN", area_code: str | None = "731") -> list[str]:
    """E.164 keys to look a caller up by, most likely first, without duplicates.

    The number as given comes first; then the number with an outside-line or
    IP-dialling prefix removed, because a PBX may present "0"/"9" + number. Every key is a
    valid number, so a stored customer phone matches however the PBX formats it, while
    garbage yields ``[]``.
    """
    cleaned = _clean(raw)
    if cleaned is None:
        return []
    plus, whole, without_tail = cleaned
    area = _local_area(area_code)
    keys: list[str] = []

    def add(key: str | None) -> None:
        if key is not None and key not in keys:
            keys.append(key)

    bases = [whole]
    if _local_with_extension(plus, whole, without_tail):
        bases.insert(0, without_tail)  # type: ignore[arg-type]
    elif without_tail is not None and _from_digits(plus, whole, region, area) is None:
        bases.append(without_tail)  # "0731-88881234-806": the tail was an extension
    for digits in bases:
        add(_from_digits(plus, digits, region, area))
        if plus:
            continue
        for prefix in _DIAL_PREFIXES:
            rest = digits[len(prefix) :]
            if digits.startswith(prefix) and len(rest) >= 7:
                add(_from_digits(False, rest, region, area))
        if area and not digits.startswith("0") and len(digits) >= 9:
            # An area code that lost its trunk "0" on the way ("731 8888 1234").
            add(_from_digits(False, "0" + digits, region, area))
    return keys


# Pure, and phonenumbers' parse and format cost more than the screen pop's queries: the same
# staff and customer numbers are shown over and over.
@lru_cache(maxsize=65536)
def display_phone(e164: str, *, region: str = "CN") -> str:
    """National format for numbers of ``region`` ("0731 8888 1234"), international otherwise.

    Anything unparsable is returned unchanged: display must never fail.
    """
    number = _parse(e164, region) if isinstance(e164, str) and len(e164) <= _MAX_RAW else None
    if number is None:
        return e164
    if phonenumbers.region_code_for_number(number) == region.upper():
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
