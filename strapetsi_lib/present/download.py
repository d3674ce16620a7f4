"""The report's own tables as a spreadsheet file, embedded in the report as a download link.

Leaders take their numbers into Excel, as they do from Arvo and Vipunen. The notebook shows its
tables through a :class:`TableCollector`, which shows each table as usual and remembers the very
frame it showed, already suppressed and worded; :func:`download_html` then embeds them as one CSV
file in a ``data:`` link with a ``download`` attribute, so no script and no server are needed.

The CSV is what Excel opens directly in the report's language: UTF-8 with a byte-order mark (or
Excel guesses a legacy encoding and breaks "ä"), ``;`` between fields where the decimal separator
is a comma (fi, sv), ``,`` in English. Numbers keep the report's formatting (``3,4``), with the
typographic minus and the non-breaking spaces turned into the plain characters a spreadsheet
reads as a number. A cell from data that a spreadsheet would run as a formula (it starts with
``=``, ``+``, ``-`` or ``@``) is written as text (:func:`neutralised`).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from dataclasses import dataclass, field

import pandas as pd

from strapetsi_lib.present.display import show_table
from strapetsi_lib.present.i18n import MINUS, NBSP, check_language

__all__ = ["TableCollector", "csv_bytes", "download_html", "neutralised", "parse_csv"]

BOM = "\ufeff"
#: Field separator by language: a semicolon where the decimal mark is a comma.
SEPARATORS = {"fi": ";", "sv": ";", "en": ","}
_PLAIN = str.maketrans({MINUS: "-", NBSP: " ", "\u202f": " ", "\u2009": " "})


@dataclass
class TableCollector:
    """Shows tables like :func:`~strapetsi_lib.present.display.show_table` and keeps them.

    Examples
    --------
    >>> tables = TableCollector()
    >>> tables.show(frame, caption)  # doctest: +SKIP
    """

    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)

    def show(self, frame: pd.DataFrame, caption: str, **options) -> None:
        """Display ``frame`` with ``caption`` and remember it for the download."""
        show_table(frame, caption, **options)
        self.tables.append((caption, frame.copy()))


#: What a spreadsheet takes for a formula when a cell starts with it (OWASP "CSV injection"):
#: a name, statement or wave label from data must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A number as the report writes it (``-0,12``, ``+0,23``, ``1 234``, ``62 %``): kept as is,
#: so that a spreadsheet reads it as a number.
_NUMBER = re.compile(r"[+-]?\d[\d ]*(?:[.,]\d+)?(?: ?%)?")


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return neutralised(str(value).translate(_PLAIN))


def neutralised(cell: str) -> str:
    """``cell`` as a spreadsheet must read it: a text that a spreadsheet would run as a formula
    (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
    apostrophe, which makes it text; numbers as the report writes them stay numbers. A text
    that itself starts with an apostrophe before one of those gets one more, so that
    :func:`parse_csv` gives back every cell as shown."""
    if (cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell)) or \
            (cell.startswith("'") and cell[1:].startswith((*FORMULA_STARTS, "'"))):
        return "'" + cell
    return cell


def _shown(cell: str) -> str:
    """A cell of the file as the report showed it (:func:`neutralised` undone)."""
    if cell.startswith("'") and cell[1:].startswith((*FORMULA_STARTS, "'")):
        return cell[1:]
    return cell


def csv_bytes(tables: list[tuple[str, pd.DataFrame]], language: str) -> bytes:
    """The tables as one CSV file: per table its caption, its header and its rows, then a blank
    line.

    Parameters
    ----------
    tables
        ``(caption, frame)`` pairs as shown in the report.
    language
        The report's language; decides the field separator.

    Returns
    -------
    bytes
        UTF-8 with a byte-order mark, ``\\r\\n`` line ends (what Excel writes).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATORS[check_language(language)],
                        lineterminator="\r\n")
    for caption, frame in tables:
        writer.writerow([_cell(caption)])
        writer.writerow([_cell(column) for column in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            writer.writerow([_cell(value) for value in row])
        writer.writerow([])
    return (BOM + buffer.getvalue()).encode("utf-8")


def parse_csv(data: bytes, language: str) -> list[tuple[str, list[list[str]]]]:
    """Read back a file of :func:`csv_bytes`: ``(caption, [header, *rows])`` per table, every
    cell as the report showed it."""
    text = data.decode("utf-8")
    if not text.startswith(BOM):
        raise ValueError("the CSV has no UTF-8 byte-order mark")
    rows = list(csv.reader(io.StringIO(text[len(BOM):], newline=""),
                           delimiter=SEPARATORS[check_language(language)]))
    tables, current = [], None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = (_shown(row[0]), [])
            tables.append(current)
        else:
            current[1].append([_shown(cell) for cell in row])
    return tables


def download_html(tables: list[tuple[str, pd.DataFrame]], language: str, filename: str,
                  label: str) -> str:
    """A paragraph with a link that downloads the tables as a CSV file.

    Parameters
    ----------
    tables
        ``(caption, frame)`` pairs, e.g. :attr:`TableCollector.tables`.
    language
        The report's language.
    filename
        The name the browser saves the file under, e.g. ``strapetsi_0123456-7.csv``.
    label
        The link's words.
    """
    encoded = base64.b64encode(csv_bytes(tables, language)).decode("ascii")
    return (f'<p class="strapetsi-download"><a href="data:text/csv;charset=utf-8;base64,'
            f'{encoded}" download="{html.escape(filename)}" type="text/csv">'
            f"{html.escape(label)}</a></p>")
