"""Delivery errors are stored as the gateways said them; the log reads the common ones out in
the reader's language."""

from gridcare.core.i18n import translator
from gridcare.notify.labels import delivery_error_text


def said(text, locale="zh_CN"):
    return delivery_error_text(text, translator(locale))


def test_common_delivery_errors_are_read_out_in_chinese():
    assert said("voice channel is not configured: set GRIDCARE_VOICE_HTTP_URL") == "语音外呼通道未配置：请设置 GRIDCARE_VOICE_HTTP_URL"
    assert said("no mobile number for the recipient") == "收件人没有手机号码"
    assert said("SMS gateway timed out: ReadTimeout") == "SMS gateway 超时：ReadTimeout"


def test_unknown_errors_are_shown_as_stored_and_english_names_the_channel_by_its_label():
    assert said("voice channel is not configured: set X", "en") == "Voice call channel is not configured: set X"
    assert said("WeCom robot error 93000: invalid webhook url") == "WeCom robot error 93000: invalid webhook url"
    assert said("fax channel is not configured: set X") == "fax通道未配置：请设置 X"


def test_why_a_fallback_ladder_stopped_is_read_out_in_chinese():
    from gridcare.notify.labels import ladder_text

    zh, en = translator("zh_CN"), translator("en")
    assert ladder_text("acknowledged", zh) == zh("Acknowledged") != "Acknowledged"
    assert ladder_text("error: template sms.order: unknown field 'x'", zh) == "升级提醒已中止：template sms.order: unknown field 'x'"
    assert ladder_text("error: template sms.order: unknown field 'x'", en) == "Fallback stopped: template sms.order: unknown field 'x'"
    assert ladder_text(None, zh) == ""
    # Every reason the platform stops a ladder with is read out, none shown as stored.
    for reason in ("accepted", "merged", "redispatched", "withdrawn", "completed"):
        assert ladder_text(reason, zh) != reason and ladder_text(reason, en) != reason
