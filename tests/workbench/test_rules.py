"""Which figures a workbench shows, in what order and tone (pure rules)."""

from hypothesis import given
from hypothesis import strategies as st

from gridcare.core.principal import Role
from gridcare.web.nav import pages_of
from gridcare.workbench import rules

ROLES = [r.value for r in Role]
PAGES = sorted({f.page for f in rules.FIGURES})


@given(
    role=st.sampled_from(ROLES),
    pages=st.sets(st.sampled_from(PAGES)),
    counts=st.dictionaries(st.sampled_from([f.key for f in rules.FIGURES]), st.integers(min_value=0, max_value=10**6)),
)
def test_a_tile_shows_only_a_counted_figure_of_a_page_the_reader_may_open(role, pages, counts):
    tiles = rules.arrange(role, pages, counts)
    keys = [t.key for t in tiles]
    assert len(keys) == len(set(keys))
    assert set(keys) <= set(counts)
    for t in tiles:
        figure = rules.BY_KEY[t.key]
        assert figure.page in pages and (figure.roles is None or role in figure.roles)
        assert t.count == counts[t.key] and t.href == figure.href
        assert (t.tone == rules.CALM) if t.count == 0 else (t.tone == figure.pressing)
    # The role's first figures lead, in their order; the rest keep the catalogue's.
    first = [k for k in rules.FIRST.get(role, ()) if k in keys]
    assert keys[: len(first)] == first
    rest = keys[len(first):]
    assert rest == [f.key for f in rules.FIGURES if f.key in rest]


def test_each_role_sees_what_it_works_on():
    def shown(role):
        return rules.wanted(role.value, pages_of(role) | {"home"})

    assert shown(Role.REP)[:2] == ["orders.to_accept", "orders.mine"]
    assert "orders.open" not in shown(Role.REP) and "orders.unassigned" not in shown(Role.REP)
    # A shift handed over comes first: the agent takes over before taking the queue.
    assert shown(Role.AGENT)[:2] == ["handovers.waiting", "orders.unassigned"] and "orders.mine" not in shown(Role.AGENT)
    assert shown(Role.DEPARTMENT)[:2] == ["tasks.overdue", "tasks.open"]
    assert shown(Role.CONTRACTOR)[:2] == ["tasks.overdue", "tasks.open"]
    assert shown(Role.EXPERT)[:2] == ["handovers.waiting", "questions.open"]
    assert "handovers.late" in shown(Role.SUPERVISOR) and "handovers.late" not in shown(Role.AGENT) and "handovers.waiting" not in shown(Role.SUPERVISOR)
    assert shown(Role.SUPERVISOR)[0] == "orders.late" and "notify.dead" in shown(Role.SUPERVISOR)
    assert "changes.pending" not in shown(Role.REP) and "tasks.open" not in shown(Role.SUPERVISOR)
    viewer = shown(Role.VIEWER)
    assert "orders.mine" not in viewer and "orders.to_accept" not in viewer and "alerts.open" in viewer
