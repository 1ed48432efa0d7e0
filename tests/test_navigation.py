"""The header offers a page exactly to those it opens for: every entry of the one
navigation list, for every kind of demo account, against the page itself."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from hotline.navigation import NAVIGATION
from tests.helpers import DISTRICT, STREET, Browser

# The centre's desks, a district's supervisor-handler, a street's handler, a grid worker.
ACCOUNTS = [
    "operator",
    "dispatcher",
    "supervisor",
    "visitor",
    "admin",
    f"u{DISTRICT}",
    f"u{STREET}",
    "u210102001001001",
]


@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_link_shown_opens_and_every_page_hidden_refuses(sqlite_app, username):
    browser = Browser(sqlite_app, username)
    header = browser.get("/appeals").split("<main>")[0]
    shown = {label: url for url, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', header)}
    for entry in NAVIGATION:
        with sqlite_app.test_request_context():
            url = url_for(entry.endpoint)
        status = browser.client.get(url).status_code
        if entry.label in shown:
            assert status == 200, f"{username}: 「{entry.label}」 is offered but {url} answers {status}"
        else:
            assert status in (403, 404), f"{username}: 「{entry.label}」 is hidden but {url} answers {status}"


def test_a_visitor_neither_sees_nor_opens_the_admin_pages(sqlite_app):
    """回访员 need neither the 确责清单 nor the calendar (they used to open both)."""
    browser = Browser(sqlite_app, "visitor")
    header = browser.get("/appeals").split("<main>")[0]
    assert "确责清单" not in header and "工作日历" not in header
    browser.get("/admin/routing-rules", expect=403)
    browser.get("/admin/calendar", expect=403)
