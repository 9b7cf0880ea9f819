"""A caller is found however the PBX or the billing system wrote the number: +86 or 0086,
spaces, dashes, dots, parentheses, the area code with or without its trunk 0, mobiles with
a country code, extensions ("ext 123", "转123", "-123") after a landline."""

from __future__ import annotations

import phonenumbers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gridcare.core.principal import system_principal
from gridcare.customers import service as customers
from gridcare.customers.phones import match_keys, normalize_phone

AREAS = ("10", "20", "21", "731", "755", "571", "898")
MOBILES = ("130", "133", "135", "138", "139", "150", "158", "177", "180", "186", "189", "199")
FULL_WIDTH = str.maketrans("0123456789+()-", "０１２３４５６７８９＋（）－")
LANDLINE_EXTENSIONS = ("", " ext 123", "ext.806", " 转123", "转 8", "-123", " - 806", "-8", "#806", " x 23", " 分机 12")


def _valid(e164: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(e164))


@st.composite
def stored_numbers(draw: st.DrawFn) -> tuple[str, str, str]:
    """(E.164 as stored, national significant number, area code or "" for a mobile)."""
    if draw(st.booleans()):
        national = draw(st.sampled_from(MOBILES)) + draw(st.text("0123456789", min_size=8, max_size=8))
        area = ""
    else:
        area = draw(st.sampled_from(AREAS))
        national = area + draw(st.sampled_from("2345678")) + draw(st.text("0123456789", min_size=7, max_size=7))
    e164 = "+86" + national
    assume(_valid(e164))
    return e164, national, area


@st.composite
def formatted(draw: st.DrawFn, stored: tuple[str, str, str]) -> str:
    _e164, national, area = stored
    sep = draw(st.sampled_from(("", " ", "-", ".", " - ")))
    if area:
        local = national[len(area) :]
        cut = draw(st.sampled_from((4, len(local) - 4)))
        local_text = local[:cut] + sep + local[cut:] if draw(st.booleans()) else local
        style = draw(st.sampled_from(("trunk", "paren", "intl", "intl_trunk", "0086", "bare")))
        if style == "bare" and area != "731":
            style = "trunk"  # a number without its area code is only completed with the home area
        body = {
            "trunk": f"0{area}{sep}{local_text}",
            "paren": f"(0{area}){draw(st.sampled_from(('', ' ')))}{local_text}",
            "intl": f"+86{draw(st.sampled_from((' ', '-', '')))}{area}{sep or ' '}{local_text}",
            "intl_trunk": f"+86 (0{area}) {local_text}",
            "0086": f"0086{draw(st.sampled_from((' ', '-')))}{area}{sep or ' '}{local_text}",
            "bare": local_text,
        }[style]
        body += draw(st.sampled_from(LANDLINE_EXTENSIONS))
    else:
        cuts = (3, 7)
        body = sep.join((national[: cuts[0]], national[cuts[0] : cuts[1]], national[cuts[1] :])) if draw(st.booleans()) else national
        body = draw(st.sampled_from(("", "+86", "+86 ", "0086", "0086 ", "86", "+86-"))) + body
    if draw(st.booleans()):
        body = body.translate(FULL_WIDTH)
    return draw(st.sampled_from(("", " "))) + body + draw(st.sampled_from(("", " ")))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_it_matches_every_formatting_of_a_stored_number(data):
    stored = data.draw(stored_numbers())
    raw = data.draw(formatted(stored))
    assert normalize_phone(raw) == stored[0], raw
    assert stored[0] in match_keys(raw), raw


def test_it_tells_an_extension_after_a_dash_from_the_last_group_of_the_number():
    assert normalize_phone("0731-8888-1234") == "+8673188881234"
    assert normalize_phone("0731-88881234-123") == "+8673188881234"
    assert normalize_phone("138-1234-5678") == "+8613812345678"
    assert normalize_phone("0731-8888 8888") == normalize_phone("073188888888") == normalize_phone("+86 731 8888 8888") == "+8673188888888"


NUMBERS = [("C1", "0731-88881234"), ("C2", "+86 138 1234 5678"), ("C3", "010 6552 9988"), ("C4", "0755-2345 6789 转 806"), ("C5", "13900001111")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_it_finds_the_customer_in_the_database_whatever_the_formatting(database, clock, data):
    with database.write() as session:
        if not customers.find_by_account(session, actor=system_principal(), account="C1"):
            for account, phone in NUMBERS:
                customers.create_customer(session, actor=system_principal(), now=clock.now(), account=account, name=f"客户{account}", phones=[phone])
    account, phone = data.draw(st.sampled_from(NUMBERS))
    e164 = normalize_phone(phone)
    national = e164.removeprefix("+86")
    area = next((a for a in AREAS if national.startswith(a) and not national.startswith("1")), "")
    raw = data.draw(formatted((e164, national, area)))
    with database.read() as session:
        found = customers.find_by_phone(session, actor=system_principal(), phone=raw)
    assert [c.account for c in found] == [account], raw


def test_a_local_number_with_a_dashed_extension_is_not_read_as_another_citys_number():
    assert normalize_phone("51000000-123") == "+8673151000000"
    assert match_keys("51000000-123")[0] == "+8673151000000"
    assert normalize_phone("86-130000-00000") == "+8613000000000"  # a country code and a mobile, not a local number


def test_the_numbers_come_with_the_customers_in_one_statement_and_the_limit_counts_customers(database, clock):
    from sqlalchemy import event

    with database.write() as session:
        for i in range(4):  # a family's number, one of them with two more of their own
            extra = ["139 0000 2222", "0731-8765 4321"] if i == 1 else []
            customers.create_customer(session, actor=system_principal(), now=clock.now(), account=f"F{i}", name=f"家{i}", phones=["138 0000 1111", *extra])
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        if statement.startswith("SELECT"):  # not SQLite's BEGIN
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with database.read() as session:
            found = customers.find_by_phone_with_numbers(session, actor=system_principal(), phone="13800001111")
            limited = customers.find_by_phone_with_numbers(session, actor=system_principal(), phone="+86 138 0000 1111", limit=2)
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert len(statements) == 2
    assert [(c.account, numbers) for c, numbers in found] == [
        ("F0", ["+8613800001111"]), ("F1", ["+8613800001111", "+8613900002222", "+8673187654321"]), ("F2", ["+8613800001111"]), ("F3", ["+8613800001111"]),
    ]
    assert [c.account for c, _ in limited] == ["F0", "F1"] and len(limited[1][1]) == 3
