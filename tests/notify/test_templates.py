"""Message templates: every shipped one renders in both languages; customer SMS are signed."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.notify import templates

AT = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai
SAMPLES = {
    "order.dispatched": {"number": "GD20261124-000001", "address": "芙蓉区五一大道1号", "description": "整栋楼停电", "customer": "王芳", "category": "故障报修", "accept_due": AT},
    "order.escalated": {"number": "GD20261124-000001", "level": 2, "steps": "arrive", "handler": "张台区经理", "grid": "西网格"},
    "order.accepted": {"number": "GD20261124-000001", "handler": "张台区经理"},
    "order.resolved": {"number": "GD20261124-000001", "note": "更换保险丝"},
    "order.merged": {"number": "GD20261124-000002", "parent": "GD20261124-000001"},
    "order.callback": {"number": "GD20261124-000001"},
    "outage.notice": {"area": "五一大道1-99号", "starts_at": AT, "ends_at": AT, "planned": True, "reason": "线路检修", "utility": "electric"},
    "outage.eta": {"area": "五一大道1-99号", "eta": AT},
    "outage.restored": {"area": "五一大道1-99号", "restored_at": AT},
    "outage.cancelled": {"area": "五一大道1-99号", "starts_at": AT, "utility": "water"},
    "campaign": {"text": "请关注供电服务公众号，在线缴费更便捷。"},
    "notify.test": {"target": "西网格"},
}
MINIMAL = {  # only the values each template calls required
    "order.dispatched": {"number": "N1", "address": "", "description": "d"},
    "order.escalated": {"number": "N1", "level": 1},
    "order.accepted": {"number": "N1"},
    "order.resolved": {"number": "N1"},
    "order.merged": {"number": "N2", "parent": "N1"},
    "order.callback": {"number": "N1"},
    "outage.notice": {"area": "A", "starts_at": AT},
    "outage.eta": {"area": "A", "eta": AT},
    "outage.restored": {"area": "A"},
    "outage.cancelled": {"area": "A", "starts_at": AT},
    "campaign": {"text": "t"},
    "notify.test": {"target": "t"},
}


def test_it_ships_every_event_in_both_languages():
    catalog = templates.load_catalog()
    assert set(templates.events(catalog)) == set(SAMPLES)
    for event in SAMPLES:
        zh = {ch for (e, loc, ch) in catalog if e == event and loc == "zh_CN"}
        en = {ch for (e, loc, ch) in catalog if e == event and loc == "en"}
        assert zh == en and zh, event


@pytest.mark.parametrize("samples", [SAMPLES, MINIMAL], ids=["full", "minimal"])
def test_it_renders_every_shipped_template(samples):
    assert templates.check_catalog(templates.load_catalog(), samples) == []


def test_it_renders_the_dispatch_popup_in_chinese_and_english_with_local_times():
    catalog = templates.load_catalog()
    zh = templates.render(templates.find(catalog, event="order.dispatched", locale="zh_CN", channel="popup"), SAMPLES["order.dispatched"])
    assert zh.subject == "新工单 GD20261124-000001"
    assert "整栋楼停电" in zh.body and "王芳" in zh.body and "14:30 前接单" in zh.body
    en = templates.render(templates.find(catalog, event="order.dispatched", locale="en", channel="popup"), SAMPLES["order.dispatched"])
    assert en.subject == "New work order GD20261124-000001" and "Accept it before 14:30." in en.body


def test_it_signs_customer_sms_with_the_grid_rep_unless_the_template_opts_out():
    catalog = templates.load_catalog()
    rep = templates.RepSignature("张台区经理", "138 0000 0005")
    accepted = templates.render(templates.find(catalog, event="order.accepted", locale="zh_CN", channel="sms"), SAMPLES["order.accepted"], signature=rep)
    assert accepted.body.endswith("【您的网格客户经理：张台区经理 138 0000 0005】")
    english = templates.render(templates.find(catalog, event="campaign", locale="en", channel="sms"), {"text": "Pay online."}, signature=rep)
    assert english.body == "Pay online.【Your grid rep: 张台区经理 138 0000 0005】"
    staff = templates.render(templates.find(catalog, event="order.dispatched", locale="zh_CN", channel="sms"), SAMPLES["order.dispatched"], signature=rep)
    assert "网格客户经理" not in staff.body  # signature = false in the template


def test_it_falls_back_to_chinese_and_to_the_sms_text_for_a_voice_call():
    catalog = templates.load_catalog()
    voice = templates.find(catalog, event="order.accepted", locale="en", channel="voice")
    assert voice.channel == "voice" and voice.body.startswith("Your request")
    with pytest.raises(templates.TemplateProblem, match="no template for event 'nothing'"):
        templates.find(catalog, event="nothing", locale="zh_CN", channel="sms")


def test_it_names_a_missing_value_and_keeps_templates_in_the_sandbox():
    template = templates.MessageTemplate("x", "en", "sms", "", "Order {{ number }}")
    with pytest.raises(templates.TemplateProblem, match="lacks a value: 'number' is undefined"):
        templates.render(template, {})
    sneaky = templates.MessageTemplate("x", "en", "sms", "", "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(templates.TemplateProblem):
        templates.render(sneaky, {})


def test_it_lets_an_operator_override_one_template(tmp_path):
    (tmp_path / "order.accepted.toml").write_text('[zh_CN.sms]\nbody = "已受理：{{ number }}"\nsignature = false\n', encoding="utf-8")
    catalog = templates.load_catalog((str(tmp_path),))
    found = templates.find(catalog, event="order.accepted", locale="zh_CN", channel="sms")
    assert templates.render(found, {"number": "N1"}, signature=templates.RepSignature("张", "1")).body == "已受理：N1"
    assert templates.find(catalog, event="order.accepted", locale="en", channel="sms").body.startswith("Your request")  # the rest stays


def test_it_rejects_a_malformed_template_file():
    with pytest.raises(templates.TemplateProblem, match="top-level tables must be locales"):
        templates.parse_template_file("x", '[fr.sms]\nbody = "salut"\n')
    with pytest.raises(templates.TemplateProblem, match="needs a body"):
        templates.parse_template_file("x", '[en.sms]\nsubject = "no body"\n')


@given(text=st.text(min_size=1, max_size=200))
def test_it_passes_campaign_text_through_verbatim(text):
    found = templates.find(templates.load_catalog(), event="campaign", locale="zh_CN", channel="sms")
    assert templates.render(found, {"text": text}).body == text.strip()


def test_a_rules_label_in_the_context_is_translated_into_the_message_s_language():
    from gridcare.contractors import notifying, rules

    catalog = notifying.config().catalog
    for locale, expected in (("zh_CN", "进行水箱清洗。"), ("en", "carry out tank cleaning in")):
        found = templates.find(catalog, event="contractors.notice", locale=locale, channel="sms")
        body = templates.render(found, {"kind": rules.KINDS["tank_cleaning"], "contractor": "湘楚", "starts_at": AT, "due_at": AT, "text": ""}).body
        assert expected in body, body
