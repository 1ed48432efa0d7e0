"""A unit's inbox (本单位待办), built for a phone: tabs 待签收 / 办理中 / 即将超期 / 已超期 /
待审批 / 已反馈 with counts that are the lengths of the lists they open, its own desk apart
from the units below it, live countdowns and tap-to-call."""

from __future__ import annotations

import re

from tests.helpers import DISTRICT, STREET_HANDLER, Browser, pause_request

TAB_COUNT = re.compile(r'data-tab="(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>')


def _listed(html: str) -> int:
    return html.count('href="/appeals/') // 2  # the number and the title link each appeal


def test_tabs_count_what_they_list(app, api):
    waiting = api.appeal_in("dispatched", title="路灯不亮")
    in_hand = api.appeal_in("handling", title="井盖缺失", citizen_name="周先生")
    secret = api.appeal_in("handling", title="举报噪声", is_confidential=True)
    paused = api.appeal_in("handling", title="道路积水")
    api.act(paused["id"], "request_pause", STREET_HANDLER, pause_request())  # 待审批
    api.appeal_in("replied", title="垃圾清运")
    page = Browser(app, STREET_HANDLER)
    first = page.get("/inbox")
    counts = dict(TAB_COUNT.findall(first))
    assert counts == {"sign": "1", "handling": "3", "warning": "0", "overdue": "0", "request": "1", "replied": "1"}
    for tab, count in counts.items():  # every count is the length of the list it opens
        listed = page.get(f"/inbox?tab={tab}")
        assert _listed(listed) == int(count), tab
    assert waiting["number"] in first and 'data-due="' in first  # 待签收 first, with its countdown

    handling = page.get("/inbox?tab=handling")
    # Tap-to-call where the handler may phone the caller; never for a 保密 appeal.
    assert 'href="tel:13812345678"' in handling and "致电 周先生" in handling
    row = handling.split(secret["number"])[1].split("</tr>")[0]
    assert "tel:" not in row
    assert in_hand["number"] in handling

    # The district sees the street's work under 下级单位, none of it as its own.
    district = Browser(app, f"u{DISTRICT}")
    own = dict(TAB_COUNT.findall(district.get("/inbox?tab=handling&scope=own")))
    below = dict(TAB_COUNT.findall(district.get("/inbox?tab=handling&scope=below")))
    assert (own["handling"], below["handling"]) == ("0", "3")
    assert "太原街街道" in district.get("/inbox?tab=handling&scope=below")  # whose it is
