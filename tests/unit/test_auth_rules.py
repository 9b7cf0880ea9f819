from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridcare.auth import rules
from gridcare.auth.rules import Action, LockoutPolicy, LoginState, RecordScope
from gridcare.core.principal import Principal, Role

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def principal(role: Role, path: str = "/1/2/", grids: set[int] | None = None, org_unit_id: int = 2) -> Principal:
    return Principal(user_id=1, login="u", role=role, org_unit_id=org_unit_id, org_path=path, grid_ids=frozenset(grids or ()))


def test_it_gives_admins_every_action_and_viewers_only_reads():
    assert all(rules.can(principal(Role.ADMIN), a) for a in Action)
    assert not rules.can(principal(Role.VIEWER), Action.USERS_MANAGE)
    assert not rules.can(principal(Role.VIEWER), Action.ORDERS_CREATE)
    assert rules.can(principal(Role.VIEWER), Action.ORDERS_READ)


def test_it_lets_no_one_but_admins_grant_admin():
    for role in Role:
        assert rules.can_grant(principal(role), Role.ADMIN) is (role is Role.ADMIN)
    assert rules.can_grant(principal(Role.SUPERVISOR), Role.REP)
    assert not rules.can_grant(principal(Role.SUPERVISOR), Role.SUPERVISOR)


def test_it_scopes_to_the_subtree_not_to_siblings_with_a_common_prefix():
    p = principal(Role.SUPERVISOR, "/1/2/")
    assert rules.can_see(p, RecordScope(org_path="/1/2/"))
    assert rules.can_see(p, RecordScope(org_path="/1/2/7/"))
    assert not rules.can_see(p, RecordScope(org_path="/1/"))
    assert not rules.can_see(p, RecordScope(org_path="/1/23/"))


def test_it_limits_reps_to_their_grids_for_gridded_records():
    rep = principal(Role.REP, "/1/", grids={5})
    assert rules.can_see(rep, RecordScope(org_path="/1/3/", grid_id=5, gridded=True))
    assert not rules.can_see(rep, RecordScope(org_path="/1/3/", grid_id=6, gridded=True))
    assert not rules.can_see(rep, RecordScope(org_path="/1/3/", grid_id=None, gridded=True))
    assert rules.can_see(rep, RecordScope(org_path="/1/3/"))


def test_it_limits_contractors_to_their_company_work():
    c = principal(Role.CONTRACTOR, "/9/", org_unit_id=9)
    assert rules.can_see(c, RecordScope(org_path="/1/2/", contractor_id=9))
    assert not rules.can_see(c, RecordScope(org_path="/9/", contractor_id=None))
    assert not rules.can_see(c, RecordScope(org_path="/1/2/", contractor_id=8))


segments = st.lists(st.integers(1, 30), min_size=1, max_size=4)


@given(segments, segments)
def test_it_sees_a_record_exactly_when_its_node_is_in_the_subtree(mine, theirs):
    mine_path = "/" + "/".join(map(str, mine)) + "/"
    their_path = "/" + "/".join(map(str, theirs)) + "/"
    seen = rules.can_see(principal(Role.SUPERVISOR, mine_path), RecordScope(org_path=their_path))
    assert seen == (theirs[: len(mine)] == mine)


@given(st.lists(st.sampled_from(["fail", "wait"]), max_size=30))
def test_it_locks_after_the_nth_consecutive_failure_and_never_before(steps):
    policy = LockoutPolicy(max_failures=5, lockout=timedelta(minutes=15))
    state, now, streak = LoginState(0, None), T0, 0
    for step in steps:
        if step == "wait":
            now += timedelta(minutes=16)
            if not rules.is_locked(state, now) and state.locked_until is not None:
                streak = 0
            continue
        if rules.is_locked(state, now):
            continue  # a locked account does not count attempts
        state = rules.after_failed_login(state, now, policy)
        streak += 1
        assert rules.is_locked(state, now) == (streak >= 5)
        if streak >= 5:
            streak = 0


def test_it_unlocks_when_the_lockout_has_run_out_and_restarts_the_count():
    policy = LockoutPolicy(max_failures=3, lockout=timedelta(minutes=10))
    state = LoginState(0, None)
    for _ in range(3):
        state = rules.after_failed_login(state, T0, policy)
    assert rules.is_locked(state, T0 + timedelta(minutes=9))
    assert not rules.is_locked(state, T0 + timedelta(minutes=10))
    later = rules.after_failed_login(state, T0 + timedelta(minutes=11), policy)
    assert later == LoginState(1, None)


def test_it_rejects_weak_passwords_and_odd_logins_with_a_reason():
    assert rules.password_problem("short", login="x") == "must be at least 8 characters"
    assert rules.password_problem("alice123", login="ALICE123") == "must differ from the login"
    assert rules.password_problem("aaaaaaaaaa", login="x") == "is too repetitive"
    assert rules.password_problem("grid-care-9", login="x") is None
    assert rules.login_problem("Bad Login") is not None
    assert rules.login_problem("w_rep.2") is None
