"""People's text on its way into office documents (XLSX, DOCX): what the formats cannot hold is dropped
before it reaches the writer, and a spreadsheet never takes a person's text for a formula.

Both formats are XML, which cannot hold most control characters (a writer given one fails, and a report
that cannot be written is lost to everyone); a cell whose text begins with "=" is a formula to a
spreadsheet, so a unit's name or a citizen's words could run in the reader's Excel.
"""

from __future__ import annotations

import re
from typing import Any

# Characters XML 1.0 cannot hold, plus the surrogates; tab, line feed and carriage return are text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters an XML document cannot hold."""
    return _XML_ILLEGAL.sub("", text)


def clean_tree(value: Any) -> Any:
    """A copy of `value` (dicts, lists, tuples of strings, numbers, dates …) with every string `xml_text`-ed:
    one call on what a document is written from."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {key: clean_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_tree(item) for item in value]
    if isinstance(value, tuple):
        return tuple(clean_tree(item) for item in value)
    return value


def text_only(workbook) -> None:
    """Every cell of an openpyxl workbook that would be a formula (text beginning with "=") becomes text: the
    platform's workbooks hold figures and words, never formulas, so nothing in them can run when opened."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
