"""What pages call states, channels and events (English msgids, translated where shown)."""

from __future__ import annotations

import re
from collections.abc import Callable

from gridcare.core.i18n import N_, read_out

STATE_LABELS = {
    "queued": N_("Queued"),
    "deferred": N_("Deferred"),
    "sending": N_("Sending"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed, will retry"),
    "dead": N_("Dead letter"),
}
STATE_BADGES = {"queued": "grey", "deferred": "grey", "sending": "blue", "delivered": "green", "failed": "amber", "dead": "red"}
CHANNEL_LABELS = {
    "popup": N_("Pop-up"),
    "sms": N_("SMS"),
    "voice": N_("Voice call"),
    "email": N_("Email"),
    "wecom": N_("WeCom group"),
}
EVENT_LABELS = {
    "order.dispatched": N_("Work order dispatched"),
    "order.escalated": N_("Work order escalated"),
    "order.accepted": N_("Work order accepted"),
    "order.resolved": N_("Work order resolved"),
    "order.callback": N_("Satisfaction callback"),
    "outage.notice": N_("Outage notice"),
    "outage.eta": N_("Restoration estimate"),
    "outage.cancelled": N_("Outage cancelled"),
    "outage.restored": N_("Supply restored"),
    "order.merged": N_("Work order merged"),
    "campaign": N_("Campaign"),
    "notify.test": N_("Test message"),
    # Events of other domains' message files (alerts, field, contractors, planning): every
    # event has its name here, which tests/notify/test_event_labels.py holds to.
    "alert.raised": N_("Alert raised"),
    "arrears.overdue": N_("Arrears follow-up overdue"),
    "campaigns.message": N_("Campaign message"),
    "cards.code": N_("Report-page confirmation code"),
    "contractors.notice": N_("Contractor work notice"),
    "field.patrol_overdue": N_("Patrol late or missed"),
    "field.visit_overdue": N_("Visit overdue"),
    "planning.adopted": N_("Grid design adopted"),
    "handover.given": N_("Shift handed over to you"),
    "handover.late": N_("Handover nobody took over"),
    "roster.week": N_("Agent roster changed"),
    "roster.outage_short": N_("Planned outage: roster short"),
    "hotline.busy": N_("Hotline busier than forecast"),
    "agents.month": N_("Agents to look at last month"),
}
RECIPIENT_LABELS = {
    "user": N_("Staff"),
    "customer": N_("Customer"),
    "grid_group": N_("WeCom group"),
    "address": N_("Address"),
}
LADDER_LABELS = {
    "acknowledged": N_("Acknowledged"),
    "accepted": N_("Accepted in time"),
    "completed": N_("Fallback finished"),
    "merged": N_("Merged into another order"),
    "redispatched": N_("Redispatched"),
    "withdrawn": N_("Escalation withdrawn"),
}


# Delivery errors are stored in English (gateways answer in it, and the log is read by
# operators too); the log shows the common ones in the reader's language, the rest as stored.
DELIVERY_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<channel>[a-z_]+) channel is not configured: set (?P<names>.+)$"), N_("%(channel)s channel is not configured: set %(names)s")),
    (re.compile(r"^no mobile number for the recipient$"), N_("no mobile number for the recipient")),
    (re.compile(r"^no phone number for the recipient$"), N_("no phone number for the recipient")),
    (re.compile(r"^no email address for the recipient$"), N_("no email address for the recipient")),
    (re.compile(r"^pop-ups go to staff users only$"), N_("pop-ups go to staff users only")),
    (re.compile(r"^the WeCom group has no robot webhook \(removed or disabled\)$"), N_("the WeCom group has no robot webhook (removed or disabled)")),
    (re.compile(r"^(?P<what>.+) timed out: (?P<error>.+)$"), N_("%(what)s timed out: %(error)s")),
    (re.compile(r"^(?P<what>.+) unreachable: (?P<error>.+)$"), N_("%(what)s unreachable: %(error)s")),
)


# A ladder stopped by a template an operator broke keeps "error: <why>" (notify.service).
LADDER_STOPS: tuple[tuple[re.Pattern[str], str], ...] = ((re.compile(r"^error: (?P<error>.+)$"), N_("Fallback stopped: %(error)s")),)


def ladder_text(stopped: str | None, gettext: Callable[..., str]) -> str:
    """Why a pop-up's fallback ladder stopped, in the reader's language."""
    if stopped in LADDER_LABELS:
        return gettext(LADDER_LABELS[stopped])
    return read_out(stopped, gettext, LADDER_STOPS)


def delivery_error_text(text: str | None, gettext: Callable[..., str]) -> str:
    """A stored delivery error in the reader's language, its channel by its label."""
    return read_out(text, gettext, DELIVERY_ERRORS, {"channel": lambda code: gettext(CHANNEL_LABELS[code]) if code in CHANNEL_LABELS else code})
