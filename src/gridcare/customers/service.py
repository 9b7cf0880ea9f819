"""Customer use cases: bulk import (upsert by account), lookups by phone, scoped reads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from gridcare.audit import service as audit
from gridcare.auth.rules import Action, RecordScope, can_see
from gridcare.auth.scoping import ScopedStatement, openable_ids, require, scoped
from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.customers.importing import CustomerImport, CustomerRow
from gridcare.customers.models import Customer, CustomerPhone, CustomerTag, Meter
from gridcare.customers.phones import match_keys
from gridcare.grids.models import Grid
from gridcare.prepared import Prepared

Progress = Callable[[str, int, int], None]
TAGS = ("major", "protected", "sensitive", "supervised")


def _scope(customer: Customer | Caller) -> RecordScope:
    return RecordScope(org_path=customer.org_path, grid_id=customer.grid_id, gridded=True)


def openable(session: Session, *, actor: Principal, ids: Iterable[int | None]) -> frozenset[int]:
    """Of these customers, the ones whose record the actor may open."""
    return openable_ids(session, actor, ids, action=Action.GRIDS_READ, id_column=Customer.id, org_path=Customer.org_path, grid_id=Customer.grid_id)


def get_customer(session: Session, *, actor: Principal, customer_id: int) -> Customer:
    require(actor, Action.GRIDS_READ)
    customer = session.get(Customer, customer_id)
    if customer is None or not can_see(actor, _scope(customer)):
        raise NotFound(T_("customer_id: no customer %(id)s in your scope", id=customer_id))
    return customer


_BY_ACCOUNT = select(Customer).where(Customer.account == bindparam("account"))


def find_by_account(session: Session, *, actor: Principal, account: str) -> Customer | None:
    customer = session.scalar(_BY_ACCOUNT, {"account": account.strip()})
    return customer if customer is not None and can_see(actor, _scope(customer)) else None


_ADDRESSEE_COLUMNS = (Customer.id, Customer.name, Customer.org_path, Customer.grid_id, Customer.utility, Customer.attributes)
_ADDRESSEE = select(*_ADDRESSEE_COLUMNS).where(Customer.id == bindparam("id"))


def addressee(session: Session, *, customer_id: int) -> Any:
    """What a message to a customer needs (id, name, org_path, grid_id, utility, attributes):
    a row, not an ORM object, since merged storm calls each send one."""
    found = session.connection().execute(_ADDRESSEE, {"id": customer_id}).first()
    if found is None:
        raise NotFound(T_("customer_id: no customer %(id)s", id=customer_id))
    return found


# Ids per IN list: well inside SQLite's bound-parameter limit.
CHUNK = 500


def addressees(session: Session, *, customer_ids: Sequence[int]) -> dict[int, Any]:
    """``addressee`` for many customers, in one query per chunk, by id."""
    wanted = sorted(set(customer_ids))
    found: dict[int, Any] = {}
    for start in range(0, len(wanted), CHUNK):
        found.update((row.id, row) for row in session.execute(select(*_ADDRESSEE_COLUMNS).where(Customer.id.in_(wanted[start : start + CHUNK]))))
    missing = next((cid for cid in wanted if cid not in found), None)
    if missing is not None:
        raise NotFound(T_("customer_id: no customer %(id)s", id=missing))
    return found


class Caller(NamedTuple):
    """What intake needs of the customer behind a demand (the same names as on Customer)."""

    id: int
    name: str
    address: str
    lon: float | None
    lat: float | None
    utility: str
    supply_point: str | None
    grid_id: int | None
    org_path: str


# Intake's hot path: a row, not an ORM object (loading one cost a tenth of intake).
_CALLER_BY_ACCOUNT = Prepared(
    select(Customer.id, Customer.name, Customer.address, Customer.lon, Customer.lat, Customer.utility, Customer.supply_point, Customer.grid_id, Customer.org_path).where(
        Customer.account == bindparam("account")
    ),
    row=Caller,
)


_CALLERS_BY_ACCOUNT = select(Customer.account, *_CALLER_BY_ACCOUNT.statement.selected_columns).where(Customer.account.in_(bindparam("accounts", expanding=True)))
_CALLERS_AHEAD = "customers.callers"  # session.info: account → Caller | None, read for a whole batch


def read_callers_ahead(session: Session, *, accounts: Iterable[str]) -> dict[str, Caller]:
    """The callers behind a group-commit batch's accounts in one query, for
    ``caller_by_account`` to find in this transaction; returns those found by account."""
    wanted = {a.strip() for a in accounts if a and a.strip()}
    found: dict[str, Caller | None] = dict.fromkeys(wanted)
    if wanted:
        for account, *fields in session.connection().execute(_CALLERS_BY_ACCOUNT, {"accounts": sorted(wanted)}):
            found[account] = Caller(*fields)
    session.info.setdefault(_CALLERS_AHEAD, {}).update(found)
    return {account: caller for account, caller in found.items() if caller is not None}


def caller_by_account(session: Session, *, actor: Principal, account: str) -> Caller | None:
    account = account.strip()
    ahead = session.info.get(_CALLERS_AHEAD)
    if ahead is not None and account in ahead:
        found = ahead[account]
    else:
        found = _CALLER_BY_ACCOUNT.first(session.connection(), {"account": account})
    return found if found is not None and can_see(actor, _scope(found)) else None


def find_by_phone(session: Session, *, actor: Principal, phone: str, limit: int = 20) -> list[Customer]:
    """Customers with this number, however the caller's number is formatted."""
    return [customer for customer, _phones in find_by_phone_with_numbers(session, actor=actor, phone=phone, limit=limit)]


def find_by_phone_with_numbers(session: Session, *, actor: Principal, phone: str, limit: int = 20) -> list[tuple[Customer, list[str]]]:
    """``find_by_phone`` with each customer's numbers, in their order, from the same round
    trip: a screen pop waits on each one it makes."""
    keys = match_keys(phone)
    if not keys:
        return []
    stmt, params = _BY_PHONE.bound(actor, keys=keys, limit=limit)
    found: dict[int, tuple[Customer, list[str]]] = {}
    for customer, e164 in session.execute(stmt, params):
        listed = found.setdefault(customer.id, (customer, []))[1]
        if e164 is not None:
            listed.append(e164)
    return list(found.values())


def _by_phone(scope: list[Any]) -> Select[tuple[Customer, str | None]]:
    matched = (
        select(CustomerPhone.customer_id)
        .join(Customer, Customer.id == CustomerPhone.customer_id)
        .where(CustomerPhone.e164.in_(bindparam("keys", expanding=True)), *scope)
        .distinct()
        .order_by(CustomerPhone.customer_id)  # the first ``limit`` customers, the same each time
        .limit(bindparam("limit"))
        .subquery()
    )
    every = aliased(CustomerPhone)
    return (
        select(Customer, every.e164)
        .join(matched, matched.c.customer_id == Customer.id)
        .outerjoin(every, every.customer_id == Customer.id)
        .order_by(Customer.id, every.position)
    )


_BY_PHONE = ScopedStatement(_by_phone, org_path=Customer.org_path, grid_id=Customer.grid_id)


def search(session: Session, *, actor: Principal, query: str = "", grid_id: int | None = None, tag: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Customer], int]:
    require(actor, Action.GRIDS_READ)
    stmt = scoped(select(Customer), actor, org_path=Customer.org_path, grid_id=Customer.grid_id)
    q = query.strip()
    if q:
        keys = match_keys(q) if any(ch.isdigit() for ch in q) else []
        like = f"%{q}%"
        cond = Customer.account.like(like) | Customer.name.like(like) | Customer.address.like(like)
        if keys:
            cond = cond | Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.e164.in_(keys)))
        stmt = stmt.where(cond)
    if grid_id is not None:
        stmt = stmt.where(Customer.grid_id == grid_id)
    if tag:
        stmt = stmt.where(Customer.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag == tag)))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Customer.account).limit(limit).offset(offset)))
    return rows, total


_PHONES_OF_ONE = Prepared(select(CustomerPhone.e164).where(CustomerPhone.customer_id == bindparam("id")).order_by(CustomerPhone.position))


def phones_of(session: Session, *, customer_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not customer_ids:
        return out
    if len(customer_ids) == 1:  # a message to one caller: on intake's path
        cursor = _PHONES_OF_ONE.execute(session.connection(), {"id": customer_ids[0]})
        listed = [e164 for (e164,) in cursor.fetchall()]
        cursor.close()
        return {customer_ids[0]: listed} if listed else out
    for cid, e164 in session.execute(select(CustomerPhone.customer_id, CustomerPhone.e164).where(CustomerPhone.customer_id.in_(list(customer_ids))).order_by(CustomerPhone.position)):
        out.setdefault(cid, []).append(e164)
    return out


def meters_of(session: Session, *, customer_id: int) -> list[str]:
    return list(session.scalars(select(Meter.number).where(Meter.customer_id == customer_id).order_by(Meter.number)))


def counts_by_grid(session: Session) -> dict[int, int]:
    return dict(session.execute(select(Customer.grid_id, func.count()).where(Customer.grid_id.is_not(None)).group_by(Customer.grid_id)).all())


def counts_by_supply_point(session: Session, *, codes: Sequence[str] | None = None, utility: str | None = None) -> dict[str, int]:
    """Customers fed by each of these supply points (all of a utility's when ``codes`` is None)."""
    stmt = select(Customer.supply_point, func.count()).where(Customer.supply_point.is_not(None))
    if codes is not None:
        if not codes:
            return {}
        stmt = stmt.where(Customer.supply_point.in_(list(codes)))
    if utility is not None:
        stmt = stmt.where(Customer.utility == utility)
    return {row[0]: row[1] for row in session.execute(stmt.group_by(Customer.supply_point))}


def customers_on_supply_points(session: Session, *, actor: Principal, codes: Sequence[str], limit: int | None = None) -> list[Customer]:
    stmt = scoped(select(Customer), actor, org_path=Customer.org_path, grid_id=Customer.grid_id).where(Customer.supply_point.in_(list(codes))).order_by(Customer.account)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def create_customer(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    account: str,
    name: str,
    phones: Sequence[str],
    address: str = "",
    utility: str = "electric",
    lon: float | None = None,
    lat: float | None = None,
) -> Customer:
    """One customer registered by hand (an unknown caller at the hotline); imports do the
    bulk. The grid, and so the scope, follows from the location when one is given."""
    from gridcare.customers.phones import normalize_phone
    from gridcare.grids import service as grids

    require(actor, Action.CUSTOMERS_CREATE)
    account, name = account.strip(), name.strip()
    problems: list[FieldProblem] = []
    if not account or len(account) > 40:
        problems.append(FieldProblem("account", T_("must be %(low)s to %(high)s characters", low=1, high=40)))
    if not name or len(name) > 200:
        problems.append(FieldProblem("name", T_("must be %(low)s to %(high)s characters", low=1, high=200)))
    if len(address) > 400:
        problems.append(FieldProblem("address", T_("must be at most %(n)s characters", n=400)))
    if utility not in ("electric", "water", "gas"):
        problems.append(FieldProblem("utility", T_("must be electric, water or gas")))
    if (lon is None) != (lat is None):
        problems.append(FieldProblem("lat" if lat is None else "lon", T_("give both lon and lat, or neither")))
    e164s: list[str] = []
    for i, raw in enumerate(phones):
        number = normalize_phone(raw)
        if number is None:
            problems.append(FieldProblem(f"phones[{i}]", T_("%(value)r is not a phone number", value=raw)))
        elif number not in e164s:
            e164s.append(number)
    if not phones:
        problems.append(FieldProblem("phones", T_("give at least one phone number")))
    if problems:
        raise InvalidInput.many(problems)
    if session.scalar(select(Customer.id).where(Customer.account == account)) is not None:
        from gridcare.core.errors import Conflict

        raise Conflict(T_("account: customer %(account)r already exists", account=account))
    grid = grids.locate(session, lon=lon, lat=lat, utility=utility).get(utility) if lon is not None and lat is not None else None
    customer = Customer(
        account=account, name=name, address=address.strip(), lon=lon, lat=lat, utility=utility, grid_id=grid.id if grid else None,
        org_path=grid.org_path if grid else actor.org_path, tags="", notes="", attributes={}, created_at=now, updated_at=now,
    )
    session.add(customer)
    session.flush()
    session.execute(CustomerPhone.__table__.insert(), [{"customer_id": customer.id, "e164": p, "position": i} for i, p in enumerate(e164s)])
    audit.record(session, actor=actor, at=now, action="customer.create", entity="customer", entity_id=customer.id, after={"account": account, "name": name, "phones": e164s, "grid_id": customer.grid_id}, org_path=customer.org_path, new_stream=True)
    return customer


# --- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped_rows: int
    problems: int


def import_customers(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    parsed: CustomerImport,
    org_path: str,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    batch: int = 5_000,
) -> ImportResult:
    """Upsert by account. A file with bad rows imports nothing unless ``skip_bad_rows``."""
    require(actor, Action.GRIDS_MANAGE)
    if parsed.problems and not skip_bad_rows:
        shown = [FieldProblem(f"line {p.line}: {p.field}", p.reason) for p in parsed.problems[:200]]
        more = len(parsed.problems) - len(shown)
        detail = (
            T_("%(n)s bad rows; nothing imported (%(more)s more not shown)", n=len(parsed.problems), more=more)
            if more > 0
            else T_("%(n)s bad rows; nothing imported", n=len(parsed.problems))
        )
        raise InvalidInput(detail, problems=shown)
    from gridcare.grids import service as grids

    rows = list(parsed.rows)
    created = updated = 0
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        c, u = _upsert(session, chunk, now=now, org_path=org_path, grids=grids)
        created += c
        updated += u
        if progress:
            progress("import customers", start + len(chunk), len(rows))
    audit.record(
        session,
        actor=actor,
        at=now,
        action="customers.import",
        entity="customer_import",
        entity_id=now.strftime("%Y%m%dT%H%M%S%f"),
        after={"created": created, "updated": updated, "skipped_rows": len(parsed.problems), "rows": parsed.total_rows},
        org_path=org_path,
    )
    return ImportResult(created, updated, len({p.line for p in parsed.problems}), len(parsed.problems))


def _upsert(session: Session, rows: list[CustomerRow], *, now: datetime, org_path: str, grids: Any) -> tuple[int, int]:
    accounts = [r.account for r in rows]
    existing = dict(session.execute(select(Customer.account, Customer.id).where(Customer.account.in_(accounts))).all())
    lons = np.array([r.lon if r.lon is not None else np.nan for r in rows], dtype=float)
    lats = np.array([r.lat if r.lat is not None else np.nan for r in rows], dtype=float)
    located = np.full(len(rows), -1, dtype=np.int64)
    utilities = np.array([r.utility for r in rows], dtype=object)
    for utility in set(utilities):
        where = np.flatnonzero(~np.isnan(lons) & (utilities == utility))
        if len(where):
            located[where] = grids.locate_many(session, lons[where], lats[where], utility=str(utility))
    grid_paths = dict(session.execute(select(Grid.id, Grid.org_path)).all()) if (located >= 0).any() else {}

    def values(r: CustomerRow, grid_id: int) -> dict[str, Any]:
        return {
            "account": r.account,
            "name": r.name,
            "address": r.address,
            "lon": r.lon,
            "lat": r.lat,
            "utility": r.utility,
            "supply_point": r.supply_point,
            "grid_id": grid_id if grid_id >= 0 else None,
            "org_path": grid_paths.get(grid_id, org_path),
            "tags": ";".join(sorted(r.tags)),
            "notes": r.notes,
            "attributes": dict(r.attributes),
            "updated_at": now,
        }

    new_rows = [values(r, int(g)) | {"created_at": now} for r, g in zip(rows, located, strict=True) if r.account not in existing]
    if new_rows:
        session.execute(Customer.__table__.insert(), new_rows)
    changed = [values(r, int(g)) | {"id": existing[r.account]} for r, g in zip(rows, located, strict=True) if r.account in existing]
    if changed:
        session.execute(update(Customer), changed)
    ids = dict(session.execute(select(Customer.account, Customer.id).where(Customer.account.in_(accounts))).all())
    all_ids = list(ids.values())
    for table in (CustomerPhone, CustomerTag, Meter):
        session.execute(delete(table).where(table.customer_id.in_(all_ids)))
    phones = [{"customer_id": ids[r.account], "e164": p, "position": i} for r in rows for i, p in enumerate(r.phones)]
    tags = [{"customer_id": ids[r.account], "tag": t} for r in rows for t in sorted(r.tags)]
    meters = [{"customer_id": ids[r.account], "number": m} for r in rows for m in dict.fromkeys(r.meters)]
    for table, data in ((CustomerPhone, phones), (CustomerTag, tags), (Meter, meters)):
        if data:
            session.execute(table.__table__.insert(), data)
    return len(new_rows), len(changed)


# --- grid assignment (called by the grids service) -------------------------------------


def locations(session: Session) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from gridcare.grids.service import located_rows

    return located_rows(session, Customer)


def apply_grid_assignment(session: Session, *, moves: list[tuple[int, int | None, int | None]]) -> None:
    from gridcare.grids.models import Grid

    paths = dict(session.execute(select(Grid.id, Grid.org_path)).all())
    session.execute(
        update(Customer),
        [{"id": cid, "grid_id": new, "org_path": paths.get(new, "/") if new is not None else _unassigned_path(session, cid)} for cid, _old, new in moves],
    )


def _unassigned_path(session: Session, customer_id: int) -> str:
    # A customer who falls outside every grid stays with the organisation it had.
    return session.scalar(select(Customer.org_path).where(Customer.id == customer_id)) or "/"


# --- address suggestions ----------------------------------------------------------------

_address_lock = threading.Lock()
_address_indexes: dict[str, tuple[tuple[Any, ...], Any]] = {}


def _address_index(session: Session) -> Any:
    """The address index over every customer, rebuilt when customers change (by count and
    last update), per process."""
    from gridcare.customers.addresses import AddressIndex

    key = str(session.get_bind().url)
    stamp = tuple(session.execute(select(func.count(Customer.id), func.max(Customer.updated_at))).one())
    with _address_lock:
        hit = _address_indexes.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    index = AddressIndex.build((r[0], r[1]) for r in session.execute(select(Customer.id, Customer.address).where(Customer.address != "")))
    with _address_lock:
        _address_indexes[key] = (stamp, index)
    return index


def suggest_by_address(session: Session, *, actor: Principal, text: str, limit: int = 8) -> list[tuple[Customer, float, tuple[str, ...]]]:
    """Customers whose known address matches what a caller said (district, road, number,
    community, building …), best first, with the fields that matched."""
    require(actor, Action.GRIDS_READ)
    if not text.strip():
        raise InvalidInput.field("address", T_("must not be empty"))
    matches = _address_index(session).search(text, limit=limit * 3)
    found = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_([m.id for m in matches])))}
    out = []
    for m in matches:
        customer = found.get(m.id)
        if customer is not None and can_see(actor, _scope(customer)):
            out.append((customer, m.score, m.matched))
        if len(out) == limit:
            break
    return out


# --- who an outage cuts off (read by the outages domain) ----------------------------------


@dataclass(frozen=True)
class CustomerBrief:
    id: int
    account: str
    name: str
    address: str
    grid_id: int | None
    supply_point: str | None
    tags: tuple[str, ...]
    org_path: str
    lon: float | None
    lat: float | None


_BRIEF_COLUMNS = (Customer.id, Customer.account, Customer.name, Customer.address, Customer.grid_id, Customer.supply_point, Customer.tags, Customer.org_path, Customer.lon, Customer.lat)


def _briefs(rows: Any) -> list[CustomerBrief]:
    return [CustomerBrief(r.id, r.account, r.name, r.address, r.grid_id, r.supply_point, tuple(t for t in (r.tags or "").split(";") if t), r.org_path, r.lon, r.lat) for r in rows]


def briefs_on_supply_points(session: Session, *, utility: str, codes: Sequence[str]) -> list[CustomerBrief]:
    """Every customer of ``utility`` fed by these supply points, unscoped: an outage is
    about the network, not about who is asking."""
    found: list[CustomerBrief] = []
    codes = sorted(set(codes))
    for i in range(0, len(codes), CHUNK):
        stmt = select(*_BRIEF_COLUMNS).where(Customer.utility == utility, Customer.supply_point.in_(codes[i : i + CHUNK]))
        found += _briefs(session.execute(stmt))
    return sorted(found, key=lambda c: c.id)


def briefs_in_polygon(session: Session, *, utility: str, polygon: Any) -> list[CustomerBrief]:
    """Customers of ``utility`` located inside ``polygon`` (a shapely geometry, WGS84)."""
    import shapely

    minx, miny, maxx, maxy = polygon.bounds
    stmt = select(*_BRIEF_COLUMNS).where(Customer.utility == utility, Customer.lon.between(minx, maxx), Customer.lat.between(miny, maxy))
    rows = _briefs(session.execute(stmt))
    if not rows:
        return []
    inside = shapely.contains_xy(polygon, np.array([r.lon for r in rows], dtype=float), np.array([r.lat for r in rows], dtype=float))
    return sorted((r for r, ok in zip(rows, inside, strict=True) if ok), key=lambda c: c.id)


def briefs(session: Session, *, customer_ids: Sequence[int]) -> dict[int, CustomerBrief]:
    ids = sorted(set(customer_ids))
    out: dict[int, CustomerBrief] = {}
    for i in range(0, len(ids), 500):
        out.update({b.id: b for b in _briefs(session.execute(select(*_BRIEF_COLUMNS).where(Customer.id.in_(ids[i : i + 500]))))})
    return out


def add_tag(session: Session, *, actor: Principal, now: datetime, customer_id: int, tag: str) -> Customer:
    """Give a customer a key-customer tag (e.g. ``sensitive`` on an alert's suggestion, 敏感客户);
    a tag the customer has already changes nothing."""
    require(actor, Action.ORDERS_SUPERVISE)
    if tag not in TAGS:
        raise InvalidInput.field("tag", T_("must be one of %(choices)s", choices=", ".join(TAGS)))
    customer = get_customer(session, actor=actor, customer_id=customer_id)
    before = [t for t in (customer.tags or "").split(";") if t]
    if tag in before:
        return customer
    session.add(CustomerTag(customer_id=customer.id, tag=tag))
    customer.tags = ";".join(sorted({*before, tag}))
    customer.updated_at = now
    session.flush()
    audit.record(session, actor=actor, at=now, action="customer.tag", entity="customer", entity_id=customer.id, before={"tags": before}, after={"tags": customer.tags.split(";")}, org_path=customer.org_path)
    return customer
