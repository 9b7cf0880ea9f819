"""Messages raised in services are English strings that pages and API answers show in their
reader's language."""

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_, Joined, Label, Text, in_language, translator

# Messages the catalogs translate (tests/core/test_i18n_catalogs.py keeps them translated).
BETWEEN = "must be between %(low)s and %(high)s"


def test_a_text_is_its_english_string():
    reason = T_(BETWEEN, low=1, high=24)
    assert reason == "must be between 1 and 24" and isinstance(reason, str)
    assert f"every_months: {reason}" == "every_months: must be between 1 and 24"


def test_a_text_is_shown_in_chinese_with_its_values():
    assert T_(BETWEEN, low=1, high=24).in_language("zh_CN") == "必须在 1 到 24 之间"
    assert T_(BETWEEN, low=1, high=24).in_language("en") == "must be between 1 and 24"


def test_values_that_are_texts_are_translated_too():
    error = InvalidInput.field("every_months", T_(BETWEEN, low=1, high=24))
    assert error.detail == "every_months: must be between 1 and 24"
    assert error.explained("zh_CN") == "every_months：必须在 1 到 24 之间"
    assert error.explained("en") == error.detail


def test_many_problems_are_one_line_in_either_language():
    error = InvalidInput.many([FieldProblem("low", T_(BETWEEN, low=1, high=2)), FieldProblem("name", "plain")])
    assert error.detail == "low: must be between 1 and 2; name: plain"
    assert error.explained("zh_CN") == "low：必须在 1 到 2 之间；name：plain"


def test_a_plain_string_and_an_unknown_message_stay_as_they_are():
    assert in_language("no such thing", "zh_CN") == "no such thing"
    assert T_("not in any catalog %(n)s", n=3).in_language("zh_CN") == "not in any catalog 3"
    assert in_language(7, "zh_CN") == 7


def test_the_page_translator_shows_a_text_in_the_page_language():
    _ = translator("zh_CN")
    assert _(T_(BETWEEN, low=3, high=4)) == "必须在 3 到 4 之间"
    assert _("Could not answer: %(detail)s", detail=NotFound(T_(BETWEEN, low=3, high=4)).detail).endswith("必须在 3 到 4 之间")


def test_texts_survive_pickling_between_processes():
    for message in (T_(BETWEEN, low=1, high=2), Joined([T_(BETWEEN, low=1, high=2), "x"])):
        copy = pickle.loads(pickle.dumps(message))
        assert type(copy) is type(message) and copy == message and copy.in_language("zh_CN") == message.in_language("zh_CN")


@given(st.text(), st.integers())
def test_any_value_renders_the_same_english_as_formatting(value, number):
    assert T_("%(value)s and %(number)d", value=value, number=number) == f"{value} and {number}"
    assert isinstance(T_("x"), Text) and T_("100%% sure") == "100%% sure"


def test_a_code_in_a_message_is_shown_by_its_label():
    from gridcare.workorders.states import OrderFacts, Status, TransitionRefused, decide

    status = Label("status", "closed")
    assert status == "closed" and status.in_language("en") == "closed" and status.in_language("zh_CN") == "已归档"
    assert Label("status", "no-such-status").in_language("zh_CN") == "no-such-status"
    with pytest.raises(TransitionRefused) as refused:
        decide(OrderFacts(status=Status.CLOSED, category="repair"), "accept", actor_role="rep", actor_is_handler=True)
    assert refused.value.detail == "cannot accept an order that is closed"
    assert refused.value.explained("zh_CN") == "工单状态为“已归档”，不能执行“接单”"


def test_an_outage_refusal_names_the_status_and_the_command_by_their_labels():
    from gridcare.outages import states

    refused = states.refusal("restore", "cancelled")
    assert refused == "cannot restore an outage that is cancelled"
    assert refused.in_language("zh_CN") == "停电状态为“已取消”，不能执行“恢复供电”"


def test_a_stored_text_comes_back_in_either_language():
    import json

    from gridcare.core.i18n import as_stored, restored

    message = Joined([T_("%(field)s: %(reason)s", field="since", reason=T_(BETWEEN, low=1, high=2)), T_("cannot %(command)s", command=Label("status", "closed"))])
    back = restored(json.loads(json.dumps(as_stored(message))), "fallback")
    assert back == message and back.in_language("zh_CN") == message.in_language("zh_CN") and "必须在 1 到 2 之间" in back.in_language("zh_CN")
    # Nothing stored (a row from before), or a message that no longer formats: the English kept beside it.
    assert restored(None, "as stored") == "as stored" and restored({"msgid": "%(n)d days", "values": {"n": "many"}}, "as stored") == "as stored"


@given(st.text(), st.integers())
def test_any_stored_text_restores_to_the_same_english(value, number):
    from gridcare.core.i18n import as_stored, restored

    message = T_("%(value)s and %(number)d", value=value, number=number)
    assert restored(as_stored(message)) == message
