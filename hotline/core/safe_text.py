"""Text on its way out to formats that cannot take every character, or that would run it:
XML (Open311 feeds, the .xlsx files) and spreadsheets (formula injection).

Input refuses control characters already (`validation.validate`), but rows written before
that, or by other paths (imports, the database itself), are cleaned here too: an output
must be well-formed whatever was stored."""

from __future__ import annotations

import re

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
