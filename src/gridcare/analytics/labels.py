"""Message ids the analytics templates build from data (``_("period." ~ kind)`` …), listed so
that extraction finds them; English texts live in the en catalog."""

from __future__ import annotations

from gridcare.core.i18n import N_

LABELS = (
    N_("period.day"), N_("period.week"), N_("period.month"), N_("period.year"),
    N_("flag.escalated"), N_("flag.open"), N_("flag.overdue"), N_("flag.reopened"), N_("flag.merged"), N_("flag.resolved"),
    N_("flag.late"), N_("flag.rated"), N_("flag.unsatisfied"), N_("flag.repeat"), N_("flag.answered"),
    N_("subject.grid"), N_("subject.rep"),
    N_("rater.key_customers"), N_("rater.departments"), N_("rater.contractors"),
    N_("column.month"), N_("column.grid"), N_("column.supplied_m3"), N_("column.billed_m3"), N_("column.meters_due"),
    N_("column.meters_read"), N_("column.billed_amount"), N_("column.collected_amount"),
)  # fmt: skip
