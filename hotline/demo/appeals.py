"""Demo appeals in every state, produced by performing the real actions as the real
accounts at simulated past times, so every event log is true."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import undefer

from hotline.appeals.engine import perform
from hotline.appeals.intake import create_appeal
from hotline.appeals.models import Appeal
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core.clock import local_zone
from hotline.core.extensions import db
from hotline.core.fulltext import terms
from hotline.core.validation import CREDIT_CODE_CHARS, credit_code_check_char
from hotline.core.vocabulary import GOOD_RATINGS, POOR_RATINGS
from hotline.demo.texts import STREET_ADDRESSES, SURNAMES, TEXTS
from hotline.grid.geo import geometry_from_geojson, placement
from hotline.grid.models import Unit
from hotline.grid.responsibility import BELOW_DEPARTMENTS, suggest
from hotline.hotspots.operations import week_of
from hotline.knowledge import operations as knowledge
from hotline.knowledge.models import KnowledgeEntry
from hotline.reports.operations import rate
from hotline.reports.operations import submit as submit_report

# How many appeals end in each state (300 in all, with the repeats and the hot spot's seven
# below, of which three are dispatched and four in hand).
PLAN = [
    ("accepted", 20),
    ("dispatched", 23),
    ("returning", 4),
    ("handling", 42),
    ("supervised", 16),
    ("paused", 4),
    ("replied", 25),
    ("revisiting", 30),
    ("auditing", 20),
    ("evaluated", 80),
    ("voided", 10),
    ("merged", 10),
]
OPEN_TARGETS = ("accepted", "dispatched", "handling", "supervised")
# Duplicates besides the merged ones: second callers still waiting in the 待派单 queue beside
# the open appeal they repeat (for the operator to merge), and callers about a problem that
# was closed and came back (linked as 重复件 and sent out again).
WAITING_REPEATS = 4
LINKED_REPEATS = 5
# 未诉先办: potholes called in from one grid of 太原街街道 seven times last week.
HOT_SPOT = ("010201", "210102001001001", 7)
# People who call the hotline again and again (来电历史 shows their earlier appeals).
REGULAR_CALLERS = 12
REGULAR_SHARE = 0.15

VISIT_ATTEMPTS = 3  # HOTLINE_VISIT_ATTEMPTS' default: calls before 未联系上
CITIZEN = "citizen"  # a step the citizen takes (好差评 on the tracking page)
# Why units ask to pause (挂起/缓办).
PAUSE_REASONS = (
    ("等待市民", "市民外出务工，约定返回后现场查看"),
    ("季节天气", "冬季低温无法施工，待气温回升后维修"),
    ("司法程序", "涉及房屋产权纠纷，已进入诉讼程序，待法院判决"),
    ("行政程序", "需待区规划部门出具审批意见"),
)
# Typical hours each action takes after the previous one.
TYPICAL_HOURS = {
    "dispatch": 0.5,
    "redispatch": 3,
    "return": 0.5,
    "approve_return": 1.5,
    "reject_return": 1.5,
    "sign": 3,
    "contact": 8,
    "supervise": 30,
    "request_extension": 48,
    "approve_extension": 5,
    "request_pause": 30,
    "approve_pause": 4,
    "resume": 72,
    "reply": 72,
    "reject_reply": 10,
    "approve_reply": 6,
    "visit": 20,
    "rate": 10,
    "audit": 24,
    "contest": 20,
    "uphold_contest": 24,
    "answer": 0.2,
    "void": 0.5,
    "merge": 0.5,
    "link_repeat": 0.2,
}
# How long an appeal may already have sat in its final state, in days.
IDLE_DAYS = {
    "accepted": 0.1,
    "dispatched": 1.5,
    "returning": 0.2,
    "handling": 8,
    "supervised": 4,
    "paused": 5,
    "replied": 2,
    "revisiting": 1.5,
    "auditing": 3,
    "evaluated": 25,
    "voided": 20,
    "merged": 10,
}


@dataclass
class Step:
    action: str
    actor: str
    body: dict = field(default_factory=dict)


@dataclass
class Script:
    """One demo appeal: what is recorded, what is done to it and when."""

    data: dict
    steps: list[Step]
    moments: list[datetime]  # creation, then one per step
    target: str
    master: Script | None = None  # for a repeat, the appeal it is merged into
    appeal: Appeal | None = None


def credit_code(rng: random.Random) -> str:
    """A random 统一社会信用代码 with a correct check character."""
    body = "91" + "210102" + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
    return body + credit_code_check_char(body)


class DemoAppeals:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.units = {u.code: u for u in db.session.scalars(select(Unit).options(undefer(Unit.boundary)))}
        self.units_by_id = {u.id: u for u in self.units.values()}
        self.users = {u.username: u for u in db.session.scalars(select(User))}
        self.leaves = {c.code: c for c in db.session.scalars(select(Category).where(Category.level == 3))}
        self.regulars = [
            (rng.choice(SURNAMES) + rng.choice(("先生", "女士", "大爷", "阿姨")), f"13{rng.randrange(10**9):09d}")
            for _ in range(REGULAR_CALLERS)
        ]
        # Requests some handling appeals end on, waiting for a decision above the unit.
        self.waiting_for_centre = ["long_cycle", "pause", "long_cycle", "pause"]

    # ---------------------------------------------------------------- the appeal itself

    def _place(self) -> tuple[str, float, float]:
        """An address in a demo street and a point inside one of that street's grids."""
        street_code, patterns = self.rng.choice(list(STREET_ADDRESSES.items()))
        street = self.units[street_code]
        grid = self.rng.choice([u for u in self.units.values() if u.level == "grid" and street.is_ancestor_of(u)])
        lat, lon = self._point_in(grid)
        return self.rng.choice(patterns).format(n=self.rng.randint(1, 300)), lat, lon

    def _point_in(self, grid: Unit) -> tuple[float, float]:
        west, south, east, north = geometry_from_geojson(grid.boundary).bounds
        lon = self.rng.uniform(west + (east - west) * 0.05, east - (east - west) * 0.05)
        lat = self.rng.uniform(south + (north - south) * 0.05, north - (north - south) * 0.05)
        return lat, lon

    def _citizen(self) -> dict:
        rng = self.rng
        if rng.random() < REGULAR_SHARE:
            name, phone = rng.choice(self.regulars)
            return {"citizen_name": name, "citizen_phone": phone}
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        if rng.random() < 0.04:
            return {"is_anonymous": True, "citizen_phone": phone if rng.random() < 0.5 else None}
        return {
            "citizen_name": rng.choice(SURNAMES) + rng.choice(("先生", "女士")),
            "citizen_phone": phone,
            "is_confidential": rng.random() < 0.05,
        }

    def _new_data(self) -> tuple[dict, str]:
        """The appeal as the operator records it, and the text of its result."""
        rng = self.rng
        code = rng.choice(sorted(TEXTS))
        kind, title, content, result = rng.choice(TEXTS[code])
        address, lat, lon = self._place()
        data = {
            "type": kind,
            "category": code,
            "title": title,
            "content": content.format(place=address),
            "address": address,
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            **self._citizen(),
        }
        if code in ("010202", "100301") or rng.random() < 0.03:
            data["urgency"] = "紧急"
        if code.startswith(("01", "05")) and rng.random() < 0.4:
            data["channel"] = "随手拍"  # a citizen's photo report from the street
        elif code.startswith("04") and rng.random() < 0.3:  # 110 hands over what is not police work
            data.update(channel="110转入", police_incident=self._incident(), police_desk="110指挥中心非警务席")
        elif rng.random() < 0.01:  # 110 or 12345? held by the centre meanwhile
            data.update(held_first=True, police_incident=self._incident())
        elif code.startswith("09"):
            data.update(
                is_enterprise=True,
                enterprise_credit_code=credit_code(rng),
                enterprise_name=f"沈阳{rng.choice('华盛恒瑞鑫源宏达兴')}{rng.choice('科技电子商贸机械')}有限公司",
            )
        return {k: v for k, v in data.items() if v is not None}, result

    def _incident(self) -> str:
        """A 110 incident number (警情编号) as the police system writes them."""
        return f"J{self.now:%Y%m%d}{self.rng.randint(0, 99999):05d}"

    # ---------------------------------------------------------------- the path

    def _place_of(self, data: dict) -> Unit:
        """The area the demo's point lies in (every demo point is inside the demo's grids)."""
        unit_id = placement(data["lon"], data["lat"]).unit_id
        assert unit_id is not None, "demo points lie in the demo geography"
        return self.units_by_id[unit_id]

    def _candidates(self, category: Category, data: dict) -> list[Unit]:
        """Where the dispatcher may send it: the 确责 suggestions for the place, keeping a
        department's duty away from streets and below."""
        place_unit = self._place_of(data)
        suggestions, _ = suggest(category, place_unit)
        units = [s.unit for s in suggestions]
        if suggestions and suggestions[0].rule.is_department_duty:
            units = [u for u in units if not (u.is_area and u.level in BELOW_DEPARTMENTS)]
        return units or [self.units[place_unit.code_at("street")]]

    def _knowledge_for(self, data: dict) -> KnowledgeEntry | None:
        """The knowledge-base entry an operator would answer this 咨询 with: the best match
        for its place, if its title shares at least three words with the appeal's."""
        found = knowledge.suggestions(data["title"], self._place_of(data).id, self.users["operator"], limit=1)
        if found and len(set(terms(found[0].title)) & set(terms(data["title"]))) >= 3:
            return found[0]
        return None

    @staticmethod
    def _return_step(unit: Unit) -> Step:
        basis = {"basis": "依据《沈阳市12345确责清单》相关条目"}
        return Step("return", f"u{unit.code}", {"reason": "该事项不属于本单位职责", **basis})

    def _missed_call(self) -> Step:
        result = self.rng.choices(("未接通", "拒接"), (80, 20))[0]
        return Step("visit", "visitor", {"reached": False, "call_result": result, "note": "改时段再拨"})

    def _pause_steps(self, handler: str, resumed: bool) -> list[Step]:
        kind, reason = self.rng.choice(PAUSE_REASONS)
        resume_on = (self.now + timedelta(days=self.rng.randint(3, 20))).astimezone(local_zone()).date()
        request = Step("request_pause", handler, {"kind": kind, "reason": reason, "resume_on": resume_on.isoformat()})
        steps = [request, Step("approve_pause", "supervisor", {"note": "情况属实，同意挂起"})]
        return [*steps, Step("resume", handler, {"note": "条件具备，恢复办理"})] if resumed else steps

    def _plan(self, target: str, category: Category, data: dict, result: str) -> list[Step]:
        rng = self.rng
        kind = data["type"]
        if target == "accepted":
            return []
        if target == "voided":
            reason = rng.choice(("无效诉求", "转110", "不予受理"))
            if reason == "转110":  # put through to 110, with its desk's receipt
                handover = {"police_desk": f"110指挥中心{rng.randint(1, 12)}号席", "police_incident": self._incident()}
                return [
                    Step("void", "dispatcher", {"reason": reason, **handover, "note": "涉及治安警情，已三方通话转110"})
                ]
            return [Step("void", "dispatcher", {"reason": reason, "note": "经核实不属于12345受理范围"})]
        answered = kind == "咨询" and target in ("revisiting", "auditing", "evaluated") and rng.random() < 0.5
        steps: list[Step] = []
        if answered:
            entry = self._knowledge_for(data)
            steps.append(Step("answer", "operator", {"knowledge_entry_id": entry.id} if entry else {"reply": result}))
        else:
            candidates = self._candidates(category, data)
            unit = candidates[1] if len(candidates) > 1 and rng.random() < 0.15 else candidates[0]
            steps.append(Step("dispatch", "dispatcher", {"unit_id": unit.id}))
            if target != "returning" and rng.random() < 0.12:
                steps.append(self._return_step(unit))
                if rng.random() < 0.3:  # the centre holds the unit to it (驳回退单)
                    basis = {"basis": "依据《沈阳市12345确责清单》，该事项由属地街道负责"}
                    steps.append(Step("reject_return", "dispatcher", {"reason": "属于本单位职责范围", **basis}))
                else:
                    steps.append(Step("approve_return", "dispatcher", {"note": "退单理由成立"}))
                    others = [u for u in candidates if u is not unit] or [self.units[unit.code_at("district")]]
                    unit = others[0]
                    steps.append(Step("dispatch", "dispatcher", {"unit_id": unit.id, "note": "按确责清单重新派单"}))
            if unit.is_area and unit.level == "street" and rng.random() < 0.4:
                # To the community or grid where the problem is.
                place = self._place_of(data)
                child = self.units[place.code_at(rng.choice(("community", "grid")))]
                steps.append(Step("redispatch", f"u{unit.code}", {"unit_id": child.id}))
                unit = child
            if target == "dispatched":
                return steps
            if target == "returning":  # waiting for whoever dispatched it to decide
                return [*steps, self._return_step(unit)]
            handler = f"u{unit.code}"
            signed = not (target == "supervised" and rng.random() < 0.3)
            if signed:
                steps.append(Step("sign", handler))
                if rng.random() < 0.85:  # most units call the citizen back (响应)
                    steps.append(
                        Step(
                            "contact",
                            handler,
                            {
                                "method": rng.choice(("电话", "电话", "上门")),
                                "note": "已联系市民了解具体情况，约定处理时间",
                            },
                        )
                    )
            if target == "supervised":
                steps.append(Step("supervise", "supervisor", {"level": "yellow", "note": "请加快办理进度"}))
                if rng.random() < 0.4:
                    steps.append(Step("supervise", "supervisor", {"level": "red", "note": "已超期，请立即办理"}))
                return steps
            if target == "paused" or (signed and target == "handling" and rng.random() < 0.1):
                # 挂起: still paused (its day to come), or paused and resumed by hand.
                steps += self._pause_steps(handler, resumed=target != "paused")
                if target == "paused":
                    return steps
            if target == "handling" and signed and self.waiting_for_centre:
                # Asked for now, waiting for the supervisors: a pause, or a 长周期 extension.
                what = self.waiting_for_centre.pop()
                if what == "pause":
                    steps.append(self._pause_steps(handler, resumed=False)[0])
                else:
                    body = {"working_days": 20, "reason": "涉及地下管网改造，需纳入年度施工计划", "long_cycle": True}
                    steps.append(Step("request_extension", handler, body))
                return steps
            if rng.random() < 0.15 and kind in ("求助", "投诉", "举报") and data.get("urgency", "一般") == "一般":
                steps.append(
                    Step(
                        "request_extension",
                        handler,
                        {"working_days": rng.randint(2, 5), "reason": "需协调多个部门共同处理"},
                    )
                )
                if target != "handling" or rng.random() < 0.5:
                    steps.append(Step("approve_extension", "supervisor", {"note": "同意延期"}))
            if target == "handling":
                return steps
            resolved = rng.choices(("解决", "部分解决", "未解决"), (85, 10, 5))[0]
            steps.append(Step("reply", handler, {"result": result, "resolved": resolved}))
            if target == "replied":
                return steps
            if rng.random() < 0.1:
                steps.append(Step("reject_reply", "dispatcher", {"note": "答复内容不完整，请补充办理过程"}))
                steps.append(Step("reply", handler, {"result": result + "（已补充办理过程）", "resolved": resolved}))
            steps.append(Step("approve_reply", "dispatcher"))
        if target == "revisiting":
            if rng.random() < 0.3:  # called once already, to be called again another half-day
                steps.append(self._missed_call())
            return steps
        if target == "evaluated" and not answered and rng.random() < 0.12:  # 差评 → 整改 → 整改回访
            poor = {"resolved": "未解决", "satisfaction": rng.choice(POOR_RATINGS), "contacted": True}
            if rng.random() < 0.4:  # the citizen rated it themselves, from the SMS link
                steps.append(Step("rate", CITIZEN, {**poor, "note": "问题仍未解决，路面还是坑洼"}))
            else:
                steps.append(Step("visit", "visitor", {**poor, "reached": True, "note": "市民反映问题仍未解决"}))
            steps.append(Step("reply", handler, {"result": result + "（整改：已再次现场处理）", "resolved": "解决"}))
            steps.append(Step("approve_reply", "dispatcher"))
        if rng.random() < 0.06:
            steps += [self._missed_call() for _ in range(VISIT_ATTEMPTS)]  # 未联系上
        else:
            # A 差评 would reopen it; that path is planned above.
            satisfaction = rng.choices(GOOD_RATINGS, (40, 45, 15))[0]
            rating = {
                "satisfaction": satisfaction,
                "resolved": "部分解决" if satisfaction == "基本满意" else "解决",
                "contacted": rng.random() < 0.93,
            }
            if rng.random() < 0.2:
                steps.append(Step("rate", CITIZEN, rating))
            else:
                steps.append(Step("visit", "visitor", {**rating, "reached": True}))
        if target == "auditing":
            return steps
        steps.append(Step("audit", "supervisor", {"passed": True, "note": "抽查通过"}))
        if not answered and rng.random() < 0.05:  # 申诉复核: a 不合理诉求, some decided
            why = "诉求人要求的赔偿标准超出政策规定，已依规解释并作出最终答复，诉求人仍坚持"
            steps.append(Step("contest", handler, {"kind": "不合理诉求", "basis": why}))
            if rng.random() < 0.6:
                steps.append(Step("uphold_contest", "supervisor", {"note": "经核实属不合理诉求，不纳入考核"}))
        return steps

    # ---------------------------------------------------------------- running it

    def _times(self, steps: list[Step], target: str, start: datetime | None = None) -> list[datetime]:
        """The moment of creation, then of each step, all in the past."""
        rng = self.rng
        gaps = [timedelta(hours=TYPICAL_HOURS[s.action] * rng.uniform(0.3, 2.0)) for s in steps]
        # Returns happen inside the return window (one hour for urgent appeals).
        gaps = [min(g, timedelta(minutes=40)) if s.action == "return" else g for s, g in zip(steps, gaps, strict=True)]
        # A call after one that missed comes another half-day (the tries that count).
        gaps = [
            max(g, timedelta(hours=13))
            if n and s.action == "visit" and steps[n - 1].body.get("reached") is False
            else g
            for n, (s, g) in enumerate(zip(steps, gaps, strict=True))
        ]
        idle = timedelta(days=IDLE_DAYS[target] * rng.random()) + timedelta(minutes=5)
        begin = start or (self.now - sum(gaps, timedelta()) - idle)
        moments, at = [begin], begin
        for gap in gaps:
            at += gap
            moments.append(at)
        return moments

    def script(self, target: str) -> Script:
        data, result = self._new_data()
        steps = self._plan(target, self.leaves[data["category"]], data, result)
        return Script(data, steps, self._times(steps, target), target)

    def _again(self, master: Script, preface: str) -> dict:
        """Another caller's appeal about the master's problem."""
        data = {**master.data, "content": preface + master.data["content"], **self._citizen()}
        data = {k: v for k, v in data.items() if v is not None and not k.startswith("enterprise")}
        data.pop("is_enterprise", None)
        data.pop("channel", None)
        return data

    def cluster(self, code: str, grid_code: str, count: int) -> list[Script]:
        """未诉先办's example: after a storm, one problem called in again and again from one
        grid in the week before this one (the demo's hot spot), each sent out since."""
        grid = self.units[grid_code]
        street_code = next(c for c in STREET_ADDRESSES if self.units[c].is_ancestor_of(grid))
        monday = week_of(self.now.astimezone(local_zone()).date()) - timedelta(days=7)
        scripts = []
        for n in range(count):
            data, _ = self._new_data()
            kind, title, content, result = self.rng.choice(TEXTS[code])
            lat, lon = self._point_in(grid)
            address = self.rng.choice(STREET_ADDRESSES[street_code]).format(n=self.rng.randint(1, 300))
            data = {k: v for k, v in data.items() if k.startswith("citizen") or k == "is_anonymous"}
            data.update(type=kind, category=code, title=title, content=content.format(place=address))
            data.update(address=address, lat=round(lat, 6), lon=round(lon, 6))
            target = "handling" if n % 3 else "dispatched"
            steps = self._plan(target, self.leaves[code], data, result)
            day = datetime.combine(monday + timedelta(days=n % 7), time(8), local_zone())
            start = min(day + timedelta(hours=self.rng.uniform(0, 10)), self.now - timedelta(hours=6))
            scripts.append(Script(data, steps, self._times(steps, target, start=start), target))
        return scripts

    def repeat_script(self, master: Script, merge: bool = True) -> Script:
        """A second caller about a problem already open: merged into the first appeal, or
        (merge False) still waiting in the queue beside it."""
        steps = [Step("merge", "operator", {"note": "同一问题重复来电"})] if merge else []
        target = "merged" if merge else "accepted"
        start = min(master.moments[0] + timedelta(hours=self.rng.uniform(0.5, 20)), self.now - timedelta(hours=1))
        start = max(start, master.moments[0] + timedelta(minutes=1))  # the second call comes after the first
        data = self._again(master, "再次反映：")
        return Script(data, steps, self._times(steps, target, start=start), target, master=master)

    def linked_script(self, master: Script) -> Script:
        """The problem of a closed appeal came back: linked as 重复件 and sent out again."""
        data = self._again(master, "问题又出现了：")
        units = self._candidates(self.leaves[data["category"]], data)
        steps = [Step("link_repeat", "operator", {"note": "原工单已办结，问题复发"}),
                 Step("dispatch", "dispatcher", {"unit_id": units[0].id})]  # fmt: skip
        start = master.moments[-1] + timedelta(hours=self.rng.uniform(2, 24))
        return Script(data, steps, self._times(steps, "dispatched", start=start), "dispatched", master=master)

    def run(self, scripts: list[Script]) -> None:
        """Take every step of every script in time order, as the day would have gone."""
        queue = [(script.moments[0], n, script, 0) for n, script in enumerate(scripts)]
        heapq.heapify(queue)
        while queue:
            at, n, script, index = heapq.heappop(queue)
            if index == 0 and script.data.get("channel") == "随手拍":
                report = {k: v for k, v in script.data.items() if k not in ("channel", "urgency")}
                script.appeal = submit_report(report, at=at)
            elif index == 0:
                script.appeal = create_appeal(script.data, self.users["operator"], at=at)
            else:
                step = script.steps[index - 1]
                body = dict(step.body)
                assert script.appeal is not None, "the first step registered it"
                if step.action in ("merge", "link_repeat"):
                    assert script.master is not None and script.master.appeal is not None, "masters come first"
                    body["master_number"] = script.master.appeal.number
                script.appeal = self._perform(script.appeal, step, body, at)
            if index < len(script.steps):
                heapq.heappush(queue, (script.moments[index + 1], n, script, index + 1))
            elif script.appeal.state != script.target:
                raise RuntimeError(
                    f"demo appeal {script.appeal.number} ended in {script.appeal.state}, planned {script.target}"
                )

    def _perform(self, appeal: Appeal, step: Step, body: dict, at: datetime) -> Appeal:
        if step.actor == CITIZEN:  # on the tracking page, with the receipt's number and 查询码
            return rate(appeal.number, appeal.query_code, body, at=at)
        return perform(appeal.id, step.action, body, self.users[step.actor], at=at)


def load_demo_appeals(now: datetime, seed: int = 12345) -> int:
    demo = DemoAppeals(random.Random(seed), now)
    scripts = [demo.script(target) for target, n in PLAN if target != "merged" for _ in range(n)]
    masters = [s for s in scripts if s.target in OPEN_TARGETS]
    scripts += [demo.repeat_script(demo.rng.choice(masters)) for _ in range(dict(PLAN)["merged"])]
    scripts += [demo.repeat_script(m, merge=False) for m in demo.rng.sample(masters, WAITING_REPEATS)]
    # Closed long enough ago for the problem to come back before now.
    closed = [s for s in scripts if s.target == "evaluated" and s.moments[-1] < now - timedelta(days=3)]
    scripts += [demo.linked_script(m) for m in demo.rng.sample(closed, LINKED_REPEATS)]
    scripts += demo.cluster(*HOT_SPOT)
    with _audited_in_full():
        demo.run(scripts)
    return len(scripts)


@contextmanager
def _audited_in_full() -> Iterator[None]:
    """The demo's history is played as audited in full by a person (its scripts take every
    监督 step themselves, and none draws or checks on the spot); the live demo then runs on
    the centre's settings: sampling, and 核查 for the field-check categories."""
    config = current_app.config
    saved = config["HOTLINE_AUDIT_SHARE"], config["HOTLINE_FIELD_CHECK_CATEGORIES"]
    config["HOTLINE_AUDIT_SHARE"], config["HOTLINE_FIELD_CHECK_CATEGORIES"] = 1.0, ()
    try:
        yield
    finally:
        config["HOTLINE_AUDIT_SHARE"], config["HOTLINE_FIELD_CHECK_CATEGORIES"] = saved
