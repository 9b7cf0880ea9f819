"""Organisation, users, logins and tokens. Every write is audited in the same transaction."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth import rules
from gridcare.auth.models import ApiToken, OrgUnit, User
from gridcare.auth.passwords import hash_password, needs_rehash, verify_password
from gridcare.auth.rules import Action, LockoutPolicy, LoginState
from gridcare.auth.scoping import require, scoped
from gridcare.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, Role
from gridcare.prepared import Prepared

ORG_KINDS = ("group", "company", "branch", "station", "team", "department", "contractor")
UTILITIES = ("electric", "water", "gas", "multi")
LOCALES = ("zh_CN", "en")


def _user_view(user: User) -> dict[str, object]:
    """What the audit trail keeps of a user: never the password hash."""
    return {
        "login": user.login,
        "display_name": user.display_name,
        "role": user.role,
        "org_unit_id": user.org_unit_id,
        "phone": user.phone,
        "email": user.email,
        "extension": user.extension,
        "locale": user.locale,
        "is_active": user.is_active,
        "locked_until": user.locked_until,
    }


# --- organisation -------------------------------------------------------------------------


def create_org_unit(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    code: str,
    name: str,
    kind: str,
    utility: str,
    parent_id: int | None = None,
) -> OrgUnit:
    require(actor, Action.ORG_MANAGE)
    problems = []
    if kind not in ORG_KINDS:
        problems.append(rules_problem("kind", T_("must be one of %(choices)s", choices=", ".join(ORG_KINDS))))
    if utility not in UTILITIES:
        problems.append(rules_problem("utility", T_("must be one of %(choices)s", choices=", ".join(UTILITIES))))
    if not code.strip():
        problems.append(rules_problem("code", T_("must not be empty")))
    if not name.strip():
        problems.append(rules_problem("name", T_("must not be empty")))
    if problems:
        raise InvalidInput.many(problems)
    parent_path = "/"
    if parent_id is not None:
        parent = get_org_unit(session, actor=actor, org_unit_id=parent_id)
        parent_path = parent.path
    elif actor.org_path != "/":
        raise Forbidden(T_("parent_id: only a top-level administrator creates top-level units"))
    if session.scalar(select(OrgUnit.id).where(OrgUnit.code == code.strip())) is not None:
        raise Conflict(T_("code: organisation unit %(code)r already exists", code=code))
    unit = OrgUnit(parent_id=parent_id, kind=kind, code=code.strip(), name=name.strip(), utility=utility, created_at=now)
    session.add(unit)
    session.flush()
    unit.path = f"{parent_path}{unit.id}/"
    audit.record(
        session,
        actor=actor,
        at=now,
        action="org.create",
        entity="org_unit",
        entity_id=unit.id,
        after={"code": unit.code, "name": unit.name, "kind": kind, "utility": utility, "parent_id": parent_id},
        org_path=unit.path,
    )
    return unit


def rules_problem(field: str, reason: str):  # noqa: ANN201 - tiny constructor alias
    from gridcare.core.errors import FieldProblem

    return FieldProblem(field, reason)


def get_org_unit(session: Session, *, actor: Principal, org_unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or not rules.in_subtree(actor.org_path, unit.path):
        raise NotFound(T_("org_unit_id: no organisation unit %(id)s in your scope", id=org_unit_id))
    return unit


def list_org_units(session: Session, *, actor: Principal) -> list[OrgUnit]:
    stmt = scoped(select(OrgUnit), actor, org_path=OrgUnit.path).order_by(OrgUnit.path)
    return list(session.scalars(stmt))


# --- users --------------------------------------------------------------------------------


def find_user(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


# Built once: every dispatched order tells its rep, and loading the whole user through the
# ORM cost more than the rest of the message.
class Contact(NamedTuple):
    id: int
    display_name: str
    locale: str
    org_path: str
    phone: str | None
    email: str | None


_CONTACT = Prepared(select(User.id, User.display_name, User.locale, User.org_path, User.phone, User.email).where(User.id == bindparam("id")), row=Contact)


# Every order tells its rep and every screen pop names the grid's staff: a few hundred users
# asked about thousands of times a minute. Edits made in this process clear the cache at
# once (``_change_user``); other processes see them within the TTL.
CONTACT_TTL_SECONDS = 5.0
_contacts: dict[tuple[Any, int], tuple[float, Contact]] = {}


def contact(session: Session, *, user_id: int) -> Contact | None:
    """How to reach a user."""
    key, now = (session.get_bind().url, user_id), time.monotonic()
    hit = _contacts.get(key)
    if hit is not None and now - hit[0] < CONTACT_TTL_SECONDS:
        return hit[1]
    found: Contact | None = _CONTACT.first(session.connection(), {"id": user_id})
    if found is not None:  # an unknown id is not remembered: the user may be created next
        if len(_contacts) >= 10_000:
            _contacts.clear()
        _contacts[key] = (now, found)
    return found


def contacts(session: Session, *, user_ids: Iterable[int | None]) -> dict[int, Contact]:
    """How to reach each of these users that exists (None ids are skipped)."""
    out = {}
    for uid in set(user_ids):
        found = contact(session, user_id=uid) if uid is not None else None
        if found is not None:
            out[uid] = found
    return out


def forget_contacts() -> None:
    _contacts.clear()


def find_user_by_login(session: Session, *, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login.strip().lower()))


def display_names(session: Session, *, logins: Iterable[str]) -> dict[str, str]:
    """Each of these logins' display name, for records that keep who acted by login."""
    wanted = {login for login in logins if login}
    if not wanted:
        return {}
    return dict(session.execute(select(User.login, User.display_name).where(User.login.in_(wanted))).all())  # rows unpack as (login, name)


def get_user(session: Session, *, actor: Principal, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not (user.id == actor.user_id or rules.can_see(actor, rules.RecordScope(org_path=user.org_path))):
        raise NotFound(T_("user_id: no user %(id)s in your scope", id=user_id))
    if user.id != actor.user_id:
        require(actor, Action.USERS_READ)
    return user


def find_org_unit(session: Session, *, org_unit_id: int) -> OrgUnit | None:
    return session.get(OrgUnit, org_unit_id)


def members(session: Session, *, org_unit_id: int, role: Role) -> list[User]:
    """The active users of one unit with this role (for dispatch; no actor: system use)."""
    stmt = select(User).where(User.org_unit_id == org_unit_id, User.role == role.value, User.is_active.is_(True))
    return list(session.scalars(stmt.order_by(User.id)))


def _supervisors(session: Session) -> list[tuple[int, str]]:
    return [(uid, path) for uid, path in session.execute(select(User.id, User.org_path).where(User.role == Role.SUPERVISOR.value, User.is_active.is_(True)).order_by(User.id))]


def supervisors_over(session: Session, *, org_path: str) -> list[int]:
    """The active supervisors whose unit holds ``org_path`` (its own and any above), by id:
    whom a domain tells of what goes wrong there (no actor: system use)."""
    return [uid for uid, path in _supervisors(session) if rules.in_subtree(path, org_path)]


def companies_with_supervisors(session: Session) -> list[tuple[OrgUnit, list[int]]]:
    """Each company with the active supervisors over it (``supervisors_over``'s), those with
    none left out: whom a company-wide check tells. Two reads, however many companies."""
    found = _supervisors(session)
    companies = session.scalars(select(OrgUnit).where(OrgUnit.kind == "company").order_by(OrgUnit.id))
    return [(c, ids) for c in companies if (ids := [uid for uid, path in found if rules.in_subtree(path, c.path)])]


def list_users(session: Session, *, actor: Principal, role: Role | None = None, query: str = "") -> list[User]:
    require(actor, Action.USERS_READ)
    stmt = scoped(select(User), actor, org_path=User.org_path)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    if query.strip():
        like = f"%{query.strip()}%"
        stmt = stmt.where(User.login.ilike(like) | User.display_name.ilike(like))
    return list(session.scalars(stmt.order_by(User.login)))


def create_user(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    login: str,
    display_name: str,
    role: str,
    org_unit_id: int,
    password: str,
    phone: str | None = None,
    email: str | None = None,
    extension: str | None = None,
    locale: str = "zh_CN",
    password_hash: str | None = None,
) -> User:
    """``password_hash`` lets bulk onboarding (the demo, an HR import) hash a shared initial
    password once instead of once per user; the password is still checked against the policy."""
    require(actor, Action.USERS_MANAGE)
    login = login.strip().lower()
    problems = []
    if (reason := rules.login_problem(login)) is not None:
        problems.append(rules_problem("login", reason))
    if not display_name.strip():
        problems.append(rules_problem("display_name", T_("must not be empty")))
    try:
        wanted = Role(role)
    except ValueError:
        problems.append(rules_problem("role", T_("must be one of %(choices)s", choices=", ".join(r.value for r in Role))))
        wanted = None
    if (reason := rules.password_problem(password, login=login)) is not None:
        problems.append(rules_problem("password", reason))
    if locale not in LOCALES:
        problems.append(rules_problem("locale", T_("must be one of %(choices)s", choices=", ".join(LOCALES))))
    if problems:
        raise InvalidInput.many(problems)
    assert wanted is not None
    if not rules.can_grant(actor, wanted):
        raise Forbidden(T_("role: you may not create users with role %(role)s", role=Label("role", wanted.value)))
    unit = get_org_unit(session, actor=actor, org_unit_id=org_unit_id)
    if find_user_by_login(session, login=login) is not None:
        raise Conflict(T_("login: %(login)r is taken", login=login))
    user = User(
        login=login,
        display_name=display_name.strip(),
        role=wanted.value,
        org_unit_id=unit.id,
        org_path=unit.path,
        phone=phone or None,
        email=email or None,
        extension=extension or None,
        locale=locale,
        password_hash=password_hash or hash_password(password),
        is_active=True,
        failed_logins=0,
        session_version=1,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, at=now, action="user.create", entity="user", entity_id=user.id, after=_user_view(user), org_path=user.org_path)
    return user


def _change_user(session: Session, *, actor: Principal, now: datetime, user: User, action: str, **values: object) -> User:
    from gridcare.auth.cache import principals

    principals.clear()
    forget_contacts()
    before = _user_view(user)
    for name, value in values.items():
        setattr(user, name, value)
    audit.record(session, actor=actor, at=now, action=action, entity="user", entity_id=user.id, before=before, after=_user_view(user), org_path=user.org_path)
    return user


def set_password(session: Session, *, actor: Principal, now: datetime, user_id: int, password: str) -> User:
    user = get_user(session, actor=actor, user_id=user_id)
    if user.id != actor.user_id:
        require(actor, Action.USERS_MANAGE)
    if (reason := rules.password_problem(password, login=user.login)) is not None:
        raise InvalidInput.field("password", reason)
    return _change_user(
        session, actor=actor, now=now, user=user, action="user.password", password_hash=hash_password(password), session_version=user.session_version + 1
    )


def set_active(session: Session, *, actor: Principal, now: datetime, user_id: int, active: bool) -> User:
    require(actor, Action.USERS_MANAGE)
    user = get_user(session, actor=actor, user_id=user_id)
    if user.id == actor.user_id and not active:
        raise InvalidInput.field("active", T_("you cannot deactivate yourself"))
    return _change_user(
        session,
        actor=actor,
        now=now,
        user=user,
        action="user.activate" if active else "user.deactivate",
        is_active=active,
        session_version=user.session_version + (0 if active else 1),
    )


def unlock(session: Session, *, actor: Principal, now: datetime, user_id: int) -> User:
    require(actor, Action.USERS_MANAGE)
    user = get_user(session, actor=actor, user_id=user_id)
    return _change_user(session, actor=actor, now=now, user=user, action="user.unlock", failed_logins=0, locked_until=None)


def set_locale(session: Session, *, actor: Principal, now: datetime, locale: str) -> User:
    if locale not in LOCALES:
        raise InvalidInput.field("locale", T_("must be one of %(choices)s", choices=", ".join(LOCALES)))
    if actor.user_id is None:
        raise Forbidden(T_("locale: only a signed-in user has a language setting"))
    user = get_user(session, actor=actor, user_id=actor.user_id)
    return _change_user(session, actor=actor, now=now, user=user, action="user.locale", locale=locale)


# --- logins -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    reason: str  # "ok", "bad_credentials", "locked", "inactive"
    locked_until: datetime | None = None


def authenticate(session: Session, *, login: str, password: str, now: datetime, policy: LockoutPolicy, origin: str) -> LoginOutcome:
    """Check a login. Failures are counted (and audited) in the caller's transaction, which
    must commit even when the outcome is a refusal."""
    user = find_user_by_login(session, login=login)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None:
        return LoginOutcome(None, "bad_credentials")
    actor = Principal(user_id=user.id, login=user.login, role=Role(user.role), org_unit_id=user.org_unit_id, org_path=user.org_path, origin=origin)
    state = LoginState(user.failed_logins, user.locked_until)
    if rules.is_locked(state, now):
        return LoginOutcome(None, "locked", user.locked_until)
    if not valid:
        after = rules.after_failed_login(state, now, policy)
        action = "user.locked" if after.locked_until else "user.login_failed"
        _change_user(session, actor=actor, now=now, user=user, action=action, failed_logins=after.failed_logins, locked_until=after.locked_until)
        if after.locked_until:
            return LoginOutcome(None, "locked", after.locked_until)
        return LoginOutcome(None, "bad_credentials")
    if not user.is_active:
        return LoginOutcome(None, "inactive")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, actor=actor, at=now, action="user.login", entity="user", entity_id=user.id, org_path=user.org_path)
    return LoginOutcome(user, "ok")


def principal_for(session: Session, *, user: User, origin: str = "") -> Principal:
    from gridcare.grids import service as grids

    role = Role(user.role)
    grid_ids = grids.grid_ids_for_rep(session, user_id=user.id) if role is Role.REP else frozenset()
    return Principal(
        user_id=user.id,
        login=user.login,
        role=role,
        org_unit_id=user.org_unit_id,
        org_path=user.org_path,
        grid_ids=grid_ids,
        origin=origin,
        locale=user.locale,
    )


# --- tokens -------------------------------------------------------------------------------

TOKEN_PREFIX = "gct_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_digest = token_digest


def create_token(
    session: Session, *, actor: Principal, now: datetime, user_id: int, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new bearer token; the plain text is returned once and never stored."""
    user = get_user(session, actor=actor, user_id=user_id)
    if user.id != actor.user_id:
        require(actor, Action.USERS_MANAGE)
    else:
        require(actor, Action.TOKENS_OWN)
    if not name.strip():
        raise InvalidInput.field("name", T_("must not be empty"))
    if expires_at is not None and expires_at <= now:
        raise InvalidInput.field("expires_at", T_("must be in the future"))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=_digest(plain), prefix=plain[:10], created_at=now, expires_at=expires_at)
    session.add(token)
    session.flush()
    audit.record(
        session, actor=actor, at=now, action="token.create", entity="user", entity_id=user.id, after={"token_id": token.id, "name": token.name, "prefix": token.prefix}, org_path=user.org_path
    )
    return token, plain


def user_for_token(session: Session, *, token: str, now: datetime) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def revoke_token(session: Session, *, actor: Principal, now: datetime, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(T_("token_id: no token %(id)s", id=token_id))
    owner = get_user(session, actor=actor, user_id=row.user_id)
    if owner.id != actor.user_id:
        require(actor, Action.USERS_MANAGE)
    row.revoked_at = now
    from gridcare.auth.cache import principals

    principals.clear()
    audit.record(session, actor=actor, at=now, action="token.revoke", entity="user", entity_id=owner.id, after={"token_id": row.id}, org_path=owner.org_path)
    return row


def list_tokens(session: Session, *, actor: Principal, user_id: int) -> list[ApiToken]:
    owner = get_user(session, actor=actor, user_id=user_id)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == owner.id).order_by(ApiToken.id)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
