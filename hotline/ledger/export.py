"""A campaign's ledger as an .xlsx workbook."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from hotline.appeals.states import State
from hotline.auth.models import User
from hotline.core.clock import format_local, local_today
from hotline.core.safe_text import spreadsheet_text
from hotline.core.vocabulary import UNIT_LEVEL_NAMES
from hotline.ledger.models import Campaign
from hotline.ledger.progress import by_level, by_unit, is_closed, items, total_of

# ---------------------------------------------------------------- export

ITEM_HEADERS = [
    "工单编号",
    "标题",
    "分类",
    "承办单位",
    "单位层级",
    "状态",
    "是否办结",
    "责任领导",
    "目标日期",
    "是否逾期",
    "纳入方式",
    "受理时间",
]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cells(values: Iterable[Any]) -> list[Any]:
    """A row as cells: text from people (titles, names, leaders) is only ever text, never
    a formula, and carries no character the file cannot hold."""
    return [spreadsheet_text(v) if isinstance(v, str) else v for v in values]


def _percent(rate: float | None) -> str:
    return f"{rate:.1%}" if rate is not None else "—"


def export_xlsx(campaign: Campaign, user: User) -> bytes:
    day = local_today()
    book = Workbook()
    summary = book.worksheets[0]
    summary.title = "汇总"
    bold = Font(bold=True)

    def heading(*cells) -> None:
        summary.append(_cells(cells))
        for cell in summary[summary.max_row]:
            cell.font = bold

    units = by_unit(campaign, user, day)
    p = total_of(units)
    for label, value in (
        ("台账", campaign.name),
        ("批次", campaign.batch),
        ("周期", f"{campaign.period_start.isoformat()} 至 {campaign.period_end.isoformat()}"),
        ("牵头", campaign.owner),
        ("统计日期", day.isoformat()),
    ):
        summary.append(_cells([label, value]))
        summary.cell(summary.max_row, 1).font = bold
    summary.append([])
    heading("总数", "已办结", "办结率", "逾期未办结")
    summary.append([p.total, p.closed, _percent(p.rate), p.overdue])
    for title, first, rows in (("按承办单位", "单位", units), ("按层级", "层级", by_level(units))):
        summary.append([])
        heading(title)
        heading(first, "总数", "已办结", "办结率", "逾期未办结")
        for b in rows:
            summary.append(
                _cells([b.label, b.progress.total, b.progress.closed, _percent(b.progress.rate), b.progress.overdue])
            )
    summary.column_dimensions["A"].width = 26

    sheet = book.create_sheet("事项")
    sheet.append(ITEM_HEADERS)
    for cell in sheet[1]:
        cell.font = bold
    for item in items(campaign, user):
        a = item.appeal
        unit = a.main_unit or a.current_unit
        sheet.append(
            _cells(
                [
                    a.number,
                    a.title,
                    a.category.full_name,
                    unit.name if unit else "热线中心",
                    UNIT_LEVEL_NAMES.get(unit.level, "") if unit else "",
                    State(a.state).label,
                    "是" if is_closed(a) else "否",
                    item.leader,
                    item.target_date,
                    "是" if item.target_date < day and not is_closed(a) else "否",
                    item.enrolled_by,
                    format_local(a.received_at),
                ]
            )
        )
    for column, width in zip("ABCDEFGHIJKL", (18, 30, 30, 22, 10, 8, 9, 10, 12, 9, 26, 17), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
