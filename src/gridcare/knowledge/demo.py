"""Demo knowledge base: the questions a power and a water hotline hear most, written by the
electric company's expert and the water company's supervisor; one article past its review
date and one draft, so every state shows."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from gridcare.core.clock import Clock
from gridcare.db import Database

# (title, body, keywords, topic, utility); the water company's come last.
ELECTRIC = [
    ("居民阶梯电价怎么计算？", "居民生活用电实行年度阶梯电价，按年累计用电量分三档：\n第一档 0–2760 千瓦时，执行基础电价；\n第二档 2761–4800 千瓦时，每千瓦时加价 0.05 元；\n第三档 4800 千瓦时以上，每千瓦时加价 0.30 元。\n年度从每年 1 月 1 日起算。客户对分档有异议时，核对年度累计电量后如仍有疑问，转专家座席。",
     "电费怎么算, 阶梯电价, 分档, 电价", "电费电价", "electric"),
    ("家里突然停电了怎么办？", "先请客户确认：\n1. 邻居家是否也停电（判断是否为线路故障）；\n2. 家中漏电保护器（空开）是否跳闸，可尝试复位；\n3. 是否欠费停电（查询账户余额）。\n如为片区停电，先查系统中的停电公告，按公告答复预计恢复时间；无公告的，按故障报修派单，不得推诿。",
     "没电, 停电, 跳闸, 空开, 故障报修", "停电报修", "electric"),
    ("电表走得快，怀疑电能表不准怎么办？", "客户可申请电能表校验。受理后由计量人员在 5 个工作日内上门或送检。校验误差超出允许范围的，退补相应电费并免收校验费；在允许范围内的，按规定收取校验费。\n受理时记录表号、户号与客户联系电话。",
     "电表不准, 校表, 电能表校验, 计量", "计量", "electric"),
    ("怎么办理新装用电（低压居民）？", "低压居民新装需提供：户主身份证明、房屋产权证明或购房合同。可通过营业厅、网上国网 APP 或台区经理上门办理。\n受理后台区经理 1 个工作日内联系客户，具备条件的 3 个工作日内装表接电。",
     "报装, 新装, 开户, 接电, 业扩", "业扩报装", "electric"),
    ("计划停电会提前多久通知？", "计划检修停电应提前 7 天公告，临时检修停电提前 24 小时公告。公告通过短信、微信群、社区张贴等方式发布。\n客户可在系统停电公告中按地址或户号查询停电范围和时间。",
     "计划停电, 停电通知, 检修, 公告", "停电报修", "electric"),
    ("欠费停电后交了费多久恢复供电？", "客户结清欠费及违约金后，系统自动发起复电，一般 24 小时内恢复供电；远程费控表通常 2 小时内自动复电。\n超过时限未复电的，按故障报修派单给台区经理。",
     "复电, 交费后, 欠费停电, 恢复供电", "电费电价", "electric"),
    ("电压低、灯光闪烁怎么处理？", "先确认是单户还是多户现象。多户电压低的，派单给台区经理现场测量，必要时安排调整变压器分接头或负荷切改；单户的，提醒客户检查户内线路和大功率电器。\n须在工单中记录测量电压值。",
     "电压低, 灯闪, 电压不稳, 电能质量", "电能质量", "electric"),
]
WATER = [
    ("自来水发黄、有异味怎么办？", "请客户先放水 3–5 分钟观察。如仍发黄或有异味，停止饮用，登记地址和现象派单水质班组取样检测，并告知客户检测结果会电话回复。\n同一小区多户反映的，通知调度排查管网冲洗或爆管。",
     "水黄, 水质, 异味, 浑浊", "水质", "water"),
    ("家里水压低、没水了怎么办？", "先查系统停水公告（计划停水或抢修）。无公告的，询问是否整栋楼都没水：整栋楼的派单给网格员和二次供水班组；单户的，提醒客户检查户内阀门和水表前阀。",
     "没水, 水压低, 停水, 水小", "停水报修", "water"),
    ("水费怎么计算？", "居民用水实行阶梯水价，按年用水量分档：第一档 0–180 立方米，第二档 181–260 立方米，第三档 260 立方米以上。水费含自来水费和污水处理费。",
     "水费怎么算, 阶梯水价, 水价", "水费水价", "water"),
]


def load_demo(db: Database, clock: Clock, *, seed: int, progress: Any) -> None:
    from gridcare.auth import service as auth
    from gridcare.knowledge import service

    now, rng = clock.now(), random.Random(seed)
    with db.write() as session:
        writers = {utility: auth.find_user_by_login(session, login=login) for utility, login in (("electric", "expert"), ("water", "w_supervisor"))}
        done, total = 0, len(ELECTRIC) + len(WATER)
        for utility, articles in (("electric", ELECTRIC), ("water", WATER)):
            user = writers[utility]
            if user is None:
                continue
            actor = auth.principal_for(session, user=user, origin="demo")
            for n, (title, body, keywords, topic, article_utility) in enumerate(articles):
                # The second is a year old and past its review; the last is still a draft.
                written = now - timedelta(days=400) if n == 1 else now - timedelta(days=30 - n)
                article = service.write(session, actor=actor, now=written, title=title, body=body, keywords=keywords, topic=topic, utility=article_utility,
                                        status="draft" if n == len(articles) - 1 else "published")
                article.uses = rng.randint(0, 40) if article.status == "published" else 0
                done += 1
                progress("knowledge articles", done, total)
    _answered_on_calls(db, clock, rng)


# What this morning's callers asked that the agent answered at once (当场解答), from an article
# (title) or by hand (an answer typed): the articles list theirs, the answers typed show the
# writers what the base lacks, and the dashboard's share answered is not empty.
ANSWERED = [
    ("居民阶梯电价怎么计算？", "这个月电费比上个月多不少，问阶梯电价怎么算", ""),
    ("居民阶梯电价怎么计算？", "问第二档电价从多少度开始", ""),
    ("计划停电会提前多久通知？", "问计划停电一般提前几天通知", ""),
    (None, "想办峰谷分时电价，问怎么申请", "可在网上国网APP或营业厅申请峰谷分时电价，次月抄表日起执行。"),
    ("欠费停电后交了费多久恢复供电？", "刚在网上交完电费，问多久能来电", ""),
    (None, "问电动汽车充电桩报装要多久", "居民充电桩报装资料齐全后，台区经理1个工作日内联系，具备条件的5个工作日内装表接电。"),
    ("怎么办理新装用电（低压居民）？", "新房想开户装表，问需要带什么材料", ""),
]


def _answered_on_calls(db: Database, clock: Clock, rng: random.Random) -> None:
    from gridcare.auth import service as auth
    from gridcare.customers import service as customers
    from gridcare.knowledge import service
    from gridcare.workorders import service as orders

    now = clock.now()
    with db.write() as session:
        user = auth.find_user_by_login(session, login="agent")
        if user is None:
            return
        agent = auth.principal_for(session, user=user, origin="demo")
        callers, _ = customers.search(session, actor=agent, limit=200)
        # Every other caller lives in the demo rep's grids: their workbench tells them so.
        rep = auth.find_user_by_login(session, login="rep")
        reps_callers = customers.search(session, actor=auth.principal_for(session, user=rep, origin="demo"), limit=200)[0] if rep is not None else []
        titles = {hit.article.title: hit.article.id for hit in service.search(session, actor=agent, now=now, text="", limit=50)}
        for n, (title, question, answer) in enumerate(ANSWERED):
            if (title is not None and title not in titles) or not callers:
                continue
            caller = rng.choice(reps_callers if n % 2 == 0 and reps_callers else callers)
            intake = orders.Intake(category="consultation", channel="hotline", customer_id=caller.id, description=question, answer=answer,
                                   knowledge_article_id=titles[title] if title is not None else None)
            orders.create_order(session, actor=agent, now=now - timedelta(minutes=25 * (len(ANSWERED) - n)), intake=intake)
