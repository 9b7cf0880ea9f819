"""Pure rules of hard arrears cases (疑难欠费): the outcomes a case may close with and what
each needs, and when a follow-up is overdue. No database, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from gridcare.core.errors import FieldProblem
from gridcare.core.i18n import N_, T_

METHODS = {"visit": N_("Visit"), "call": N_("Phone call"), "sms": N_("SMS"), "notice": N_("Written notice"), "meeting": N_("Meeting with the customer")}
OUTCOMES = {
    "paid": N_("Paid in full"),
    "instalment": N_("Instalment plan"),
    "disconnected": N_("Disconnected per rules"),
    "written_off": N_("Written off"),
    "legal": N_("Handed to legal"),
}
# 《供电营业规则》: a disconnection for arrears is announced in writing 7 days before.
NOTICE_BEFORE_DISCONNECTION = timedelta(days=7)
DEFAULT_INTERVAL = timedelta(days=7)
# Customers whose supply is not cut for arrears: the case goes to legal or a plan instead.
NEVER_DISCONNECTED = frozenset({"protected"})


def close_problems(
    outcome: str, *, amount_fen: int, paid_fen: int, tags: Iterable[str], follow_ups: Sequence[tuple[str, datetime]], now: datetime, note: str
) -> list[FieldProblem]:
    """Why the case may not close with ``outcome`` now (empty: it may)."""
    if outcome not in OUTCOMES:
        return [FieldProblem("outcome", T_("must be one of %(choices)s", choices=", ".join(OUTCOMES)))]
    problems = []
    if outcome == "paid" and paid_fen < amount_fen:
        problems.append(FieldProblem("outcome", T_("record the payments first: %(paid)s of %(amount)s paid", paid=f"{paid_fen / 100:.2f}", amount=f"{amount_fen / 100:.2f}")))
    if outcome in ("instalment", "written_off", "legal") and not note.strip():
        give = {"instalment": T_("give the plan (amounts and dates)"), "written_off": T_("give the approval reference"), "legal": T_("give the case reference")}[outcome]
        problems.append(FieldProblem("note", give))
    if outcome == "disconnected":
        protected = NEVER_DISCONNECTED & set(tags)
        if protected:
            problems.append(FieldProblem("outcome", T_("a %(tag)s customer is not disconnected for arrears; choose an instalment plan or legal", tag=sorted(protected)[0])))
        notices = [at for method, at in follow_ups if method == "notice"]
        if not notices or now - min(notices) < NOTICE_BEFORE_DISCONNECTION:
            problems.append(FieldProblem("outcome", T_("a written notice must be served at least %(days)s days before disconnection", days=NOTICE_BEFORE_DISCONNECTION.days)))
    return problems


def next_follow_up(now: datetime, asked: datetime | None) -> datetime:
    return asked if asked is not None else now + DEFAULT_INTERVAL


def is_overdue(status: str, next_follow_up_at: datetime | None, now: datetime) -> bool:
    return status == "open" and next_follow_up_at is not None and next_follow_up_at < now


def needs_flag(status: str, next_follow_up_at: datetime | None, flagged_at: datetime | None, now: datetime) -> bool:
    """Overdue and not yet flagged for this deadline (a new follow-up sets a new one)."""
    return is_overdue(status, next_follow_up_at, now) and (flagged_at is None or (next_follow_up_at is not None and flagged_at < next_follow_up_at))
