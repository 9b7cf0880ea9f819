"""Key-customer and stakeholder visits (重点客户联络): the rhythm per customer tag or
stakeholder kind (data), one standing visit plan per key customer and stakeholder with its
next due date, visit records, and overdue visits flagged to the rep."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import RecordScope, can_see
from gridcare.auth.scoping import scoped
from gridcare.core import phone
from gridcare.core.clock import to_local
from gridcare.core.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, Role
from gridcare.field import rules
from gridcare.field.models import Stakeholder, Visit, VisitPlan, VisitRule
from gridcare.field.permissions import can_work, require_manage, require_read, require_work

Progress = Callable[[str, int, int], None]


# --- rhythms (data) -----------------------------------------------------------------------


def visit_rules(session: Session) -> dict[str, rules.Rhythm]:
    """The shipped rhythms, replaced subject by subject by the utility's own rows."""
    found = dict(rules.DEFAULT_VISIT_RULES)
    for row in session.scalars(select(VisitRule)):
        found[row.subject] = rules.Rhythm(row.every_months, row.unannounced)
    return found


def set_visit_rule(session: Session, *, actor: Principal, now: datetime, subject: str, every_months: int, unannounced: bool = False) -> VisitRule:
    from gridcare.customers.service import TAGS

    require_manage(actor)
    subjects = (*TAGS, *(f"stakeholder:{k}" for k in rules.STAKEHOLDER_KINDS))
    if subject not in subjects:
        raise InvalidInput.field("subject", T_("must be one of %(choices)s", choices=", ".join(subjects)))
    if not 1 <= every_months <= 24:
        raise InvalidInput.field("every_months", T_("must be between %(low)s and %(high)s", low=1, high=24))
    row = session.get(VisitRule, subject)
    before = visit_rules(session).get(subject)
    if row is None:
        row = VisitRule(subject=subject, every_months=every_months, unannounced=unannounced, updated_by=actor.login, updated_at=now)
        session.add(row)
    else:
        row.every_months, row.unannounced, row.updated_by, row.updated_at = every_months, unannounced, actor.login, now
    audit.record(session, actor=actor, at=now, action="visit_rule.set", entity="visit_rule", entity_id=subject, before=before.__dict__ if before else None, after={"every_months": every_months, "unannounced": unannounced})
    return row


# --- stakeholders -------------------------------------------------------------------------


def add_stakeholder(session: Session, *, actor: Principal, now: datetime, grid_id: int, kind: str, name: str, contact: str = "", phone: str = "", address: str = "") -> Stakeholder:
    from gridcare.grids import service as grids

    require_work(actor)
    grid = grids.get_grid(session, actor=actor, grid_id=grid_id)
    problems = []
    if kind not in rules.STAKEHOLDER_KINDS:
        problems.append(FieldProblem("kind", T_("must be one of %(choices)s", choices=", ".join(rules.STAKEHOLDER_KINDS))))
    if not name.strip() or len(name) > 200:
        problems.append(FieldProblem("name", T_("must be %(low)s to %(high)s characters", low=1, high=200)))
    if len(contact) > 100:
        problems.append(FieldProblem("contact", T_("must be at most %(n)s characters", n=100)))
    if len(phone) > 32:
        problems.append(FieldProblem("phone", T_("must be at most %(n)s characters", n=32)))
    if problems:
        raise InvalidInput.many(problems)
    row = Stakeholder(grid_id=grid.id, org_path=grid.org_path, kind=kind, name=name.strip(), contact=contact.strip(), phone=phone.strip(), address=address.strip()[:400], active=True, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, at=now, action="stakeholder.create", entity="stakeholder", entity_id=row.id, after={"grid_id": grid.id, "kind": kind, "name": row.name}, org_path=row.org_path, new_stream=True)
    _ensure_plan(session, now=now, key=f"stakeholder:{row.id}", values=_stakeholder_values(row, grid.rep_id, visit_rules(session)))
    return row


def stakeholders(session: Session, *, actor: Principal, grid_id: int | None = None) -> list[Stakeholder]:
    require_read(actor)
    stmt = scoped(select(Stakeholder), actor, org_path=Stakeholder.org_path, grid_id=Stakeholder.grid_id).where(Stakeholder.active.is_(True))
    if grid_id is not None:
        stmt = stmt.where(Stakeholder.grid_id == grid_id)
    return list(session.scalars(stmt.order_by(Stakeholder.grid_id, Stakeholder.kind, Stakeholder.name)))


# --- visit plans --------------------------------------------------------------------------


def _stakeholder_values(row: Stakeholder, rep_id: int | None, rhythms: dict[str, rules.Rhythm]) -> dict[str, Any]:
    basis = f"stakeholder:{row.kind}"
    rhythm = rhythms.get(basis, rules.Rhythm(3))
    return dict(stakeholder_id=row.id, customer_id=None, title=row.name, basis=basis, rep_id=rep_id, grid_id=row.grid_id, org_path=row.org_path, every_months=rhythm.every_months, unannounced=rhythm.unannounced)


def _ensure_plan(
    session: Session, *, now: datetime, key: str, values: dict[str, Any], known: dict[str, VisitPlan] | None = None, new: list[dict[str, Any]] | None = None
) -> bool:
    """Create the plan (first visit due one period from today), or follow a changed rhythm,
    rep or grid. Returns whether anything was written. New plans go to ``new`` when given,
    for the caller to insert together."""
    plan = known.get(key) if known is not None else session.scalar(select(VisitPlan).where(VisitPlan.key == key))
    today = to_local(now).date()
    if plan is None:
        row = dict(key=key, next_due=rules.next_due(today, values["every_months"]), active=True, created_at=now, last_visit_at=None, overdue_told_for=None, **values)
        if new is not None:
            new.append(row)
        else:
            session.add(VisitPlan(**row))
        return True
    changed = False
    for k, v in values.items():
        if getattr(plan, k) != v:
            setattr(plan, k, v)
            changed = True
    if changed and "every_months" in values:
        anchor = to_local(plan.last_visit_at).date() if plan.last_visit_at else to_local(plan.created_at).date()
        plan.next_due = rules.next_due(anchor, plan.every_months)
    if not plan.active:
        plan.active, changed = True, True
    return changed


def sync_plans(session: Session, *, now: datetime, progress: Progress | None = None) -> int:
    """One visit plan per tagged key customer and per stakeholder, following the current
    rhythms, the grids' reps and the tags (a customer no longer tagged drops out). Read-only
    over the customers domain's tag index; returns plans created or changed."""
    from gridcare.customers.models import Customer, CustomerTag
    from gridcare.grids.models import Grid

    rhythms = visit_rules(session)
    tag_subjects = [s for s in rhythms if not s.startswith("stakeholder:")]
    reps = dict(session.execute(select(Grid.id, Grid.rep_id)).all())
    tags: dict[int, set[str]] = {}
    for cid, tag in session.execute(select(CustomerTag.customer_id, CustomerTag.tag).where(CustomerTag.tag.in_(tag_subjects))):
        tags.setdefault(cid, set()).add(tag)
    tagged = select(CustomerTag.customer_id).where(CustomerTag.tag.in_(tag_subjects))
    customers = {c.id: c for c in session.execute(select(Customer.id, Customer.name, Customer.grid_id, Customer.org_path).where(Customer.id.in_(tagged)))} if tags else {}
    known = {p.key: p for p in session.scalars(select(VisitPlan))}
    total, changed, seen = len(customers), 0, set()
    # A first round after a big import creates a plan per key customer (a city of a million
    # has tens of thousands): as one Core insert, not ORM objects, so it takes the worker
    # (and on SQLite the writer) for a moment instead of most of a minute.
    new: list[dict[str, Any]] = []
    for n, (cid, customer) in enumerate(sorted(customers.items()), start=1):
        chosen = rules.rhythm_for_tags(tags[cid], rhythms)
        if chosen is None:
            continue
        basis, rhythm = chosen
        key = f"customer:{cid}"
        seen.add(key)
        values = dict(customer_id=cid, stakeholder_id=None, title=customer.name, basis=basis, rep_id=reps.get(customer.grid_id), grid_id=customer.grid_id, org_path=customer.org_path, every_months=rhythm.every_months, unannounced=rhythm.unannounced)
        changed += _ensure_plan(session, now=now, key=key, values=values, known=known, new=new)
        if progress and n % 200 == 0:
            progress("visit plans", n, total)
    for row in session.scalars(select(Stakeholder).where(Stakeholder.active.is_(True))):
        key = f"stakeholder:{row.id}"
        seen.add(key)
        changed += _ensure_plan(session, now=now, key=key, values=_stakeholder_values(row, reps.get(row.grid_id), rhythms), known=known, new=new)
    for start in range(0, len(new), 5000):
        session.execute(VisitPlan.__table__.insert(), new[start : start + 5000])
    for plan in known.values():
        if plan.active and plan.key not in seen:
            plan.active = False
            changed += 1
    if progress:
        progress("visit plans", total, total)
    return changed


def _scope(plan: VisitPlan) -> RecordScope:
    return RecordScope(org_path=plan.org_path, grid_id=plan.grid_id, gridded=True)


def get_plan(session: Session, *, actor: Principal, plan_id: int) -> VisitPlan:
    require_read(actor)
    plan = session.get(VisitPlan, plan_id)
    if plan is None or not (can_see(actor, _scope(plan)) or plan.rep_id == actor.user_id):
        raise NotFound(T_("plan_id: no visit plan %(id)s in your scope", id=plan_id))
    return plan


def plans(session: Session, *, actor: Principal, mine: bool = False, overdue_on: date | None = None, due_by: date | None = None, limit: int = 500) -> list[VisitPlan]:
    require_read(actor)
    stmt = select(VisitPlan).where(VisitPlan.rep_id == actor.user_id) if mine else scoped(select(VisitPlan), actor, org_path=VisitPlan.org_path, grid_id=VisitPlan.grid_id)
    stmt = stmt.where(VisitPlan.active.is_(True))
    if overdue_on is not None:
        stmt = stmt.where(VisitPlan.next_due < overdue_on)
    if due_by is not None:
        stmt = stmt.where(VisitPlan.next_due <= due_by)
    return list(session.scalars(stmt.order_by(VisitPlan.next_due, VisitPlan.id).limit(limit)))


def may_record(actor: Principal, plan: VisitPlan) -> bool:
    """The plan's rep, or a supervisor, records its visits."""
    return can_work(actor) and (plan.rep_id in (None, actor.user_id) or actor.role in (Role.SUPERVISOR, Role.ADMIN))


def record_visit(
    session: Session, *, actor: Principal, now: datetime, plan_id: int, contact_met: str, satisfaction: int, notes: str = "", issues: str = "",
    made_at: datetime | None = None, phone_time: datetime | None = None, submission: str | None = None,
) -> Visit:
    """A visit done: the next one falls due one period after it. A visit kept on the phone
    without signal counts from when it was made (see ``phone.when_made``); sent again under
    the same ``submission`` it changes nothing."""
    require_work(actor)
    submission = phone.submission_id(submission)
    plan = get_plan(session, actor=actor, plan_id=plan_id)
    if not may_record(actor, plan):
        raise Forbidden(T_("only the plan's rep or a supervisor records its visits"))
    if submission is not None:
        earlier = session.scalar(select(Visit).where(Visit.submission == submission))
        if (again := phone.sent_before(earlier, here=earlier is not None and earlier.plan_id == plan.id)) is not None:
            return again
    problems = []
    if not contact_met.strip() or len(contact_met) > 100:
        problems.append(FieldProblem("contact_met", T_("say whom you met (%(low)s to %(high)s characters)", low=1, high=100)))
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        problems.append(FieldProblem("satisfaction", T_("must be a whole number from %(low)s to %(high)s", low=1, high=5)))
    if len(notes) > 4000:
        problems.append(FieldProblem("notes", T_("must be at most %(n)s characters", n=4000)))
    if len(issues) > 4000:
        problems.append(FieldProblem("issues", T_("must be at most %(n)s characters", n=4000)))
    if problems:
        raise InvalidInput.many(problems)
    made = phone.when_made(made_at, now, phone_time)
    day = to_local(made.at).date()
    # A visit that arrives after a later one is history: the rhythm runs from the latest.
    latest = plan.last_visit_at is None or made.at >= plan.last_visit_at
    due_on = plan.next_due if latest else day
    visit = Visit(
        plan_id=plan.id, visited_at=made.at, visitor=actor.login, contact_met=contact_met.strip(), notes=notes.strip(), issues=issues.strip(), satisfaction=satisfaction,
        due_on=due_on, late=day > due_on, sent_at=made.sent_at, claimed_at=made.claimed_at, submission=submission,
    )
    session.add(visit)
    if latest:
        plan.last_visit_at = made.at
        plan.next_due = rules.next_due(day, plan.every_months)
    session.flush()
    audit.record(
        session, actor=actor, at=now, action="visit.record", entity="visit_plan", entity_id=plan.id,
        after={"visit_id": visit.id, "satisfaction": satisfaction, "late": visit.late, "next_due": plan.next_due.isoformat(), **phone.for_audit(made)}, org_path=plan.org_path,
    )
    return visit


def visits_of(session: Session, *, actor: Principal, plan_id: int, limit: int = 50) -> list[Visit]:
    get_plan(session, actor=actor, plan_id=plan_id)
    return list(session.scalars(select(Visit).where(Visit.plan_id == plan_id).order_by(Visit.visited_at.desc()).limit(limit)))


def _overdue_untold(now: datetime) -> Any:
    untold = VisitPlan.overdue_told_for.is_(None) | (VisitPlan.overdue_told_for != VisitPlan.next_due)
    return and_(VisitPlan.active.is_(True), VisitPlan.next_due < to_local(now).date(), VisitPlan.rep_id.is_not(None), untold)


def find_overdue(session: Session, *, now: datetime) -> list[int]:
    """The plans ``flag_overdue`` would tell their rep of now (reads only)."""
    return list(session.scalars(select(VisitPlan.id).where(_overdue_untold(now)).order_by(VisitPlan.id)))


def flag_overdue(session: Session, *, now: datetime, ids: Sequence[int] | None = None) -> int:
    """Tell the rep, once per due date, of every visit now overdue (``ids``: only these)."""
    from gridcare.field import notifying

    told = 0
    stmt = select(VisitPlan).where(_overdue_untold(now)).order_by(VisitPlan.id)
    if ids is not None:
        stmt = stmt.where(VisitPlan.id.in_(list(ids)))
    for plan in session.scalars(stmt):
        plan.overdue_told_for = plan.next_due
        notifying.visit_overdue(session, now=now, user_id=plan.rep_id, plan=plan)  # type: ignore[arg-type]
        told += 1
    return told
