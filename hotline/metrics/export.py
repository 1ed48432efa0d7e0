"""The 分级分类 ranking as an .xlsx workbook: one sheet per group."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

from hotline.core.safe_text import spreadsheet_text
from hotline.metrics.operations import Rate
from hotline.metrics.ranking import Group
from hotline.metrics.rates import RATES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    "排名",
    "单位",
    "单位编码",
    "诉求数",
    *(r.label for r in RATES),
    "红牌",
    "扣分",
    "综合得分",
    "上期",
    "环比",
    "榜单",
]


def _percent(rate: Rate) -> str:
    return f"{rate.value:.1%}" if rate.value is not None else "—"


def ranking_xlsx(start: date, end: date, groups: list[Group]) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    bold = Font(bold=True)
    for group in groups:
        sheet = book.create_sheet(spreadsheet_text(group.title)[:31])
        sheet.append([f"{group.title} {start} 至 {end}"])
        sheet.append(HEADERS)
        for cell in sheet[2]:
            cell.font = bold
        for r in group.ranked:
            s = r.score
            sheet.append([
                r.rank, spreadsheet_text(s.unit.name), s.unit.code, s.appeals,
                *(_percent(s.rates[d.key]) for d in RATES), s.red_cards, s.deductions, s.composite,
                r.previous, r.change, r.board or "",
            ])  # fmt: skip
        for s in group.unranked:
            row = [
                "—",
                spreadsheet_text(s.unit.name),
                s.unit.code,
                s.appeals,
                *(_percent(s.rates[d.key]) for d in RATES),
            ]
            sheet.append([*row, s.red_cards, s.deductions, s.composite, None, None, "不参与排名"])
    if not groups:
        book.create_sheet("排名").append(["统计期内没有可排名的单位"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
