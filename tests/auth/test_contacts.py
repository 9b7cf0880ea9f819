"""How to reach a user is asked on every order and screen pop, so it is remembered for a
few seconds; an edit made through the service is seen at once."""

from sqlalchemy import text
from tests.support import org as demo_org

from gridcare.auth import service as auth


def test_a_users_own_language_change_reaches_the_next_message_at_once(database, clock):
    org = demo_org.load(database, clock)
    rep = org.user_id("rep")
    with database.read() as session:
        assert auth.contact(session, user_id=rep).locale == "zh_CN"
    with database.write() as session:
        auth.set_locale(session, actor=org.principal("rep"), now=clock.now(), locale="en")
    with database.read() as session:
        assert auth.contact(session, user_id=rep).locale == "en"


def test_it_answers_from_memory_within_the_ttl_and_reads_again_after_it(database, clock, monkeypatch):
    org = demo_org.load(database, clock)
    rep, backup = org.user_id("rep"), org.user_id("w_rep")
    with database.read() as session:
        before = auth.contacts(session, user_ids=[rep, backup, None, 999_999])
    assert set(before) == {rep, backup}  # unknown and missing ids are left out
    with database.write() as session:  # another process's edit: nothing here hears of it
        session.execute(text("UPDATE users SET display_name = '改名' WHERE id = :id"), {"id": rep})
    with database.read() as session:
        assert auth.contact(session, user_id=rep).display_name == before[rep].display_name
    monkeypatch.setattr(auth, "CONTACT_TTL_SECONDS", 0.0)
    with database.read() as session:
        assert auth.contact(session, user_id=rep).display_name == "改名"
