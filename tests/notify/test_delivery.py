"""Delivery through real servers: an HTTP SMS gateway that fails then recovers, SMTP,
SMPP, a WeCom robot; missing configuration; quiet hours and rate limits; dedupe."""

from datetime import timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import delete, event, func, select

from gridcare.core.clock import SHANGHAI
from gridcare.notify import groups, service
from gridcare.notify.models import Notification
from gridcare.outbox import OutboxRow
from gridcare.pubsub import Broadcaster
from tests.notify.conftest import config, customer_id, make_worker, notify_settings
from tests.notify.stubs import GatewayStub, SmppCentre, WecomStub, http_stub, listening, smpp_centre
from tests.support.live import free_port


def rows(db, **where):
    with db.read() as session:
        stmt = select(Notification).order_by(Notification.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Notification, key) == value)
        return list(session.scalars(stmt))


def outbox_states(db):
    with db.read() as session:
        return dict(session.execute(select(OutboxRow.status, func.count()).where(OutboxRow.topic == "notify.send").group_by(OutboxRow.status)).all())


def run_until_settled(worker, clock, db, rounds=30, step=timedelta(minutes=1)):
    for _ in range(rounds):
        worker.drain()
        if all(n.state in ("delivered", "dead") for n in rows(db)):
            return
        clock.advance(step)


def test_it_delivers_every_sms_exactly_once_after_the_gateway_recovers(database, clock, world, tmp_path):
    stub = GatewayStub(fail_first=4)
    with http_stub(stub) as url:
        settings = notify_settings(database, tmp_path, sms_http_url=url + "/sms", sms_http_token="tok-1", sms_http_timeout_seconds=0.5)
        with database.write() as session:
            for n, account in enumerate(("E001", "E002", "E003", "W001"), start=1):
                service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, account), event="order.accepted", context={"number": f"GD-{n}"}, source=("order", n), config=config(settings))
            for n, account in enumerate(("E001", "E002"), start=5):
                service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, account), event="order.resolved", context={"number": f"GD-{n}"}, source=("order", n), config=config(settings))
        made = rows(database)
        assert [n.state for n in made] == ["queued"] * 6
        # The gateway will take the third message, then answer too late: the retry must not send it twice.
        stub.stall_once.add(made[2].client_ref)
        worker = make_worker(database, clock, settings)
        worker.drain()
        first = rows(database)
        assert {n.state for n in first} >= {"failed"}
        assert any(n.last_error and "SMS gateway answered 503" in n.last_error for n in first)
        run_until_settled(worker, clock, database)
    done = rows(database)
    assert [n.state for n in done] == ["delivered"] * 6
    assert sorted(m["client_msg_id"] for m in stub.sent) == sorted(n.client_ref for n in done)  # each exactly once
    assert len(stub.sent) == 6 and stub.repeats == [made[2].client_ref]
    assert {n.provider_message_id for n in done} == {f"M{i}" for i in range(1, 7)}
    assert max(n.attempts for n in done) > 1 and done[2].last_error is None
    assert set(stub.tokens) == {"Bearer tok-1"}
    assert outbox_states(database) == {"delivered": 6}
    to_wang = [m for m in stub.sent if m["to"] == "+8613812345678"]
    assert len(to_wang) == 3  # E001 twice and W001: the same person's phone
    assert all(m["text"].endswith("【您的网格客户经理：张台区经理 138 0000 0005】") for m in stub.sent if m["to"] == "+8613812345678" and "GD-4" not in m["text"])


def test_it_dead_letters_an_unconfigured_channel_and_a_manager_retries_it(database, clock, world, tmp_path):
    bare = notify_settings(database, tmp_path)
    with database.write() as session:
        [note_id] = service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E001"), event="order.callback", context={"number": "GD-1"}, source=("order", 1), config=config(bare))
    make_worker(database, clock, bare).drain()
    [dead] = rows(database)
    assert dead.state == "dead" and "sms channel is not configured: set GRIDCARE_SMS_HTTP_URL" in dead.last_error
    assert outbox_states(database) == {"dead": 1}
    stub = GatewayStub()
    with http_stub(stub) as url:
        fixed = notify_settings(database, tmp_path, sms_http_url=url)
        with database.write() as session:
            service.retry(session, actor=world.principal("supervisor"), now=clock.now(), notification_id=note_id)
        make_worker(database, clock, fixed).drain()
    [again] = rows(database)
    assert again.state == "delivered" and again.attempts == 2 and len(stub.sent) == 1


def test_it_gives_up_after_the_last_attempt_and_says_why(database, clock, world, tmp_path):
    stub = GatewayStub(fail_first=100)
    with http_stub(stub) as url:
        settings = notify_settings(database, tmp_path, sms_http_url=url, outbox_max_attempts=3)
        with database.write() as session:
            service.notify_user(session, now=clock.now(), user_id=world.user_id("rep"), event="order.dispatched", context={"number": "GD-1", "address": "x", "description": "y"}, channels=("sms",), config=config(settings))
        run_until_settled(make_worker(database, clock, settings), clock, database, step=timedelta(hours=1))
    [note] = rows(database)
    assert note.state == "dead" and note.attempts == 3 and "503" in note.last_error
    assert stub.requests == 3 and stub.sent == []


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def test_it_sends_email_through_a_real_smtp_server(database, clock, world, tmp_path):
    from email import message_from_bytes, policy

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = notify_settings(database, tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_from="客服中心 <service@gridcare.example>")
        with database.write() as session:
            note_id = service.notify_address(session, actor=world.principal("supervisor"), now=clock.now(), channel="email", address="zhang@example.com", event="order.escalated", context={"number": "GD-9", "level": 2, "handler": "张台区经理"}, config=config(settings))
        make_worker(database, clock, settings).drain()
    finally:
        controller.stop()
    [(sender, recipients, content)] = inbox.messages
    mail = message_from_bytes(content, policy=policy.default)
    assert sender == "service@gridcare.example" and recipients == ["zhang@example.com"]
    assert mail["Subject"] == "督办：工单 GD-9 超时（2 级）"
    assert "处理人：张台区经理" in mail.get_content()
    [note] = rows(database)
    assert note.id == note_id and note.state == "delivered" and mail["Message-ID"] == f"<{note.client_ref}@gridcare>" == note.provider_message_id


def test_it_posts_to_the_grids_wecom_group_and_dead_letters_a_bad_webhook(database, clock, world, tmp_path):
    robot = WecomStub()
    with http_stub(robot) as url:
        settings = notify_settings(database, tmp_path)
        with database.write() as session:
            good = groups.save_group(session, actor=world.principal("supervisor"), now=clock.now(), grid_id=world.grids["west"], name="五一大道物业群", webhook_url=url + "/cgi-bin/webhook/send?key=abcdef123456", audience="property_managers")
            service.notify_grid_group(session, now=clock.now(), grid_id=world.grids["west"], event="outage.notice", context={"area": "五一大道1-99号", "starts_at": clock.now() + timedelta(hours=2), "planned": True, "reason": "线路检修"}, source=("outage", 7), config=config(settings))
        make_worker(database, clock, settings).drain()
        [(path, body)] = robot.posts
        assert path == "/cgi-bin/webhook/send?key=abcdef123456"
        assert body["msgtype"] == "markdown" and "### 计划停电通知" in body["markdown"]["content"] and "> 开始：11-24 11:00" in body["markdown"]["content"]
        [note] = rows(database)
        assert note.state == "delivered" and note.address == f"wecom:{good.id}" and "key=" not in note.address
        robot.errcode = 93000
        with database.write() as session:
            service.notify_grid_group(session, now=clock.now(), grid_id=world.grids["west"], event="outage.restored", context={"area": "五一大道1-99号"}, source=("outage", 7), config=config(settings))
            assert service.notify_grid_group(session, now=clock.now(), grid_id=world.grids["east"], event="outage.restored", context={"area": "x"}, config=config(settings)) == []
        make_worker(database, clock, settings).drain()
    bad = rows(database, event="outage.restored")[0]
    assert bad.state == "dead" and "WeCom robot error 93000" in bad.last_error


def test_it_sends_a_long_chinese_sms_over_smpp_in_parts(database, clock, world, tmp_path):
    centre = SmppCentre()
    with smpp_centre(centre) as port:
        settings = notify_settings(database, tmp_path, sms_transport="smpp", smpp_host="127.0.0.1", smpp_port=port, smpp_system_id="gridcare", smpp_password="secret", smpp_source_addr="95598")
        text = "尊敬的客户：" + "为保障冬季安全用电，请勿私拉乱接电线。" * 5
        with database.write() as session:
            service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E001"), event="campaign", context={"text": text}, source=("campaign", 1), config=config(settings))
        make_worker(database, clock, settings).drain()
        wrong = notify_settings(database, tmp_path, sms_transport="smpp", smpp_host="127.0.0.1", smpp_port=port, smpp_system_id="gridcare", smpp_password="guess")
        with database.write() as session:
            service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E002"), event="campaign", context={"text": "x"}, source=("campaign", 1), config=config(wrong))
        make_worker(database, clock, wrong).drain()
    assert centre.binds == [("gridcare", "secret"), ("gridcare", "guess")]
    assert len(centre.submits) >= 2 and all(s["data_coding"] == 8 and s["esm_class"] & 0x40 and s["source"] == "95598" for s in centre.submits)
    assert centre.texts() == [("8613812345678", text + "【您的网格客户经理：张台区经理 138 0000 0005】")]
    sent, refused = rows(database)
    assert sent.state == "delivered" and sent.provider_message_id == ",".join(f"SM{i}" for i in range(1, len(centre.submits) + 1))
    assert refused.state == "dead" and "SMPP bind refused" in refused.last_error


def test_it_holds_customer_messages_through_quiet_hours_but_not_urgent_ones(database, clock, world, tmp_path):
    stub = GatewayStub()
    clock.set(clock.now().astimezone(SHANGHAI).replace(hour=22, minute=30))
    with http_stub(stub) as url:
        settings = notify_settings(database, tmp_path, sms_http_url=url, notify_quiet_hours="21:00-08:00")
        with database.write() as session:
            service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E002"), event="order.resolved", context={"number": "GD-1"}, source=("order", 1), config=config(settings))
            service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E002"), event="outage.notice", context={"area": "A", "starts_at": clock.now()}, urgent=True, source=("outage", 1), config=config(settings))
        worker = make_worker(database, clock, settings)
        worker.drain()
        resolved, outage = rows(database)
        assert resolved.state == "deferred" and resolved.scheduled_at.astimezone(SHANGHAI).strftime("%d %H:%M") == "25 08:00"
        assert outage.state == "delivered" and [m["text"][:6] for m in stub.sent] == ["【停电通知】"]
        clock.advance(timedelta(hours=9, minutes=30))
        worker.drain()
    assert [n.state for n in rows(database)] == ["delivered", "delivered"] and len(stub.sent) == 2


def test_it_spreads_sms_over_the_rate_limit(database, clock, world, tmp_path):
    settings = notify_settings(database, tmp_path, notify_rate_limits="sms=2/min")
    with database.write() as session:
        for n, account in enumerate(("E001", "E002", "E003"), start=1):
            service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, account), event="order.callback", context={"number": f"GD-{n}"}, urgent=True, source=("order", n), config=config(settings))
    first, second, third = rows(database)
    assert first.state == second.state == "queued" and third.state == "deferred"
    assert third.scheduled_at - clock.now() == timedelta(minutes=1)  # the 09:00 window is full; 09:01 has room


def test_windows_seen_full_are_not_counted_again_but_still_respected(database, clock, world, tmp_path):
    settings = notify_settings(database, tmp_path, notify_rate_limits="sms=2/min")
    counted_from = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "GROUP BY notifications.rate_window" in statement:
            counted_from.append(context.compiled_parameters[0]["since"])

    def send(n: int) -> None:
        with database.write() as session:
            service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E001"), event="order.callback", context={"number": f"GD-{n}"}, urgent=True, source=("order", n), config=config(settings))

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        for n in range(1, 8):  # 09:00, 09:00, 09:01, 09:01, 09:02, 09:02, 09:03
            send(n)
        assert [r.scheduled_at - clock.now() for r in rows(database)][-1] == timedelta(minutes=3)
        # The windows 09:00–09:02 were seen full: the plan counts from 09:03 on, and still
        # puts the message after them.
        send(8)
        assert counted_from[-1] - clock.now() == timedelta(minutes=3)
        assert rows(database)[-1].scheduled_at - clock.now() == timedelta(minutes=3)
        # A database emptied under the same address: the last window known full is not, so
        # the plan counts from now again.
        with database.write() as session:
            session.execute(delete(OutboxRow))
            session.execute(delete(Notification))
        send(9)
        assert counted_from[-1] == clock.now().replace(second=0, microsecond=0)
        assert rows(database)[-1].scheduled_at == clock.now()
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)


def test_it_records_the_same_event_for_the_same_recipient_once(database, clock, world, tmp_path):
    settings = notify_settings(database, tmp_path)
    ctx = {"number": "GD-1", "address": "五一大道1号", "description": "停电"}
    with database.write() as session:
        first = service.notify_user(session, now=clock.now(), user_id=world.user_id("rep"), event="order.dispatched", context=ctx, source=("order", 1), ladder=True, config=config(settings))
        again = service.notify_user(session, now=clock.now(), user_id=world.user_id("rep"), event="order.dispatched", context=ctx, source=("order", 1), ladder=True, config=config(settings))
        other = service.notify_user(session, now=clock.now(), user_id=world.user_id("rep"), event="order.dispatched", context=ctx, source=("order", 1), dedupe="redispatch-2", config=config(settings))
    assert first == again and first != other
    assert len(rows(database)) == 2 and outbox_states(database) == {"pending": 2}


def test_one_transaction_shares_its_rate_plan_and_still_counts_earlier_windows(database, clock, world, tmp_path):
    # 22:30, quiet hours, 1 SMS a minute: the 22:30 window is already full.
    clock.set(clock.now().astimezone(SHANGHAI).replace(hour=22, minute=30, second=0))
    settings = notify_settings(database, tmp_path, notify_quiet_hours="21:00-08:00", notify_rate_limits="sms=1/min")
    urgent = {"event": "outage.notice", "context": {"area": "A", "starts_at": clock.now()}, "urgent": True, "config": config(settings)}
    with database.write() as session:
        service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E001"), source=("outage", 1), **urgent)
    with database.write() as session:
        # The first message of this transaction waits for the morning: the plan starts there,
        # and the urgent one after it must still see that tonight's window is full.
        service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E002"), event="order.resolved", context={"number": "GD-1"}, source=("order", 1), config=config(settings))
        service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E003"), source=("outage", 2), **urgent)
    full, morning, later = rows(database)
    assert full.scheduled_at == clock.now()
    assert morning.scheduled_at.astimezone(SHANGHAI).strftime("%d %H:%M") == "25 08:00"
    assert later.scheduled_at - clock.now() == timedelta(minutes=1)


def test_a_batch_of_popups_is_marked_shown_together_and_an_sms_beside_them_at_once(database, clock, world, tmp_path):
    stub = GatewayStub()
    with http_stub(stub) as url:
        settings = notify_settings(database, tmp_path, sms_http_url=url + "/sms", sms_http_token="tok-1")
        with database.write() as session:
            # Each to another user: pop-ups to one user go out one after the other.
            users = [world.user_id(login) for login in ("rep", "agent", "agent2", "expert", "supervisor")]
            popups = [service.notify_user(session, now=clock.now(), user_id=user, event="order.dispatched", context={"number": f"GD-{n}", "address": "五一大道", "description": "停电", "customer": "王芳"}, source=("order", n), config=config(settings))[0] for n, user in enumerate(users, start=1)]
            [sms] = service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, "E001"), event="order.accepted", context={"number": "GD-9"}, source=("order", 9), config=config(settings))
        broadcaster = Broadcaster()
        with listening(broadcaster, [f"user:{user}" for user in users]) as heard:
            assert make_worker(database, clock, settings, broadcaster).run_once() == 6
        assert len(heard) == 5
    with database.read() as session:
        notes = {n.id: n for n in session.scalars(select(Notification))}
    assert all(notes[i].state == "delivered" and notes[i].delivered_at == clock.now() and notes[i].attempts == 1 for i in popups)
    assert notes[sms].state == "delivered" and notes[sms].provider_message_id == "M1" and len(stub.sent) == 1


def counting_writes(database, monkeypatch) -> list[str]:
    """The write transactions opened on ``database`` from now on, by kind, in order."""
    writes: list[str] = []

    def counted(name):  # noqa: ANN001
        real = getattr(database, name)
        return lambda: writes.append(name) or real()

    for name in ("write", "write_apart"):
        monkeypatch.setattr(database, name, counted(name))
    return writes


def test_a_round_of_pop_ups_writes_only_its_claim_and_its_finish(database, clock, world, tmp_path, monkeypatch):
    """On SQLite each write is a turn of the one writer, which intake holds in a storm: the
    pop-ups' reads and their shown marks must not take turns of their own."""
    settings = notify_settings(database, tmp_path)
    users = [world.user_id(login) for login in ("rep", "agent", "agent2")]
    context = {"address": "五一大道", "description": "停电", "customer": "王芳"}
    with database.write() as session:
        popups = [service.notify_user(session, now=clock.now(), user_id=user, event="order.dispatched", context={"number": f"GD-{n}", **context}, source=("order", n), config=config(settings))[0] for n, user in enumerate(users, start=1)]
    writes = counting_writes(database, monkeypatch)
    updates = []  # (table, connection) of each update

    def grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith(("UPDATE NOTIFICATIONS", "UPDATE OUTBOX")):
            updates.append((statement.split()[1].lower(), id(conn.connection.dbapi_connection)))

    broadcaster = Broadcaster()
    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        with listening(broadcaster, [f"user:{user}" for user in users]) as heard:
            assert make_worker(database, clock, settings, broadcaster).deliver_once() == 3
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    assert len(heard) == 3
    assert writes == ["write", "write"]  # the claim; the finish, with the pop-ups' shown marks
    marks = [u for u in updates if u[0] == "notifications"]
    assert len(marks) == 1 and updates[-1][0] == "outbox" and updates[-1][1] == marks[0][1]
    assert {(n.state, n.attempts) for n in rows(database)} == {("delivered", 1)} and len(rows(database)) == len(popups)


def test_sms_the_gateway_refuses_are_recorded_as_failed_in_the_round_s_finish(database, clock, world, tmp_path, monkeypatch):
    """A gateway that is down must not cost the worker two more writes per message: on
    SQLite, turns of the writer that intake is waiting for."""
    settings = notify_settings(database, tmp_path, sms_http_url=f"http://127.0.0.1:{free_port()}/sms", sms_http_token="tok-1")  # nothing listens there
    with database.write() as session:
        sms = [service.notify_customer(session, now=clock.now(), customer_id=customer_id(database, account), event="order.accepted", context={"number": f"GD-{n}"}, source=("order", n), config=config(settings))[0] for n, account in enumerate(("E001", "E002", "E003"), start=1)]
    writes = counting_writes(database, monkeypatch)
    marks: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE notifications SET state=") and "last_error=" in statement:
            marks.append("many rows" if executemany else statement.partition(" WHERE ")[2])

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        assert make_worker(database, clock, settings).deliver_once() == 3
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    # The claim; the batch's "sending" marks (on SQLite an ordinary write); the finish, failures and all.
    assert writes == ["write", "write_apart", *(["write"] if database.serialises_writers else []), "write"]
    assert len(marks) == 1 and "IN (" in marks[0], marks  # the three failed alike: one UPDATE marks them
    notes = rows(database)
    assert [n.id for n in notes] == sms
    assert all(n.state == "failed" and n.attempts == 1 and n.last_error for n in notes), [(n.state, n.attempts, n.last_error) for n in notes]
    assert outbox_states(database) == {"pending": 3}


def test_a_batch_starts_its_tries_with_one_update_per_attempt_number(database, clock, world, tmp_path):
    from gridcare.notify import delivery

    settings = notify_settings(database, tmp_path)
    context = {"number": "GD-1", "address": "五一大道", "description": "停电", "customer": "王芳"}
    with database.write() as session:
        users = [world.user_id(login) for login in ("rep", "agent", "agent2", "expert")]
        ids = [service.notify_user(session, now=clock.now(), user_id=user, event="order.dispatched", context=context, source=("order", n), channels=("sms",), config=config(settings))[0] for n, user in enumerate(users, start=1)]
        popups = [service.notify_user(session, now=clock.now(), user_id=user, event="order.dispatched", context=context, source=("order", 9), config=config(settings))[0] for user in users[:2]]
        session.execute(Notification.__table__.update().where(Notification.id == ids[3]).values(state="delivered"))
    updates = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("UPDATE NOTIFICATIONS"):
            updates.append(statement)

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        with database.read() as session:
            started = delivery.popups_to_show(session, ids=[*ids, *popups])
        assert sorted(started) == sorted(popups) and not updates  # the pop-ups are only read
        with database.write() as session:
            started |= delivery.start_attempts(session, attempts={ids[0]: 1, ids[1]: 1, ids[2]: 3, ids[3]: 1}, now=clock.now())
        assert len(updates) == 2  # attempt 1 for three rows, attempt 3 for one
        with database.write() as session:
            delivery.record_shown(session, attempts={popups[0]: 1, popups[1]: 2}, now=clock.now())
        assert len(updates) == 4  # one mark for each pop-up in all, one statement per attempt number
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    assert sorted(started) == sorted(ids[:3] + popups)  # the delivered one is not sent again
    assert started[ids[0]].recipient_id == users[0] and started[ids[0]].data["url"] == "/orders/1"
    assert started[popups[1]].channel == "popup" and started[popups[1]].recipient_id == users[1]
    attempts = {n.id: (n.state, n.attempts) for n in rows(database)}
    assert attempts == {ids[0]: ("sending", 1), ids[1]: ("sending", 1), ids[2]: ("sending", 3), ids[3]: ("delivered", 0), popups[0]: ("delivered", 1), popups[1]: ("delivered", 2)}


def test_a_pop_up_that_could_not_be_pushed_records_its_try_then_its_delivery(database, clock, world, tmp_path):
    from gridcare.pubsub import RedisBroadcaster

    settings = notify_settings(database, tmp_path)
    with database.write() as session:
        (note_id,) = service.notify_user(session, now=clock.now(), user_id=world.user_id("rep"), event="order.dispatched", context={"number": "GD-1", "address": "五一大道", "description": "停电", "customer": "王芳"}, source=("order", 1), config=config(settings))
    down = RedisBroadcaster(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    make_worker(database, clock, settings, down).drain()
    (note,) = rows(database, id=note_id)
    assert (note.state, note.attempts, note.last_attempt_at is not None) == ("failed", 1, True) and "redis publish failed" in note.last_error
    clock.advance(timedelta(minutes=1))
    make_worker(database, clock, settings).drain()
    (note,) = rows(database, id=note_id)
    assert (note.state, note.attempts, note.last_error) == ("delivered", 2, None) and note.delivered_at == clock.now()
