"""The ``alert.raised`` template renders in both languages and the catalog the alerts send
with holds it besides every shipped one."""

from __future__ import annotations

from gridcare.alerts import notifying
from gridcare.notify import templates


def test_it_renders_the_alert_message_in_both_languages_on_every_channel():
    catalog = notifying.config().catalog
    ours = {(loc, ch) for (e, loc, ch) in catalog if e == "alert.raised"}
    assert ours == {("zh_CN", "popup"), ("zh_CN", "sms"), ("en", "popup"), ("en", "sms")}
    assert ("order.dispatched", "zh_CN", "popup") in catalog  # the shipped ones stay
    titles = {"zh_CN": "西网格 11-23 故障报修工单异常增多：9 单（预期 1.0）", "en": "西网格 11-23: Repair orders up to 9 (expected 1.0)"}
    context = {"title": titles["zh_CN"], "titles": titles, "grid": "E-WEST", "kind": "spike", "severity": "critical", "alert_id": 7}
    zh = templates.render(templates.find(catalog, event="alert.raised", locale="zh_CN", channel="popup"), context)
    en = templates.render(templates.find(catalog, event="alert.raised", locale="en", channel="sms"), {**context, "grid": ""})
    assert zh.subject == "预警：" + titles["zh_CN"] and "/alerts/7" in zh.body and "网格 E-WEST" in zh.body
    assert en.body.startswith("Alert: 西网格 11-23: Repair orders up to 9") and "工单" not in en.body and "grid" not in en.body.split(":")[1]


def test_a_title_written_in_one_language_only_falls_back_to_chinese():
    catalog = notifying.config().catalog
    context = {"title": "旧", "titles": {"zh_CN": "旧的标题"}, "grid": "", "kind": "spike", "severity": "warning", "alert_id": 1}
    en = templates.render(templates.find(catalog, event="alert.raised", locale="en", channel="popup"), context)
    assert en.subject == "Alert: 旧的标题"
