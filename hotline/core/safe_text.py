"""Text on its way out to formats that cannot take every character, or that would run it:
XML (Open311 feeds, the .xlsx files) and spreadsheets (formula injection, in .xlsx and in
the CSV files a centre opens in a spreadsheet before importing them back).

Input refuses control characters already (`validation.validate`), but rows written before
that, or by other paths (imports, the database itself), are cleaned here too: an output
must be well-formed whatever was stored."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

# Everything XML 1.0 does not allow: the C0 controls but tab, newline and carriage return;
# lone surrogates; U+FFFE and U+FFFF.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…),
# +cmd|…, -2+3, @SUM(…)); tab and carriage return let it through some importers.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xml_text(text: str) -> str:
    """The text without the characters XML cannot carry."""
    return XML_ILLEGAL.sub("", text)


def spreadsheet_text(text: str) -> str:
    """The text as a spreadsheet cell that is only ever text: XML-safe, and with an
    apostrophe before anything a spreadsheet would take for a formula (OWASP's advice),
    whitespace before it included."""
    text = xml_text(text)
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


def from_spreadsheet_text(text: str) -> str:
    """Undo `spreadsheet_text`'s apostrophe, so an exported file imports back as it was."""
    if text.startswith("'") and text[1:].lstrip().startswith(_FORMULA_START):
        return text[1:]
    return text


def spreadsheet_csv(fields: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """CSV that a spreadsheet opens without running anything: every text cell through
    `spreadsheet_text`. `SpreadsheetCsvReader` reads it back exactly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_text(v) if isinstance(v, str) else v for k, v in row.items()})
    return out.getvalue()


class SpreadsheetCsvReader(csv.DictReader):
    """csv.DictReader over text written by `spreadsheet_csv` (or edited in a spreadsheet)."""

    def __init__(self, text: str):
        super().__init__(io.StringIO(text.lstrip("\ufeff")))

    def __next__(self) -> dict:
        row = super().__next__()
        return {k: from_spreadsheet_text(v) if isinstance(v, str) else v for k, v in row.items()}
