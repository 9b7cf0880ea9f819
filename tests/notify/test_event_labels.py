"""Every message event has a name the notification log shows, in both languages."""

from __future__ import annotations

from gridcare.config import load_settings
from gridcare.core.i18n import translator
from gridcare.main import load_plugins
from gridcare.notify import labels, templates


def test_every_event_with_a_message_file_has_a_translated_name(tmp_path):
    load_plugins(load_settings(data_dir=tmp_path))  # the domains register their message files
    events = set(templates.events(templates.load_catalog(templates.domain_directories())))
    assert {"alert.raised", "field.visit_overdue", "order.dispatched"} <= events
    assert events <= set(labels.EVENT_LABELS), f"events the log would show by their key: {sorted(events - set(labels.EVENT_LABELS))}"
    zh = translator("zh_CN")
    untranslated = [msgid for msgid in labels.EVENT_LABELS.values() if zh(msgid) == msgid]
    assert not untranslated, f"event names with no Chinese: {untranslated}"
