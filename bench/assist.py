"""Intake assist (受理辅助): top-1 and top-3 accuracy of the suggested category and handling
unit on held-out appeals, beside the floor of always suggesting the most common ones.

How the data is made (it is generated, and says so): for each of the demo's leaf
categories, its demo texts are cut into phrases (the title and each clause of the content
without the place); an appeal takes one or two of its category's phrases and one or two
of twenty everyday sentences any caller says (已经好几天了, 希望尽快处理 …) in one of
eight frames, at a place in one of the demo's streets, by a caller who uses everyday
synonyms now and then. One appeal in twenty is worded from a sibling category (same
parent) but keeps its own label, as real appeals are sometimes filed under the neighbour.
The unit that handled it follows the demo's 确责清单 pattern: a category with a department
type goes to that department of the place's district, any other to the place's street.
The categories are the demo's 43, with their Zipf-like frequencies. Every appeal of a
category draws on the same few phrases, so these figures show that the model learns and
ranks; real callers' words vary far more, and a centre should read its own figures off its
own history (the nightly job reports how many appeals it learned from).

The models are hotline.appeals.assist's (the same features and the same naive Bayes the
nightly job trains), fitted on N appeals and scored on M others never seen.

    .venv/bin/python bench/assist.py [--train 8000] [--test 2000] [--smoke]
"""

from __future__ import annotations

import random
from collections import Counter

from harness import Row, arguments, report

GENERIC = (
    "已经好几天了", "多次反映没人管", "严重影响居民生活", "家里有老人孩子", "晚上睡不着觉", "希望有关部门尽快处理",
    "请尽快派人来看看", "周围邻居意见很大", "打过物业电话没用", "这个问题存在很久了", "天天都这样", "出门很不方便",
    "孩子上学要经过这里", "担心出事", "找过社区也没解决", "一直没有人管", "麻烦给协调一下", "影响很不好",
    "下雨天更严重", "请给个答复",
)  # fmt: skip
FRAMES = (
    "{place}{a}，{g}，{h}。", "我住在{place}，{a}，{b}，{g}。", "反映一下{place}的问题：{a}，{h}。",
    "你好，{place}{a}，{g}，{b}。", "{a}，地点在{place}，{g}，{h}。", "又来反映，{place}{a}，{g}。",
    "{place}这边{a}，{b}，{h}。", "我要投诉，{place}{a}，{g}，{h}。",
)  # fmt: skip
SYNONYMS = {"小区": "院里", "尽快": "赶紧", "处理": "解决", "已经": "都", "附近": "旁边", "严重": "厉害"}
STREETS = {"210102001": "和平区太原北街", "210102002": "和平区三好街", "210103001": "沈河区青年大街",
           "210103002": "沈河区大东路"}  # fmt: skip
DEPARTMENT_CODES = {"城管": "CG", "住建": "ZJ", "市场监管": "SJ", "生态环境": "HB"}


def phrases_by_category() -> tuple[dict[str, list[str]], dict[str, str | None], dict[str, str]]:
    from hotline.demo.reference import CATEGORIES
    from hotline.demo.texts import TEXTS

    phrases: dict[str, list[str]] = {}
    for code, items in TEXTS.items():
        found = []
        for _, title, content, _ in items:
            found.append(title)
            found += [c for c in content.replace("。", "，").split("，") if c and "{place}" not in c and len(c) > 3]
        phrases[code] = found
    dept = {code: d for code, _, d in CATEGORIES}
    parent = {code: code[:4] for code in phrases}
    return phrases, dept, parent


def make(n: int, rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    """(title, content, category code, unit code, district code of the place)."""
    phrases, dept, parent = phrases_by_category()
    codes = sorted(phrases)
    weights = [1 / (i + 1) ** 0.8 for i in range(len(codes))]
    random.Random(0).shuffle(codes)  # which categories are common is arbitrary (and the same in every set)
    rows = []
    for _ in range(n):
        code = rng.choices(codes, weights)[0]
        worded = code
        siblings = [c for c in codes if parent[c] == parent[code] and c != code]
        if siblings and rng.random() < 0.05:
            worded = rng.choice(siblings)
        said = rng.sample(phrases[worded], min(2, len(phrases[worded])))
        street, road = rng.choice(list(STREETS.items()))
        text = rng.choice(FRAMES).format(
            place=f"{road}{rng.randint(1, 300)}号", a=said[0], b=said[-1], g=rng.choice(GENERIC), h=rng.choice(GENERIC)
        )
        for word, other in SYNONYMS.items():
            if rng.random() < 0.3:
                text = text.replace(word, other)
        title = said[0][:12] if rng.random() < 0.6 else f"{said[0][:6]}问题"
        unit = f"{street[:6]}{DEPARTMENT_CODES[dept[code]]}" if dept.get(code) else street
        rows.append((title, text, code, unit, street[:6]))
    return rows


def main() -> None:
    args = arguments(__doc__, train=8000, test=2000)
    if args.smoke:
        args.train, args.test = 300, 100
    from hotline.appeals.assist import NaiveBayes, features

    rng = random.Random(13)
    learn, held = make(args.train, rng), make(args.test, rng)
    category = NaiveBayes.fit([(features(t, c), code) for t, c, code, _, _ in learn])
    # The unit model also sees the district of the place (a street or a district's department is local).
    unit = NaiveBayes.fit([(features(t, c, d), u) for t, c, _, u, d in learn])

    def accuracy(model: NaiveBayes, rows: list[tuple[list[str], str]]) -> tuple[float, float]:
        top1 = top3 = 0
        for words, truth in rows:
            ranked = [label for label, _ in model.predict(words)[:3]]
            top1 += bool(ranked) and ranked[0] == truth
            top3 += truth in ranked
        return top1 / len(rows), top3 / len(rows)

    def floor(labels: list[str], truths: list[str]) -> tuple[float, float]:
        common = [label for label, _ in Counter(labels).most_common(3)]
        return (sum(t == common[0] for t in truths) / len(truths), sum(t in common for t in truths) / len(truths))

    c1, c3 = accuracy(category, [(features(t, c), code) for t, c, code, _, _ in held])
    u1, u3 = accuracy(unit, [(features(t, c, d), u) for t, c, _, u, d in held])
    f1, f3 = floor([r[2] for r in learn], [r[2] for r in held])
    g1, g3 = floor([r[3] for r in learn], [r[3] for r in held])
    rows = [
        Row("trained on / scored on (generated appeals)", f"{args.train:,} / {args.test:,}",
            f"{len(category.labels)} categories, {len(unit.labels)} units"),
        Row("category: top-1 / top-3", f"{c1:.0%} / {c3:.0%}", f"the most common: {f1:.0%} / {f3:.0%}",
            c1 > f1 and c3 > f3),
        Row("unit: top-1 / top-3", f"{u1:.0%} / {u3:.0%}", f"the most common: {g1:.0%} / {g3:.0%}",
            u1 > g1 and u3 > g3),
    ]  # fmt: skip
    report("Intake assist (受理辅助) on held-out generated appeals", rows, smoke=args.smoke)


if __name__ == "__main__":
    main()
