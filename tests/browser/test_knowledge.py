"""The knowledge base in a real browser: an expert answers a rep's question and writes it up
from the expert queue; an agent on the console finds it by typing the caller's words, with the
match marked and stored markup shown as text; a rep about to ask the same again is shown it
under the question."""

import pytest
from tests.support.browser import sign_in

from gridcare.knowledge import service as knowledge
from gridcare.workorders import service as orders
from gridcare.workorders import support

pytestmark = pytest.mark.browser


def test_an_experts_answer_becomes_an_article_the_agent_finds_on_the_console(browser, site, sqlite_database, clock, world_on, screenshot_dir):
    with sqlite_database.write() as session:
        order = orders.create_order(session, actor=world_on.principal("agent"), now=clock.now(), intake=orders.Intake(category="repair", channel="hotline", account="E001", description="客户问电价")).order
        support.ask_expert(session, actor=world_on.principal("agent"), now=clock.now(), order_id=order.id, question="阶梯电价第二档从多少度开始？")
        knowledge.write(session, actor=world_on.principal("expert"), now=clock.now(), title="家里停电了怎么办？", body="先看空开<b>是否</b>跳闸，再查停电公告。", keywords="没电", topic="停电报修")

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, site, "expert")
    page.goto(site + "/experts")
    page.wait_for_selector(".kb-similar ol.kb-hits")  # loaded beside the question, empty so far
    page.fill("textarea[name=answer]", "第二档从年用电 2761 千瓦时开始，每千瓦时加价 0.05 元。")
    page.check("input[name=to_knowledge]")
    page.click("form.stack button.primary")
    page.wait_for_url("**/knowledge/new?question=*")
    assert page.input_value("input[name=title]") == "阶梯电价第二档从多少度开始？"
    assert "2761" in page.input_value("textarea[name=body]")
    page.fill("input[name=keywords]", "电费怎么算, 分档")
    page.fill("input[name=topic]", "电费电价")
    page.click("#article-form button[value=publish]")
    page.wait_for_selector("#article-body")
    assert "2761" in page.inner_text("#article-body")
    context.close()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, site, "agent")
    page.goto(site + "/calls")
    page.fill("#kb-console input[name=q]", "电费怎么算的")
    page.wait_for_selector("#kb-console-hits .kb-hit")
    assert "阶梯电价第二档从多少度开始？" in page.inner_text("#kb-console-hits")
    page.fill("#kb-console input[name=q]", "没电了")
    page.wait_for_function("document.querySelector('#kb-console-hits').innerText.includes('家里停电了怎么办')")
    page.fill("#kb-console input[name=q]", "是否跳闸")
    page.wait_for_selector("#kb-console-hits mark")  # a keyword's hit marks nothing: these are this query's
    assert page.inner_text("#kb-console-hits mark") == "跳闸"
    passage = page.inner_text("#kb-console-hits .kb-passage")
    assert "<b>是否</b>" in passage  # the stored markup is text, not bold
    assert page.locator("#kb-console-hits b").count() == 0
    page.screenshot(path=str(screenshot_dir / "knowledge-console.png"), full_page=True)
    page.goto(site + "/knowledge?q=第二档加价多少")
    page.screenshot(path=str(screenshot_dir / "knowledge-search.png"), full_page=True)
    assert page.locator(".kb-hit mark").count() >= 1
    context.close()

    # The rep, about to ask the experts the same again, is shown the answer under the question.
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, site, "rep")
    page.goto(f"{site}/orders/{order.id}")
    page.click("#popup-ack")  # the order's dispatch pop-up
    page.fill("textarea[name=question]", "第二档电价从多少度开始算")
    page.wait_for_selector("#kb-before-asking .kb-hit")
    assert "阶梯电价第二档从多少度开始？" in page.inner_text("#kb-before-asking")
    label = "getComputedStyle(document.querySelector('#kb-before-asking'), '::before').content"
    assert page.evaluate(label) == '"知识库里可能已有答案："'
    page.locator(".card:has(#kb-before-asking)").screenshot(path=str(screenshot_dir / "knowledge-before-asking.png"))
    page.fill("textarea[name=question]", "燃气表漏气")
    page.wait_for_function("!document.querySelector('#kb-before-asking .kb-hit')")
    assert page.evaluate(label) == "none" and not page.is_visible("#kb-before-asking li")
    assert errors == []
    context.close()
