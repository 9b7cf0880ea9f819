"""The knowledge base over REST and its pages: written by experts and supervisors for their
company, found by agents in the caller's words, kept in scope, reviewed, retired, written from
an expert's answer, imported from and exported to a spreadsheet."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from gridcare.knowledge.models import Article
from tests.contractors.world import as_user

TARIFF = {"title": "居民阶梯电价怎么计算？", "body": "居民生活用电按年累计电量分三档。\n第一档 0–2760 千瓦时执行基础电价。", "keywords": "电费怎么算，分档", "topic": "电费电价", "utility": "electric"}
OUTAGE = {"title": "家里突然停电了怎么办？", "body": "先确认邻居家是否也停电，再看空开是否跳闸；片区停电查停电公告。", "keywords": "没电, 跳闸", "topic": "停电报修", "utility": "electric"}


def write(client, headers, article, **extra):
    made = client.post("/api/v1/knowledge", json=article | extra, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


def titles(client, **params):
    answer = client.get("/api/v1/knowledge", params=params)
    assert answer.status_code == 200, answer.text
    return [a["title"] for a in answer.json()]


def count(database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count(Article.id)))


def test_an_agent_finds_the_experts_article_in_the_callers_words_and_it_stays_in_its_company(client, world):
    expert = as_user(client, "expert")
    tariff = write(client, expert, TARIFF)
    write(client, expert, OUTAGE)
    assert (tariff["status"], tariff["keywords"], tariff["review"]) == ("published", ["电费怎么算", "分档"], "")

    as_user(client, "agent")
    found = client.get("/api/v1/knowledge", params={"q": "电费到底怎么算的"}).json()
    assert [a["title"] for a in found] == [TARIFF["title"]]
    assert found[0]["score"] > 0 and found[0]["passage"]["before"].startswith("居民生活用电")  # a keyword matched: the text from its start
    passage = client.get("/api/v1/knowledge", params={"q": "基础电价是多少"}).json()[0]["passage"]
    assert (passage["match"], passage["after"], passage["cut_before"]) == ("基础电价", "。", False)
    assert titles(client, q="没电了") == [OUTAGE["title"]]  # a keyword, not in the text
    assert titles(client, q="燃气") == []
    assert client.get(f"/api/v1/knowledge/{tariff['id']}").json()["body"] == TARIFF["body"]

    as_user(client, "rep")  # below the company: its articles serve them
    assert set(titles(client)) == {TARIFF["title"], OUTAGE["title"]}
    as_user(client, "viewer")  # above it, at the group
    assert len(titles(client)) == 2
    as_user(client, "w_agent")  # the water company
    assert titles(client, q="电费") == []
    assert client.get(f"/api/v1/knowledge/{tariff['id']}").status_code == 404
    as_user(client, "contractor")
    refused = client.get("/api/v1/knowledge")
    assert refused.status_code == 403 and "knowledge base" in refused.json()["detail"]


def test_ranking_prefers_the_title_then_the_article_that_answered_more_calls(client, world):
    expert = as_user(client, "expert")
    in_body = write(client, expert, {"title": "营业厅办理业务须知", "body": "办理过户需带身份证和房产证。"})
    in_title = write(client, expert, {"title": "怎么办理过户？", "body": "带上证件到营业厅。"})
    twin = write(client, expert, {"title": "过户要带什么？", "body": "身份证、房产证。"})
    order = [a["id"] for a in client.get("/api/v1/knowledge", params={"q": "过户"}).json()]
    assert order[-1] == in_body["id"] and set(order[:2]) == {in_title["id"], twin["id"]}

    agent = as_user(client, "agent")
    for _ in range(2):
        assert client.post(f"/api/v1/knowledge/{in_title['id']}/uses", headers=agent).status_code == 200
    assert client.post(f"/api/v1/knowledge/{in_title['id']}/uses", headers=agent).json() == {"uses": 3}
    assert [a["id"] for a in client.get("/api/v1/knowledge", params={"q": "过户"}).json()] == [in_title["id"], twin["id"], in_body["id"]]
    assert client.get("/api/v1/knowledge").json()[0]["id"] == in_title["id"]  # no words: most used first


def test_drafts_and_retired_articles_are_the_writers_alone_and_only_who_keeps_the_node_changes_one(client, world, clock):
    expert = as_user(client, "expert")
    draft = write(client, expert, TARIFF, status="draft")
    as_user(client, "agent")
    assert titles(client) == [] and client.get(f"/api/v1/knowledge/{draft['id']}").status_code == 404
    assert client.post(f"/api/v1/knowledge/{draft['id']}/uses", headers=as_user(client, "agent")).status_code == 404

    expert = as_user(client, "expert")
    assert client.post(f"/api/v1/knowledge/{draft['id']}/uses", headers=expert).json()["errors"][0]["field"] == "article_id"
    published = client.post(f"/api/v1/knowledge/{draft['id']}/status", json={"status": "published"}, headers=expert).json()
    assert published["status"] == "published"
    as_user(client, "agent")
    assert titles(client) == [TARIFF["title"]]

    admin = as_user(client, "admin")
    group_wide = write(client, admin, OUTAGE | {"utility": None})
    supervisor = as_user(client, "supervisor")  # the electric company's, below the group
    above = client.put(f"/api/v1/knowledge/{group_wide['id']}", json=OUTAGE, headers=supervisor)
    assert above.status_code == 403 and "above your organisation" in above.json()["detail"]
    w_supervisor = as_user(client, "w_supervisor")
    assert client.put(f"/api/v1/knowledge/{draft['id']}", json=TARIFF, headers=w_supervisor).status_code == 404
    assert client.post("/api/v1/knowledge", json=TARIFF, headers=as_user(client, "agent")).status_code == 403

    supervisor = as_user(client, "supervisor")
    clock.advance(timedelta(days=10))
    revised = client.put(f"/api/v1/knowledge/{draft['id']}", json=TARIFF | {"body": "第一档 0–2760 千瓦时。"}, headers=supervisor).json()
    assert (revised["body"], revised["updated_by"]) == ("第一档 0–2760 千瓦时。", "supervisor")
    assert datetime.fromisoformat(revised["review_by"]) == clock.now() + timedelta(days=365)  # read again: a year on
    retired = client.post(f"/api/v1/knowledge/{draft['id']}/status", json={"status": "retired"}, headers=supervisor).json()
    assert retired["status"] == "retired"
    assert TARIFF["title"] not in titles(client) and titles(client, status="retired") == [TARIFF["title"]]
    as_user(client, "agent")  # asks for the retired, is shown what it reads: the published
    assert titles(client, status="retired") == [OUTAGE["title"]]


def test_a_group_wide_draft_is_its_writers_until_published_then_every_company_reads_it(client, world):
    admin = as_user(client, "admin")
    draft = write(client, admin, OUTAGE | {"utility": None}, status="draft")
    for login in ("supervisor", "expert", "agent"):  # the electric company's, below the group
        as_user(client, login)
        assert titles(client, status="draft") == [] and client.get(f"/api/v1/knowledge/{draft['id']}").status_code == 404, login
        assert f"/knowledge/{draft['id']}" not in client.get("/knowledge").text
    admin = as_user(client, "admin")
    assert titles(client, status="draft") == [OUTAGE["title"]]
    assert client.post(f"/api/v1/knowledge/{draft['id']}/status", json={"status": "published"}, headers=admin).status_code == 200
    for login in ("supervisor", "w_supervisor", "agent"):
        as_user(client, login)
        assert titles(client) == [OUTAGE["title"]], login


def test_bad_articles_are_refused_naming_the_field_and_nothing_is_written(client, world, clock):
    expert = as_user(client, "expert")
    blank = client.post("/api/v1/knowledge", json={"title": " ", "body": "x"}, headers=expert)
    assert blank.status_code == 422 and [e["field"] for e in blank.json()["errors"]] == ["title"]
    past = client.post("/api/v1/knowledge", json=TARIFF | {"review_by": (clock.now() - timedelta(days=1)).isoformat()}, headers=expert)
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "review_by"
    wrong = client.post("/api/v1/knowledge", json=TARIFF | {"utility": "gas"}, headers=expert)
    assert wrong.status_code == 422 and "utility" in wrong.text
    long = client.post("/api/v1/knowledge", json=TARIFF | {"title": "问" * 201}, headers=expert)
    assert long.status_code == 422 and "title" in long.text
    bad_status = client.post("/api/v1/knowledge/1/status", json={"status": "gone"}, headers=expert)
    assert bad_status.status_code == 422 and "status" in bad_status.text
    assert count(client.app.state.gridcare.db) == 0


def test_an_article_due_for_review_is_flagged_and_counted_on_its_writers_workbench(client, world, clock):
    expert = as_user(client, "expert")
    soon = write(client, expert, TARIFF, review_by=(clock.now() + timedelta(days=10)).isoformat())
    assert soon["review"] == "soon"
    clock.advance(timedelta(days=11))
    assert client.get(f"/api/v1/knowledge/{soon['id']}").json()["review"] == "overdue"
    assert [a["id"] for a in client.get("/api/v1/knowledge", params={"due": "true"}).json()] == [soon["id"]]
    tiles = {t["key"]: t for t in client.get("/api/v1/workbench").json()["tiles"]}
    assert (tiles["knowledge.review"]["count"], tiles["knowledge.review"]["tone"], tiles["knowledge.review"]["href"]) == (1, "warn", "/knowledge?due=true")
    as_user(client, "w_supervisor")  # another company's writer keeps none of it
    assert {t["key"]: t["count"] for t in client.get("/api/v1/workbench").json()["tiles"]}["knowledge.review"] == 0
    as_user(client, "agent")
    assert "knowledge.review" not in {t["key"] for t in client.get("/api/v1/workbench").json()["tiles"]}

    expert = as_user(client, "expert")
    client.put(f"/api/v1/knowledge/{soon['id']}", json=TARIFF, headers=expert)  # read again: a year on
    assert client.get(f"/api/v1/knowledge/{soon['id']}").json()["review"] == ""


def test_an_experts_answer_becomes_an_article_linked_from_its_order(client, world, database):
    from gridcare.workorders.models import WorkOrder

    agent = as_user(client, "agent")
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001", "description": "客户问阶梯电价分档"}, headers=agent)
    assert made.status_code == 201, made.text
    order_id = made.json()["id"]
    asked = client.post(f"/api/v1/work-orders/{order_id}/questions", json={"question": "客户问：阶梯电价  第二档从多少度开始？"}, headers=agent)
    assert asked.status_code == 201, asked.text
    question_id = asked.json()["id"]

    expert = as_user(client, "expert")
    assert client.get(f"/api/v1/knowledge/from-question/{question_id}").json()["errors"][0]["field"] == "question_id"  # no answer yet
    client.post(f"/api/v1/expert-questions/{question_id}/answer", json={"answer": "第二档从年用电 2761 千瓦时开始。"}, headers=expert)
    start = client.get(f"/api/v1/knowledge/from-question/{question_id}").json()
    assert (start["title"], start["body"], start["question_id"]) == ("客户问：阶梯电价 第二档从多少度开始？", "第二档从年用电 2761 千瓦时开始。", question_id)
    page = client.get(f"/orders/{order_id}").text
    assert f'href="/knowledge/new?question={question_id}"' in page

    article = write(client, expert, {k: v for k, v in start.items() if k != "utility"})
    assert article["question_id"] == question_id
    assert f'href="/knowledge/{article["id"]}"' in client.get(f"/orders/{order_id}").text
    as_user(client, "agent")  # reads it, may not write one
    assert f'href="/knowledge/{article["id"]}"' in client.get(f"/orders/{order_id}").text
    assert client.get(f"/api/v1/knowledge/from-question/{question_id}").status_code == 403
    with database.read() as session:
        assert session.get(WorkOrder, order_id) is not None


def test_a_spreadsheet_imports_every_row_or_none_and_exports_what_it_reads_back(client, world, database):
    expert = as_user(client, "expert")
    sheet = "标题,答案,关键词,分类,专业\n居民阶梯电价怎么计算？,按年累计电量分三档。,电费怎么算,电费电价,电\n自来水发黄怎么办？,先放水三分钟。,水黄,水质,供水\n"
    imported = client.post("/api/v1/knowledge/import", files={"file": ("faq.csv", sheet.encode("gbk"), "text/csv")}, headers=expert)
    assert imported.status_code == 201 and imported.json() == {"imported": 2}, imported.text
    assert {a["title"]: a["utility"] for a in client.get("/api/v1/knowledge").json()} == {"居民阶梯电价怎么计算？": "electric", "自来水发黄怎么办？": "water"}

    bad = "title,body,utility\n好的问题,好的答案,\n,没有标题的答案,\n坏的专业,答案,gas\n"
    refused = client.post("/api/v1/knowledge/import", files={"file": ("faq.csv", bad.encode(), "text/csv")}, headers=expert)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["line 4, utility"]
    blank_title = client.post("/api/v1/knowledge/import", files={"file": ("faq.csv", "title,body\n好的问题,好的答案\n,没有标题\n".encode(), "text/csv")}, headers=expert)
    assert [e["field"] for e in blank_title.json()["errors"]] == ["line 3, title"]
    no_columns = client.post("/api/v1/knowledge/import", files={"file": ("faq.csv", b"question,reply\na,b\n", "text/csv")}, headers=expert)
    assert no_columns.status_code == 422 and no_columns.json()["errors"][0]["field"] == "file"
    assert count(database) == 2

    exported = client.get("/api/v1/knowledge/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith("\ufeff".encode()) and "自来水发黄怎么办？" in exported.content.decode("utf-8-sig")
    again = client.post("/api/v1/knowledge/import", files={"file": ("back.csv", exported.content, "text/csv")}, headers=expert)
    assert again.json() == {"imported": 2} and count(database) == 4


def test_pages_search_mark_the_match_escape_the_text_and_refuse_with_the_fields_name(client, world):
    expert = as_user(client, "expert")
    hostile = write(client, expert, {"title": "<script>alert(1)</script>停电怎么办", "body": "先看空开 <b>是否</b> 跳闸。\n再查停电公告。"})
    page = client.get("/knowledge", params={"q": "停电"})
    assert page.status_code == 200 and "<mark>停电</mark>" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    article = client.get(f"/knowledge/{hostile['id']}").text
    assert "&lt;b&gt;是否&lt;/b&gt;" in article and "<b>是否</b>" not in article
    assert 'value="revise"' not in article and f'href="/knowledge/{hostile["id"]}/edit"' in article

    fragment = client.get("/knowledge/search", params={"q": "跳闸", "limit": "3"})
    assert fragment.status_code == 200 and 'data-count="1"' in fragment.text and "<html" not in fragment.text
    assert 'data-count="0"' in client.get("/knowledge/search", params={"q": " "}).text
    # Under a rep's question to the experts: the form's own field, the order's utility.
    electric = write(client, expert, TARIFF)
    under_question = client.get("/knowledge/search", params={"question": "第二档电价怎么算", "utility": "electric"})
    assert f'data-article="{electric["id"]}"' in under_question.text
    assert 'data-count="0"' in client.get("/knowledge/search", params={"question": "第二档电价怎么算", "utility": "water"}).text

    refused = client.post("/knowledge", data={"title": "", "body": "答案", "action": "publish"}, headers=expert)
    assert refused.status_code == 303 and "error=" in refused.headers["location"]
    shown = client.get(refused.headers["location"]).text
    assert "title" in shown or "标题" in shown
    made = client.post("/knowledge", data={"title": "营业厅几点开门？", "body": "工作日 8:30–17:30。", "keywords": "营业时间", "review_by": "2030-01-31", "action": "draft"}, headers=expert)
    article_id = int(re.search(r"/knowledge/(\d+)$", made.headers["location"]).group(1))
    assert client.get(f"/api/v1/knowledge/{article_id}").json()["status"] == "draft"
    bad_day = client.post(f"/knowledge/{article_id}/do", data={"action": "revise", "title": "x", "body": "y", "review_by": "2030-02-31"}, headers=expert)
    assert "review_by" in client.get(bad_day.headers["location"]).text
    client.post(f"/knowledge/{article_id}/do", data={"action": "publish"}, headers=expert)
    agent = as_user(client, "agent")
    used = client.post(f"/knowledge/{article_id}/do", data={"action": "used"}, headers=agent)
    assert used.headers["location"].endswith("?used=1") and client.get(f"/api/v1/knowledge/{article_id}").json()["uses"] == 1
    assert client.get("/knowledge/new").status_code == 403
    console = client.get("/calls").text
    assert 'hx-get="/knowledge/search"' in console
    english = client.get("/knowledge", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_the_cli_imports_with_a_progress_bar_and_exports(world, database, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import gridcare.knowledge.cli  # noqa: F401
    from gridcare.cli import app
    from gridcare.config import get_settings

    monkeypatch.setenv("GRIDCARE_DATABASE_URL", database.url)
    monkeypatch.setenv("GRIDCARE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    sheet = tmp_path / "faq.csv"
    sheet.write_text("title,body,topic\n家里没水了怎么办？,先查停水公告。,停水\n水费怎么算？,阶梯水价。,水费\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["knowledge", "import", str(sheet)])
    assert done.exit_code == 0, done.output
    assert "2" in done.output and count(database) == 2
    broken = tmp_path / "broken.csv"
    broken.write_bytes("title,body\n没有答案的问题,\n".encode())
    refused = runner.invoke(app, ["knowledge", "import", str(broken)])
    assert refused.exit_code == 1 and "line 2, body" in refused.output and count(database) == 2
    out = tmp_path / "out.csv"
    exported = runner.invoke(app, ["knowledge", "export", str(out)])
    assert exported.exit_code == 0 and "2" in exported.output
    assert "家里没水了怎么办？" in out.read_text(encoding="utf-8-sig")
    get_settings.cache_clear()


def test_the_index_finds_what_reading_every_articles_text_would_and_follows_revisions(world, database, clock):
    import random

    from gridcare.knowledge import rules, service

    rng = random.Random(7)
    words = ["停电", "电费", "跳闸", "水压", "阶梯", "电价", "报装", "复电", "水质", "抄表", "缴费", "营业厅"]
    expert, now = world.principal("expert"), clock.now()
    with database.write() as session:
        made = [service.write(session, actor=expert, now=now, title="".join(rng.sample(words, 2)), body="，".join(rng.choices(words, k=6)), keywords=rng.choice(words)) for _ in range(40)]
        texts = [(a.id, a.title, a.keywords, a.body, a.uses) for a in made]
        old_title = made[0].title
    with database.read() as session:
        for question in ["家里停电了", "电费怎么算", "跳闸复电", "营业厅在哪", "抄表缴费阶梯电价"]:
            expected = rules.ranked(rules.query(question), texts, limit=10)
            found = [(h.article.id, h.score) for h in service.search(session, actor=expert, text=question, limit=10)]
            assert found == expected and found, question
    with database.write() as session:
        service.revise(session, actor=expert, now=now, article_id=made[0].id, title="燃气泄漏怎么办", body="立即关阀开窗。")
    with database.read() as session:
        assert [h.article.id for h in service.search(session, actor=expert, text="燃气泄漏")] == [made[0].id]
        assert made[0].id not in {h.article.id for h in service.search(session, actor=expert, text=old_title)}  # its old words left the index


def test_a_latin_word_finds_the_articles_holding_it_as_the_start_of_a_longer_one(world, database, clock):
    from gridcare.knowledge import service

    expert, now = world.principal("expert"), clock.now()
    with database.write() as session:
        meters = service.write(session, actor=expert, now=now, title="Smart meters: when are they read?", body="Each smart meter reports hourly.", keywords="AMI")
        metering = service.write(session, actor=expert, now=now, title="电能计量", body="Net metering for rooftop PV 光伏上网", keywords="")
        service.write(session, actor=expert, now=now, title="Submetering in apartment blocks", body="Ask the landlord.", keywords="")
    with database.read() as session:
        def found(text):
            return [h.article.id for h in service.search(session, actor=expert, text=text)]

        assert found("METER") == [meters.id, metering.id]  # the title weighs most; "submetering" does not start with it
        assert found("metering") == [metering.id]
        assert found("PV") == [metering.id] and found("pvx") == []
        assert service.search(session, actor=expert, text="meter")[0].passage.match.lower() == "meter"
