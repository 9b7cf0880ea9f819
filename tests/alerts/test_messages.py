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
    context = {"title": "西网格 11-23 故障报修工单异常增多：9 单（预期 1.0）", "grid": "E-WEST", "kind": "spike", "severity": "critical", "alert_id": 7}
    zh = templates.render(templates.find(catalog, event="alert.raised", locale="zh_CN", channel="popup"), context)
    en = templates.render(templates.find(catalog, event="alert.raised", locale="en", channel="sms"), {**context, "grid": ""})
    assert zh.subject.startswith("预警：西网格") and "/alerts/7" in zh.body and "网格 E-WEST" in zh.body
    assert en.body.startswith("Alert: 西网格") and "grid" not in en.body.split(":")[1]
