"""Label keys shown through a prefix in pages, e.g. _("status." ~ order.status);
listed so the catalog extraction finds them."""

import re
from collections.abc import Callable

from gridcare.core.i18n import N_, read_out

LABELS = [
    N_("from.created"),
    N_("task.open"),
    N_("task.done"),
    N_("task.confirmed"),
    N_("event.task.created"),
    N_("event.task.done"),
    N_("event.task.confirmed"),
    N_("event.task.sent_back"),
    N_("event.expert.asked"),
    N_("event.expert.answered"),
    N_("event.attachment.added"),
    N_("clock.calendar"),
    N_("clock.business"),
    N_("from.accepted"),
    N_("from.arrived"),
    N_("from.resolved"),
    N_("from.paid"),
    N_("audience.handler"),
    N_("audience.role:supervisor"),
    N_("audience.role:agent"),
    N_("audience.role:admin"),
    N_("Open"),
    N_("Mine"),
    N_("Late and escalated"),
    N_("Command-center queue"),
    N_("status.unassigned"),
    N_("status.dispatched"),
    N_("status.accepted"),
    N_("status.arrived"),
    N_("status.waiting_customer"),
    N_("status.review_pending"),
    N_("status.callback_pending"),
    N_("status.resolved"),
    N_("status.merged"),
    N_("status.closed"),
    N_("status.cancelled"),
    N_("category.consultation"),
    N_("category.repair"),
    N_("category.complaint"),
    N_("category.reconnection"),
    N_("category.service_request"),
    N_("category.suggestion"),
    N_("category.praise"),
    N_("channel.hotline"),
    N_("channel.letter"),
    N_("channel.visit"),
    N_("channel.web"),
    N_("channel.onsite"),
    N_("channel.patrol"),
    N_("channel.open311"),
    N_("command.dispatch"),
    N_("command.redispatch"),
    N_("command.accept"),
    N_("command.refuse"),
    N_("command.request_transfer"),
    N_("command.approve_transfer"),
    N_("command.deny_transfer"),
    N_("command.arrive"),
    N_("command.wait_customer"),
    N_("command.resume"),
    N_("command.resolve"),
    N_("command.submit_review"),
    N_("command.approve_review"),
    N_("command.reject_review"),
    N_("command.callback"),
    N_("command.reopen"),
    N_("command.close"),
    N_("command.merge_into"),
    N_("command.release"),
    N_("command.cancel"),
    N_("command.escalate"),
    N_("command.add_note"),
    N_("step.accept"),
    N_("step.arrive"),
    N_("step.resolve"),
    N_("step.callback"),
    N_("event.complaint.raised"),
    N_("event.order.accepted"),
    N_("event.order.arrived"),
    N_("event.order.callback_done"),
    N_("event.order.cancelled"),
    N_("event.order.closed"),
    N_("event.order.linked"),
    N_("event.order.rehomed"),
    N_("event.order.released"),
    N_("event.order.answered"),
    N_("event.order.rated"),
    N_("event.order.created"),
    N_("event.order.dispatched"),
    N_("event.order.escalated"),
    N_("event.order.escalation_withdrawn"),
    N_("event.order.merged"),
    N_("event.order.note_added"),
    N_("event.order.paused"),
    N_("event.order.redispatched"),
    N_("event.order.repeat_call"),
    N_("event.order.reopened"),
    N_("event.order.resolved"),
    N_("event.order.resumed"),
    N_("event.order.unassigned"),
    N_("event.review.approved"),
    N_("event.review.rejected"),
    N_("event.review.requested"),
    N_("event.transfer.approved"),
    N_("event.transfer.denied"),
    N_("event.transfer.requested"),
]


# Dispatch reasons and escalation notes are stored in English (they are data and appear in
# the audit trail); pages show them in the reader's language. Free text typed by a
# supervisor matches no pattern and is shown as typed.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^first contact: the registering rep follows the order$"), N_("first contact: the registering rep follows the order")),
    (re.compile(r"^category routed to department (?P<name>.+)$"), N_("category routed to department %(name)s")),
    (re.compile(r"^department (?P<name>.+) has nobody on duty: command-center queue$"), N_("department %(name)s has nobody on duty: command-center queue")),
    (re.compile(r"^no grid found: command-center queue$"), N_("no grid found: command-center queue")),
    (re.compile(r"^rep of grid (?P<code>\S+)$"), N_("rep of grid %(code)s")),
    (re.compile(r"^backup of grid (?P<code>\S+) \(rep off duty\)$"), N_("backup of grid %(code)s (rep off duty)")),
    (re.compile(r"^backup of grid (?P<code>\S+) \(grid has no rep\)$"), N_("backup of grid %(code)s (grid has no rep)")),
    (re.compile(r"^grid (?P<code>\S+) has no rep: command-center queue$"), N_("grid %(code)s has no rep: command-center queue")),
    (re.compile(r"^grid (?P<code>\S+): rep and backup off duty: command-center queue$"), N_("grid %(code)s: rep and backup off duty: command-center queue")),
    (re.compile(r"^level (?P<level>\d+): (?P<steps>[a-z, ]+) overdue$"), N_("level %(level)s: %(steps)s overdue")),
    (re.compile(r"^level (?P<level>\d+) to (?P<to>\d+): done in time, sent later from the phone$"), N_("level %(level)s to %(to)s: done in time, sent later from the phone")),
    (re.compile(r"^answered at intake: nobody was dispatched$"), N_("answered at intake: nobody was dispatched")),
    (re.compile(r"^inside outage (?P<outage>\S+): merged into its master order$"), N_("inside outage %(outage)s: merged into its master order")),
    (re.compile(r"^predicted outage (?P<outage>\S+) at (?P<device>\S+)$"), N_("predicted outage %(outage)s at %(device)s")),
)


def reason_text(text: str | None, gettext: Callable[..., str]) -> str:
    """A stored dispatch reason or escalation note in the reader's language (``gettext`` is
    the page's ``_``)."""

    def steps(listed: str) -> str:
        names = [gettext(f"step.{s.strip()}") for s in listed.split(",")]
        chinese = any("\u4e00" <= ch <= "\u9fff" for name in names for ch in name)
        return ("、" if chinese else ", ").join(names)

    return read_out(text, gettext, REASONS, {"steps": steps})
