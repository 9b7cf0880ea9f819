"""Pure rules of access: what each role may do, what each principal may see, and when a
login is locked. No database, no clock: instants come in as arguments."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, Role


class Action(StrEnum):
    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    ORG_MANAGE = "org.manage"
    AUDIT_READ = "audit.read"
    GRIDS_READ = "grids.read"
    GRIDS_MANAGE = "grids.manage"
    ORDERS_READ = "orders.read"
    ORDERS_CREATE = "orders.create"
    ORDERS_HANDLE = "orders.handle"
    ORDERS_SUPERVISE = "orders.supervise"
    TOKENS_OWN = "tokens.own"
    CUSTOMERS_CREATE = "customers.create"
    CALLS_INGEST = "calls.ingest"  # a PBX or CTI bridge posting call events
    CALLS_READ = "calls.read"
    CALLS_QA = "calls.qa"  # score calls (质检)
    CALLS_MANAGE = "calls.manage"  # local repair lines, agent extensions
    CALLS_HANDOVER = "calls.handover"  # hand a shift over and take one over (交接班)
    NOTIFY_MANAGE = "notify.manage"  # retry dead letters, campaigns, grids' WeCom groups
    OUTAGES_MANAGE = "outages.manage"  # create, change, confirm, restore, cancel outages
    OUTAGES_CALL = "outages.call"  # work the call list of an outage's priority customers


_ALL = frozenset(Action)
_READS = frozenset({Action.GRIDS_READ, Action.ORDERS_READ, Action.TOKENS_OWN})

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: _ALL,
    Role.SUPERVISOR: _READS
    | {Action.USERS_READ, Action.AUDIT_READ, Action.ORDERS_CREATE, Action.ORDERS_HANDLE, Action.ORDERS_SUPERVISE, Action.NOTIFY_MANAGE}
    | {Action.CUSTOMERS_CREATE, Action.CALLS_INGEST, Action.CALLS_READ, Action.CALLS_QA, Action.CALLS_MANAGE, Action.CALLS_HANDOVER}
    | {Action.OUTAGES_MANAGE, Action.OUTAGES_CALL},
    # A PBX bridge signs in as an agent-role account: the least a CTI feed needs.
    Role.AGENT: _READS | {Action.ORDERS_CREATE, Action.CUSTOMERS_CREATE, Action.CALLS_INGEST, Action.CALLS_READ, Action.CALLS_HANDOVER, Action.OUTAGES_CALL},
    Role.EXPERT: _READS | {Action.ORDERS_CREATE, Action.ORDERS_HANDLE, Action.CUSTOMERS_CREATE, Action.CALLS_READ, Action.CALLS_HANDOVER, Action.OUTAGES_MANAGE, Action.OUTAGES_CALL},
    Role.REP: _READS | {Action.ORDERS_CREATE, Action.ORDERS_HANDLE, Action.CUSTOMERS_CREATE, Action.OUTAGES_CALL},
    Role.DEPARTMENT: _READS | {Action.ORDERS_HANDLE},
    Role.CONTRACTOR: frozenset({Action.ORDERS_READ, Action.ORDERS_HANDLE, Action.TOKENS_OWN}),
    Role.VIEWER: _READS | {Action.CALLS_READ},
}

# Roles a user may hand out: nobody creates a role above their own.
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.SUPERVISOR: frozenset({Role.AGENT, Role.EXPERT, Role.REP, Role.DEPARTMENT, Role.CONTRACTOR, Role.VIEWER}),
}


def can(principal: Principal, action: Action) -> bool:
    return action in PERMISSIONS.get(principal.role, frozenset())


def can_grant(principal: Principal, role: Role) -> bool:
    return role in GRANTABLE.get(principal.role, frozenset())


def in_subtree(ancestor_path: str, path: str) -> bool:
    """Whether ``path`` is ``ancestor_path`` or below it ("/1/" holds "/1/4/")."""
    return path.startswith(ancestor_path)


@dataclass(frozen=True)
class RecordScope:
    """Where a record sits: its organisation node, and optionally its grid and contractor.

    ``gridded`` says the kind of record belongs to grids (customers, orders): a rep sees such
    a record only when it is in one of their grids; one with no grid yet is the command
    center's, not theirs."""

    org_path: str
    grid_id: int | None = None
    contractor_id: int | None = None
    gridded: bool = False


def can_see(principal: Principal, record: RecordScope) -> bool:
    """Subtree scoping for everyone; reps are further limited to their grids, contractors
    to the work assigned to their company (集中座席、分布式部署)."""
    if principal.role is Role.CONTRACTOR:
        return principal.org_unit_id is not None and record.contractor_id == principal.org_unit_id
    if not in_subtree(principal.org_path, record.org_path):
        return False
    if principal.role is Role.REP and record.gridded:
        return record.grid_id is not None and record.grid_id in principal.grid_ids
    return True


def holds_utility(principal: Principal, company_paths: Collection[str]) -> bool:
    """Whether utility-wide records (its network, its rules, its grid designs) are the
    principal's to see: they work in or above one of the utility's companies, whose org paths
    are given. A utility with no company in the organisation belongs to nobody in particular."""
    if principal.role is Role.CONTRACTOR:
        return False
    if not company_paths:
        return True
    return any(in_subtree(principal.org_path, path) or in_subtree(path, principal.org_path) for path in company_paths)


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginState:
    failed_logins: int
    locked_until: datetime | None


def is_locked(state: LoginState, now: datetime) -> bool:
    return state.locked_until is not None and now < state.locked_until


def after_failed_login(state: LoginState, now: datetime, policy: LockoutPolicy) -> LoginState:
    """Count a failure; the ``max_failures``-th in a row locks the account for ``lockout``.
    A lock that has run out starts a fresh count."""
    failures = 0 if (state.locked_until is not None and now >= state.locked_until) else state.failed_logins
    failures += 1
    if failures >= policy.max_failures:
        return LoginState(failed_logins=failures, locked_until=now + policy.lockout)
    return LoginState(failed_logins=failures, locked_until=None)


def after_successful_login() -> LoginState:
    return LoginState(failed_logins=0, locked_until=None)


MIN_PASSWORD_LENGTH = 8


def password_problem(password: str, *, login: str) -> str | None:
    """Why a new password is unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return T_("must be at least %(n)s characters", n=MIN_PASSWORD_LENGTH)
    if password.lower() == login.lower():
        return T_("must differ from the login")
    if len(set(password)) < 4:
        return T_("is too repetitive")
    return None


LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def login_problem(login: str) -> str | None:
    if not 2 <= len(login) <= 64:
        return T_("must be %(low)s to %(high)s characters", low=2, high=64)
    if not set(login) <= LOGIN_CHARS:
        return T_("may contain only lower-case letters, digits, '.', '_' and '-'")
    return None
