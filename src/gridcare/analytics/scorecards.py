"""Scorecard use cases: importing the monthly aggregates, entering ratings, setting
weights, computing the month's scorecards and closing a month into snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gridcare.analytics import periods, queries, scoring
from gridcare.analytics.importing import ParsedAggregates, parse_aggregates
from gridcare.analytics.models import MeterAggregate, Rating, ScorecardSnapshot, ScoreWeight
from gridcare.analytics.permissions import require_manage, require_read
from gridcare.audit import service as audit
from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal

Progress = Callable[[str, int, int], None]


def parse_file(session: Session, *, actor: Principal, data: bytes, filename: str) -> ParsedAggregates:
    from gridcare.grids import service as grids

    return parse_aggregates(data, filename=filename, grid_codes=[g.code for g in grids.list_grids(session, actor=actor)])


def import_aggregates(session: Session, *, actor: Principal, now: datetime, data: bytes, filename: str, progress: Progress | None = None) -> int:
    """All rows or none: a file with any bad row raises with every problem (line, field,
    reason). A month and grid imported again replaces the earlier figures."""
    from gridcare.grids import service as grids

    require_manage(actor)
    parsed = parse_file(session, actor=actor, data=data, filename=filename)
    if not parsed.ok:
        raise InvalidInput.many([FieldProblem(T_("line %(line)s, %(field)s", line=p.line, field=p.field), p.reason) for p in parsed.problems])
    ids = {g.code: g.id for g in grids.list_grids(session, actor=actor)}
    total = len(parsed.rows)
    for i, r in enumerate(parsed.rows, start=1):
        session.execute(delete(MeterAggregate).where(MeterAggregate.month == r.month, MeterAggregate.grid_id == ids[r.grid_code]))
        session.add(
            MeterAggregate(
                month=r.month, grid_id=ids[r.grid_code], supplied_m3=r.supplied_m3, billed_m3=r.billed_m3, meters_due=r.meters_due, meters_read=r.meters_read,
                billed_amount=r.billed_amount, collected_amount=r.collected_amount, imported_at=now, imported_by=actor.login,
            )
        )  # fmt: skip
        if progress and (i % 500 == 0 or i == total):
            progress("aggregates", i, total)
    session.flush()
    months = sorted({r.month for r in parsed.rows})
    # Not a new stream: the same file name imported twice in one second shares it.
    audit.record(session, actor=actor, at=now, action="analytics.import_aggregates", entity="meter_aggregates", entity_id=f"{filename}@{now:%Y%m%dT%H%M%S}", after={"rows": total, "months": months})
    return total


def aggregate_measures(session: Session, *, month: str) -> dict[int, dict[str, float | None]]:
    """Per grid: NRW, read rate and collection rate of the month's imported aggregates."""
    out: dict[int, dict[str, float | None]] = {}
    for a in session.scalars(select(MeterAggregate).where(MeterAggregate.month == month)):
        out[a.grid_id] = aggregate_values([a])
    return out


def aggregate_values(rows: list[MeterAggregate]) -> dict[str, float | None]:
    supplied = sum(r.supplied_m3 or 0 for r in rows if r.supplied_m3 is not None)
    billed_m3 = sum(r.billed_m3 or 0 for r in rows if r.billed_m3 is not None)
    due, read = sum(r.meters_due for r in rows), sum(r.meters_read for r in rows)
    billed, collected = sum(r.billed_amount for r in rows), sum(r.collected_amount for r in rows)
    return {
        "nrw": (supplied - billed_m3) / supplied if supplied else None,
        "read_rate": read / due if due else None,
        "collection_rate": collected / billed if billed else None,
    }


def set_rating(session: Session, *, actor: Principal, now: datetime, month: str, subject_kind: str, subject_id: int, rater: str, score: object, note: str = "") -> Rating:
    require_manage(actor)
    periods.month(month)
    value = scoring.check_rating(subject_kind, rater, score)
    if len(note) > 2000:
        raise InvalidInput.field("note", T_("must be at most %(n)s characters", n=2000))
    if subject_id not in {s["id"] for s in subjects(session, actor=actor, kind=subject_kind)}:
        raise InvalidInput.field("subject_id", T_("no grid %(id)s in your scope", id=subject_id) if subject_kind == "grid" else T_("no rep %(id)s in your scope", id=subject_id))
    row = session.scalar(select(Rating).where(Rating.month == month, Rating.subject_kind == subject_kind, Rating.subject_id == subject_id, Rating.rater == rater))
    before = None if row is None else {"score": row.score, "note": row.note}
    if row is None:
        row = Rating(month=month, subject_kind=subject_kind, subject_id=subject_id, rater=rater, score=value, note=note, entered_by=actor.login, entered_at=now)
        session.add(row)
    else:
        row.score, row.note, row.entered_by, row.entered_at = value, note, actor.login, now
    session.flush()
    audit.record(session, actor=actor, at=now, action="analytics.rating", entity="rating", entity_id=f"{month}:{subject_kind}:{subject_id}:{rater}", before=before, after={"score": value, "note": note}, new_stream=before is None)
    return row


def weights_defaults() -> dict[str, float]:
    return dict(scoring.DEFAULT_WEIGHTS)


def weights(session: Session) -> dict[str, float]:
    saved = {w.measure: w.weight for w in session.scalars(select(ScoreWeight))}
    return {m.key: saved.get(m.key, m.weight) for m in scoring.MEASURES}


def save_weights(session: Session, *, actor: Principal, now: datetime, values: dict[str, object]) -> dict[str, float]:
    require_manage(actor)
    clean = scoring.check_weights(values)
    before = weights(session)
    session.execute(delete(ScoreWeight))
    session.add_all(ScoreWeight(measure=k, weight=v, updated_at=now, updated_by=actor.login) for k, v in clean.items())
    session.flush()
    audit.record(session, actor=actor, at=now, action="analytics.weights", entity="score_weights", entity_id="all", before=before, after=clean)
    return clean


def subjects(session: Session, *, actor: Principal, kind: str, utility: str | None = None) -> list[dict[str, Any]]:
    """The grids, or the reps of the grids, in scope."""
    from gridcare.grids import queries as grid_queries
    from gridcare.grids import service as grids

    visible = [g for g in grids.list_grids(session, actor=actor) if utility in (None, "", g.utility)]
    if kind == "grid":
        return [{"id": g.id, "code": g.code, "name": g.name, "utility": g.utility, "grid_ids": [g.id]} for g in visible]
    if kind != "rep":
        raise InvalidInput.field("kind", T_("must be %(a)s or %(b)s", a="grid", b="rep"))
    names = grid_queries.staff_names(session, {g.rep_id for g in visible if g.rep_id})
    reps: dict[int, dict[str, Any]] = {}
    for g in visible:
        if g.rep_id:
            rep = reps.setdefault(g.rep_id, {"id": g.rep_id, "code": names.get(g.rep_id, ("", "", ""))[2], "name": names.get(g.rep_id, ("—",))[0], "utility": g.utility, "grid_ids": []})
            rep["grid_ids"].append(g.id)
    return sorted(reps.values(), key=lambda r: r["name"])


@dataclass(frozen=True)
class Card:
    subject: dict[str, Any]
    values: dict[str, float | None]
    scores: dict[str, float | None]
    total: float | None
    rank: int


def compute(session: Session, *, actor: Principal, month: str, kind: str, utility: str | None = None) -> list[Card]:
    """The month's scorecards as the data stands now, ranked."""
    require_read(actor)
    p = periods.month(month)
    from gridcare.analytics import kpis
    from gridcare.customers import service as customers

    people = subjects(session, actor=actor, kind=kind, utility=utility)
    by = "grid_id" if kind == "grid" else "handler_id"
    scope = queries.Scope(utility=utility or None)
    found = queries.totals_by(session, actor=actor, scope=scope, period=p, by=by)
    complaints = queries.totals_by(session, actor=actor, scope=queries.Scope(utility=utility or None, category="complaint"), period=p, by=by)
    counts = customers.counts_by_grid(session)
    aggregates = {a.grid_id: a for a in session.scalars(select(MeterAggregate).where(MeterAggregate.month == month))}
    ratings: dict[tuple[int, str], float] = {(r.subject_id, r.rater): r.score for r in session.scalars(select(Rating).where(Rating.month == month, Rating.subject_kind == kind))}
    w = weights(session)
    cards = []
    for s in people:
        t = found.get(s["id"], kpis.Totals())
        served = sum(counts.get(g, 0) for g in s["grid_ids"])
        f = kpis.figures(t, complaints=complaints.get(s["id"], kpis.Totals()).orders, customers=served)
        values: dict[str, float | None] = {k: f.get(k) for k in ("sla_compliance", "satisfaction", "first_contact_rate", "complaints_per_10k")}
        values.update(aggregate_values([aggregates[g] for g in s["grid_ids"] if g in aggregates]))
        for rater in scoring.RATERS:
            values[f"rating_{rater}"] = ratings.get((s["id"], rater))
        values["orders"] = t.orders
        cards.append((s, values, scoring.total(values, w)))
    # Grids and reps are ranked against their own utility's: water and power are not peers.
    ranks: dict[int, int] = {}
    for u in {s["utility"] for s, _, _ in cards}:
        ranks.update(scoring.ranked([(s["id"], total) for s, _, total in cards if s["utility"] == u]))
    out = [Card(s, v, {m.key: scoring.measure_score(m.key, v.get(m.key)) for m in scoring.MEASURES}, total, ranks[s["id"]]) for s, v, total in cards]
    return sorted(out, key=lambda c: (c.subject["utility"], c.rank, c.subject["name"]))


def snapshot(session: Session, *, actor: Principal, now: datetime, month: str, kind: str = "both") -> int:
    """Close a month: store every scorecard as it stands. A month already closed stays as it
    was (rows are only ever inserted); a month not yet over cannot be closed."""
    require_manage(actor)
    p = periods.month(month)
    if periods.local_midnight(p.end) > now:
        raise InvalidInput.field("month", T_("%(month)s is not over yet; close it from %(day)s", month=month, day=p.end.isoformat()))
    kinds = scoring.SUBJECTS if kind == "both" else (kind,)
    if kind != "both" and kind not in scoring.SUBJECTS:
        raise InvalidInput.field("kind", T_("must be %(a)s, %(b)s or both", a="grid", b="rep"))
    written = 0
    w = weights(session)
    for k in kinds:
        if session.scalar(select(ScorecardSnapshot.id).where(ScorecardSnapshot.month == month, ScorecardSnapshot.subject_kind == k).limit(1)) is not None:
            continue
        for c in compute(session, actor=actor, month=month, kind=k):
            session.add(
                ScorecardSnapshot(
                    month=month, subject_kind=k, subject_id=c.subject["id"], subject_code=c.subject["code"] or "", subject_name=c.subject["name"], utility=c.subject["utility"],
                    rank=c.rank, total=c.total if c.total is not None else 0.0, measures={"values": c.values, "scores": c.scores, "scored": c.total is not None}, weights=w,
                    taken_at=now, taken_by=actor.login,
                )
            )  # fmt: skip
            written += 1
    session.flush()
    if written:
        audit.record(session, actor=actor, at=now, action="analytics.snapshot", entity="scorecard_snapshot", entity_id=month, after={"cards": written}, new_stream=True)
    return written


def snapshots(session: Session, *, actor: Principal, month: str, kind: str) -> list[ScorecardSnapshot]:
    require_read(actor)
    visible = {s["id"] for s in subjects(session, actor=actor, kind=kind)}
    rows = session.scalars(select(ScorecardSnapshot).where(ScorecardSnapshot.month == month, ScorecardSnapshot.subject_kind == kind).order_by(ScorecardSnapshot.utility, ScorecardSnapshot.rank, ScorecardSnapshot.subject_name))
    return [r for r in rows if r.subject_id in visible]


def closed_months(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(ScorecardSnapshot.month).distinct())), reverse=True)
