"""Contact cards (一箱一贴) and the public report page behind their QR code: each grid's
token, the SMS confirmation code, and the report filed as a work order through intake."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcare.cards import rules
from gridcare.cards.models import GridToken, ReportCode
from gridcare.cards.rules import TooManyRequests
from gridcare.core.errors import DomainError, FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_, Text
from gridcare.core.principal import Principal, Role
from gridcare.grids.models import Grid


def public_principal(client: str) -> Principal:
    """Who files a public report: an anonymous caller, with an agent's right to open orders."""
    return Principal(user_id=None, login="public", role=Role.AGENT, org_unit_id=None, org_path="/", origin=f"public {client}"[:80])


def token_for(session: Session, *, grid_id: int, now: datetime) -> str:
    found = session.get(GridToken, grid_id)
    if found is None:
        found = GridToken(grid_id=grid_id, token=secrets.token_urlsafe(12), created_at=now)
        session.add(found)
        session.flush()
    return found.token


def grid_for_token(session: Session, *, token: str) -> Grid:
    row = session.scalar(select(GridToken).where(GridToken.token == token))
    grid = session.get(Grid, row.grid_id) if row is not None else None
    if grid is None:
        raise NotFound(T_("token: this card's link is unknown; call the number on the card"))
    return grid


def _mobile(phone: str) -> str:
    from gridcare.customers.phones import normalize_phone

    normalized = normalize_phone(phone or "")
    if normalized is None or not (normalized.startswith("+861") and len(normalized) == 14):
        raise InvalidInput.field("phone", T_("must be a mainland mobile number, e.g. 13812345678"))
    return normalized


def _refused(error: type[DomainError], refusal: Text) -> DomainError:
    """A refusal of the rules (``field: reason``) as an error on its field."""
    return error.field(refusal.values["field"], refusal.values["reason"])


def request_code(session: Session, *, now: datetime, token: str, phone: str, client: str, config: object = None, limits: rules.Limits = rules.LIMITS) -> ReportCode:
    """Send a confirmation code by SMS (through notify, urgent: the caller is waiting)."""
    from gridcare.contractors import notifying
    from gridcare.notify import service as notify
    from gridcare.notify.recipients import Recipient

    grid = grid_for_token(session, token=token)
    mobile = _mobile(phone)
    since = now - limits.window
    by_phone = session.scalar(select(func.count(ReportCode.id)).where(ReportCode.phone == mobile, ReportCode.created_at > since)) or 0
    by_client = session.scalar(select(func.count(ReportCode.id)).where(ReportCode.client == client[:64], ReportCode.created_at > since)) or 0
    refusal = rules.code_request_refusal(by_phone=by_phone, by_client=by_client, limits=limits)
    if refusal is not None:
        raise _refused(TooManyRequests, refusal)
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = ReportCode(grid_id=grid.id, phone=mobile, client=client[:64], code_hash="", attempts=0, expires_at=now + limits.code_ttl, created_at=now)
    session.add(row)
    session.flush()
    row.code_hash = rules.code_hash(code=code, phone=mobile, grid_id=grid.id, nonce=str(row.id))
    config = config or notifying.config()
    recipient = Recipient(kind="address", id=None, name=mobile, locale="zh_CN", org_path=grid.org_path, grid_id=grid.id, addresses={"sms": mobile})
    notify.record(session, now=now, config=config, planner=notify.Planner.of(session, config), recipient=recipient, channel="sms", event="cards.code",
                  context={"code": code, "minutes": int(limits.code_ttl.total_seconds() // 60)}, urgent=True, source=("report_code", row.id))
    return row


@dataclass(frozen=True)
class Filed:
    number: str | None  # the work order's number; None when the code was wrong
    problem: InvalidInput | None = None


def submit_report(
    session: Session, *, now: datetime, token: str, phone: str, code: str, category: str, description: str, client: str,
    name: str = "", address: str = "", limits: rules.Limits = rules.LIMITS,
) -> Filed:
    """File the report as a work order (channel web) in the grid, so it lands with its rep.
    A wrong code is returned, not raised: the attempt must be counted, so this transaction
    commits."""
    from gridcare.workorders import service as orders

    grid = grid_for_token(session, token=token)
    mobile = _mobile(phone)
    problems = []
    if category not in rules.PUBLIC_CATEGORIES:
        problems.append(FieldProblem("category", T_("must be one of %(choices)s", choices=", ".join(rules.PUBLIC_CATEGORIES))))
    if not description.strip() or len(description) > 1000:
        problems.append(FieldProblem("description", T_("must be %(low)s to %(high)s characters", low=1, high=1000)))
    if len(name) > 50 or len(address) > 200:
        problems.append(FieldProblem("address" if len(address) > 200 else "name", T_("is too long")))
    if problems:
        raise InvalidInput.many(problems)
    row = session.scalar(
        select(ReportCode).where(ReportCode.phone == mobile, ReportCode.grid_id == grid.id, ReportCode.used_at.is_(None)).order_by(ReportCode.id.desc()).limit(1).with_for_update()
    )
    refusal = rules.code_refusal(rules.CodeState(row.expires_at, row.attempts, row.used_at is not None) if row else None, now, limits)
    if refusal is not None:
        status, reason = refusal
        error = TooManyRequests if status == 429 else InvalidInput
        raise _refused(error, reason)
    assert row is not None
    if not rules.code_matches(row.code_hash, code=code, phone=mobile, grid_id=grid.id, nonce=str(row.id)):
        row.attempts += 1
        return Filed(None, InvalidInput.field("code", T_("wrong code; %(n)s tries left", n=max(0, limits.max_attempts - row.attempts))))
    filed_today = session.scalar(select(func.count(ReportCode.id)).where(ReportCode.phone == mobile, ReportCode.order_id.is_not(None), ReportCode.used_at > now - timedelta(days=1))) or 0
    if filed_today >= limits.reports_per_phone_per_day:
        raise TooManyRequests(T_("phone: at most %(n)s reports a day from one phone; please call the number on the card", n=limits.reports_per_phone_per_day))
    intake = _intake(session, grid=grid, mobile=mobile, category=category, description=description, name=name, address=address, key=f"public-report:{row.id}", token=token)
    created = orders.create_order(session, actor=public_principal(client), now=now, intake=intake)
    row.used_at, row.order_id = now, created.order.id
    return Filed(created.order.number)


def _intake(session: Session, *, grid: Grid, mobile: str, category: str, description: str, name: str, address: str, key: str, token: str):  # noqa: ANN202
    """Bound to the card's grid: the caller's customer record is used only when it is in
    this grid (intake would otherwise route by the record); the point is inside the grid."""
    import json

    from shapely.geometry import shape

    from gridcare.core.principal import system_principal
    from gridcare.customers import service as customers
    from gridcare.workorders.service import Intake

    matches = customers.find_by_phone(session, actor=system_principal("cards"), phone=mobile)
    mine = [c for c in matches if c.grid_id == grid.id]
    point = shape(json.loads(grid.geometry)).representative_point() if grid.geometry else None
    give_phone = len(mine) == 1 or not matches
    # Without the phone field (it would route by another grid's customer) the rep still needs the number.
    said = description.strip() if give_phone else f"{description.strip()}\n[{mobile}]"
    return Intake(
        category=category, channel="web", description=said, utility=grid.utility, customer_id=mine[0].id if len(mine) == 1 else None,
        phone=mobile if give_phone else None, caller_name=name.strip(), address=address.strip(),
        lon=point.x if point is not None and len(mine) != 1 else None, lat=point.y if point is not None and len(mine) != 1 else None,
        idempotency_key=key, attributes={"via": "public_report", "card_grid": grid.code, "reporter_phone": mobile},
    )


def report_url(base_url: str, token: str) -> str:
    """The public report page a card's QR code opens."""
    return f"{base_url.rstrip('/')}/r/{token}"


def cards_for(session: Session, *, actor: Principal, now: datetime, base_url: str, grid_codes: list[str] | None = None, data_dir: object = None) -> list[object]:
    """The card data of the grids named (all the actor may see when None), creating their
    report tokens. The rep's photo is ``<data_dir>/photos/<login>.jpg`` or ``.png`` when present."""
    from pathlib import Path

    from gridcare.auth import service as auth
    from gridcare.cards.pdf import CardData
    from gridcare.contractors.permissions import Capability, require
    from gridcare.customers.phones import display_phone
    from gridcare.grids import service as grids

    require(actor, Capability.CARDS_PRINT)
    visible = grids.list_grids(session, actor=actor)
    if grid_codes is not None:
        by_code = {g.code: g for g in visible}
        unknown = [c for c in grid_codes if c not in by_code]
        if unknown:
            raise InvalidInput.field("grid", T_("no grid %(code)r in your scope", code=unknown[0]))
        visible = [by_code[c] for c in dict.fromkeys(grid_codes)]
    out = []
    for grid in visible:
        rep = auth.find_user(session, user_id=grid.rep_id) if grid.rep_id else None
        photo = None
        if rep is not None and data_dir is not None:
            for ext in ("jpg", "png"):
                path = Path(str(data_dir)) / "photos" / f"{rep.login}.{ext}"
                if path.is_file():
                    photo = path.read_bytes()
                    break
        token = token_for(session, grid_id=grid.id, now=now)
        out.append(CardData(grid.code, grid.name, rep.display_name if rep else "", display_phone(rep.phone) if rep and rep.phone else "", report_url(base_url, token), grid.utility, photo))
    return out
