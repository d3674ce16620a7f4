"""The report's own tables as spreadsheet files, embedded in the report as download links.

Leaders take their numbers into Excel, as they do from Arvo and Vipunen. The notebook shows its
tables through a :class:`TableCollector`, which shows each table as usual and remembers the very
frame it showed, already suppressed and worded; it also keeps, without showing them, the numbers
a figure draws (the statement distributions, the heatmap's means: :meth:`TableCollector.keep`).
:func:`download_html` then embeds them twice, as a CSV file and as an Excel workbook, each in a
``data:`` link with a ``download`` attribute, so no script and no server are needed.

**Numbers as numbers.** A cell the report writes as a number (``3,4``, ``+0,23``, ``1 234``,
``62 %``) becomes a number, rounded as printed (:func:`typed_table`): a percentage is a
percentage cell (0.62 shown as ``62 %`` in the workbook and written ``62 %`` in the CSV, which
Excel reads as a percentage; ``62%`` in English), and an interval (``2,9–3,1``,
``−0,01 … 0,02``, ``+0,23 (0,18–0,28)``, ``25–70 %``) becomes its numbers in columns of their
own (estimate, lower bound, upper bound). Words stay words ("fewer than 5 respondents", "at
least 90 %", "< 0,001"), so whatever the report hides stays hidden exactly as it says so.

**Files.** Each starts with a header block naming the provider, the dataset, the waves and the
date, then the tables in the report's order. The CSV is what Excel opens directly in the
report's language: UTF-8 with a byte-order mark, ``;`` between fields and a decimal comma in
fi/sv, ``,`` and a decimal point in English. The workbook (XlsxWriter) has the header block and a
list of the tables on its first sheet, then one sheet per table; its bytes depend on the tables
and the date only, so the same inputs give the same report.

**Formulas.** A text from data that a spreadsheet would run as a formula (it starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is written as text: with a leading apostrophe in
the CSV (:func:`neutralised`), as a text cell marked with Excel's quote prefix in the workbook.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import functools
import html
import io
import re
from dataclasses import dataclass, field

import pandas as pd

from strapetsi_lib.present.display import show_table
from strapetsi_lib.present.i18n import MINUS, NBSP, check_language, date_text, text

__all__ = ["Sheet", "TableCollector", "csv_bytes", "download_html", "header_block",
           "neutralised", "parse_csv", "report_download", "typed_table", "xlsx_bytes"]

BOM = "\ufeff"
#: Field separator by language: a semicolon where the decimal mark is a comma.
SEPARATORS = {"fi": ";", "sv": ";", "en": ","}
_DECIMAL_MARK = {"fi": ",", "sv": ",", "en": "."}
_PLAIN = str.maketrans({MINUS: "-", NBSP: " ", "\u202f": " ", "\u2009": " "})
#: Excel's limit on a sheet's name, and the characters it refuses in one.
_SHEET_NAME_LENGTH = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass
class TableCollector:
    """Shows tables like :func:`~strapetsi_lib.present.display.show_table` and keeps them.

    Examples
    --------
    >>> tables = TableCollector()
    >>> tables.show(frame, caption)  # doctest: +SKIP
    >>> tables.keep(figure_numbers, caption)  # doctest: +SKIP
    """

    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)

    def show(self, frame: pd.DataFrame, caption: str, **options) -> None:
        """Display ``frame`` with ``caption`` and remember it for the download."""
        show_table(frame, caption, **options)
        self.tables.append((caption, frame.copy()))

    def keep(self, frame: pd.DataFrame, caption: str) -> None:
        """Remember ``frame`` for the download without showing it: the numbers a figure draws,
        as its view hands them to the figure (suppressed and rounded as the report prints)."""
        self.tables.append((caption, frame.copy()))


# --------------------------------------------------------------------------- formulas


#: What a spreadsheet takes for a formula when a cell starts with it (OWASP "CSV injection"):
#: a name, statement or wave label from data must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A number as the report writes it (``-0,12``, ``+0,23``, ``1 234``, ``62 %``): kept as is,
#: so that a spreadsheet reads it as a number.
_NUMBER = re.compile(r"[+-]?\d[\d ]*(?:[.,]\d+)?(?: ?%)?")


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


def _formula_like(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS)


def _shown(cell: str) -> str:
    """A cell of the file as the report showed it (:func:`neutralised` undone)."""
    if cell.startswith("'") and cell[1:].startswith((*FORMULA_STARTS, "'")):
        return cell[1:]
    return cell


# --------------------------------------------------------------------------- typed cells


@dataclass(frozen=True)
class Number:
    """A number as the report printed it: its value, its decimals, whether it had a sign, and
    whether it was a percentage (``value`` then in percentage points, as printed)."""

    value: float
    decimals: int
    signed: bool = False
    percent: bool = False

    @property
    def number(self) -> float | int:
        """The cell's value: a percentage as its share (62 % is 0.62)."""
        if self.percent:
            return round(self.value / 100, self.decimals + 2)
        return int(self.value) if self.decimals == 0 else self.value


@dataclass(frozen=True)
class Sheet:
    """One table with typed cells: numbers (:class:`Number`), texts, or ``None`` (empty)."""

    caption: str
    header: list[str]
    rows: list[list[Number | str | None]]


def _number_pattern(language: str) -> str:
    if _DECIMAL_MARK[language] == ",":
        return r"[+-]?(?:\d{1,3}(?: \d{3})+|\d+)(?:,\d+)?"
    return r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


@functools.cache  # a report reads some ninety numbers back from its tables
def _parsers(language: str) -> dict[str, re.Pattern]:
    n = _number_pattern(language)
    pct = r" ?%"
    return {
        "number": re.compile(rf"({n})"),
        "percent": re.compile(rf"({n}){pct}"),
        "interval": re.compile(rf"({n})(?:–| … )({n})({pct})?"),
        "estimate": re.compile(rf"({n})({pct})? \(({n})(?:–| … )({n})({pct})?\)"),
    }


def _number(written: str, language: str, percent: bool = False) -> Number:
    signed = written.startswith("+")
    body = written.replace(" ", "")
    if _DECIMAL_MARK[language] == ",":
        body = body.replace(",", ".")
    else:
        body = body.replace(",", "")
    decimals = len(body.split(".", 1)[1]) if "." in body else 0
    return Number(float(body), decimals, signed, percent)


def _parse(cell: object, language: str, parsers: dict[str, re.Pattern]) -> tuple[str, tuple]:
    """What a cell holds: ``("empty", ())``, ``("number", (n,))``, ``("interval", (low, high))``,
    ``("estimate", (n, low, high))`` or ``("text", (words,))``; a percentage is a
    :class:`Number` marked ``percent``."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return "empty", ()
    if isinstance(cell, bool):
        return "text", (str(cell),)
    if isinstance(cell, int | float):
        decimals = 0 if float(cell).is_integer() else len(repr(float(cell)).split(".")[1])
        return "number", (Number(float(cell), decimals),)
    plain = str(cell).translate(_PLAIN).strip()
    if plain in ("", "\u2013"):
        return "empty", ()
    for kind in ("number", "percent"):
        match = parsers[kind].fullmatch(plain)
        if match:
            return "number", (_number(match.group(1), language, kind == "percent"),)
    match = parsers["interval"].fullmatch(plain)
    if match:
        percent = bool(match.group(3))
        return "interval", (_number(match.group(1), language, percent),
                            _number(match.group(2), language, percent))
    match = parsers["estimate"].fullmatch(plain)
    if match:
        percent = bool(match.group(2) or match.group(5))
        return "estimate", (_number(match.group(1), language, percent),
                            _number(match.group(3), language, percent),
                            _number(match.group(4), language, percent))
    return "text", (str(cell).translate(_PLAIN),)


def typed_table(caption: str, frame: pd.DataFrame, language: str) -> Sheet:
    """A table as the report showed it, with its numbers as numbers.

    Each column is read cell by cell (:func:`_parse`): numbers and percentages become
    :class:`Number`; a column with intervals is split into the estimate (if the report gave one
    before the interval) and the two bounds, each in a column of its own. Texts (suppression
    labels, verdicts, bands such as "at least 90 %") stay as written.
    """
    check_language(language)
    parsers = _parsers(language)
    header: list[str] = []
    columns: list[list[Number | str | None]] = []
    low_word, high_word = text("download_low", language), text("download_high", language)
    for name in frame.columns:
        label = str(name).translate(_PLAIN)
        cells = [_parse(value, language, parsers) for value in frame[name]]
        kinds = {kind for kind, _ in cells}
        if "estimate" in kinds or "interval" in kinds:
            with_estimate = bool(kinds & {"estimate", "number"})
            estimate, low, high = [], [], []
            for kind, parts in cells:
                if kind == "estimate":
                    estimate.append(parts[0])
                    low.append(parts[1])
                    high.append(parts[2])
                elif kind == "interval":
                    estimate.append(None)
                    low.append(parts[0])
                    high.append(parts[1])
                else:
                    estimate.append(parts[0] if parts else None)
                    low.append(None)
                    high.append(None)
            if with_estimate:
                header.append(label)
                columns.append(estimate)
            header += [f"{label}, {low_word}", f"{label}, {high_word}"]
            columns += [low, high]
        else:
            header.append(label)
            columns.append([parts[0] if parts else None for _, parts in cells])
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    return Sheet(str(caption).translate(_PLAIN), header, rows)


# --------------------------------------------------------------------------- header block


def header_block(prepared, language: str, provider_id: str | None = None
                 ) -> list[tuple[str, str]]:
    """What the files start with: the provider (a provider report's), the dataset, the waves
    and the report's date (:func:`strapetsi_lib.present.colophon.report_date`)."""
    from strapetsi_lib.present.colophon import report_date

    lines = []
    if provider_id is not None:
        provider = prepared.provider(provider_id)
        lines.append((text("download_provider", language),
                      f"{provider['name']} ({provider_id})"))
    lines += [
        (text("download_dataset", language), prepared.dataset_name),
        (text("download_waves", language),
         ", ".join(prepared.wave_label(w, language) for w in prepared.wave_ids)),
        (text("colophon_date", language), date_text(report_date(prepared), language)),
    ]
    return lines


# --------------------------------------------------------------------------- CSV


def _percent_sign(language: str) -> str:
    """The per cent sign after a number as the language writes it, ``62 %`` in fi and sv,
    ``62%`` in English: in the CSV and in the workbook's number format alike. A plain space,
    not the reports' non-breaking one, so that Excel reads the cell as a percentage."""
    return " %" if language in ("fi", "sv") else "%"


def _csv_number(value: Number, language: str) -> str:
    """A number as Excel reads it in the language: no thousands' separator, the language's
    decimal mark, a percentage as the language writes it (:func:`_percent_sign`)."""
    body = f"{abs(value.value):.{value.decimals}f}"
    if _DECIMAL_MARK[language] == ",":
        body = body.replace(".", ",")
    sign = "-" if value.value < 0 and float(body.replace(",", ".")) != 0 else (
        "+" if value.signed and value.value > 0 else "")
    return sign + body + (_percent_sign(language) if value.percent else "")


def _csv_cell(value: Number | str | None, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Number):
        return _csv_number(value, language)
    return neutralised(str(value))


def csv_bytes(tables: list[tuple[str, pd.DataFrame]], language: str,
              header: list[tuple[str, str]] = ()) -> bytes:
    """The tables as one CSV file: the header block (a label and a value a line), a blank line,
    then per table its caption, its header and its rows, and a blank line.

    Parameters
    ----------
    tables
        ``(caption, frame)`` pairs as shown in the report.
    language
        The report's language; decides the field separator and the decimal mark.
    header
        The header block (:func:`header_block`).

    Returns
    -------
    bytes
        UTF-8 with a byte-order mark, ``\\r\\n`` line ends (what Excel writes).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATORS[check_language(language)],
                        lineterminator="\r\n")
    if header:
        for label, value in header:
            writer.writerow([neutralised(label), neutralised(str(value))])
        writer.writerow([])
    for caption, frame in tables:
        sheet = typed_table(caption, frame, language)
        writer.writerow([neutralised(sheet.caption)])
        writer.writerow([neutralised(name) for name in sheet.header])
        for row in sheet.rows:
            writer.writerow([_csv_cell(value, language) for value in row])
        writer.writerow([])
    return (BOM + buffer.getvalue()).encode("utf-8")


def parse_csv(data: bytes, language: str) -> tuple[list[list[str]],
                                                   list[tuple[str, list[list[str]]]]]:
    """Read back a file of :func:`csv_bytes`: its header block (``[label, value]`` lines) and
    ``(caption, [header, *rows])`` per table, every cell as written (the neutralising
    apostrophe undone).

    A file without a header block (``csv_bytes(..., header=())``) gives an empty one.
    """
    text_ = data.decode("utf-8")
    if not text_.startswith(BOM):
        raise ValueError("the CSV has no UTF-8 byte-order mark")
    rows = list(csv.reader(io.StringIO(text_[len(BOM):], newline=""),
                           delimiter=SEPARATORS[check_language(language)]))
    blocks: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for row in rows:
        if not row:
            current = None
            continue
        if current is None:
            current = []
            blocks.append(current)
        current.append([_shown(cell) for cell in row])
    header: list[list[str]] = []
    if blocks and all(len(row) == 2 for row in blocks[0]) and len(blocks[0]) > 1 and \
            not _looks_like_table(blocks[0]):
        header = blocks.pop(0)
    return header, [(block[0][0], block[1:]) for block in blocks]


def _looks_like_table(block: list[list[str]]) -> bool:
    """A table's first line is its caption alone; a header block's lines are label and value."""
    return len(block[0]) == 1


# --------------------------------------------------------------------------- workbook


def _number_format(value: Number, language: str) -> str:
    """Excel's format of a number with the report's decimals (and its sign, for a change; a
    percentage as the language writes it, ``62 %`` or ``62%``); Excel writes the decimal mark
    and the thousands' separator of the reader's language."""
    body = ("#,##0" if abs(value.value) >= 1000 else "0") + (
        "." + "0" * value.decimals if value.decimals else "")
    if value.percent:
        body += _percent_sign(language)
    return f"+{body};-{body};{body}" if value.signed else body


def _sheet_name(index: int, caption: str) -> str:
    name = _SHEET_NAME_BAD.sub(" ", f"{index} {caption}").strip()
    return name[:_SHEET_NAME_LENGTH].rstrip()


class _Cells:
    """Writes typed cells into a workbook, each format made once (xlsxwriter shares them)."""

    def __init__(self, book, language: str):
        self.book, self.language, self.formats = book, language, {}

    def _format(self, number_format: str | None, bold: bool, quoted: bool):
        key = (number_format, bold, quoted)
        if key not in self.formats:
            spec = {"bold": bold, "quote_prefix": quoted, "num_format": number_format}
            self.formats[key] = self.book.add_format({k: v for k, v in spec.items() if v})
        return self.formats[key]

    def put(self, sheet, row: int, column: int, value: Number | str | None,
            bold: bool = False) -> None:
        """Write ``value`` into the cell at zero-based ``row`` and ``column``: a number as a
        number with the report's decimals, a text always as text (one that starts like a
        formula shown as typed, ``'=...``)."""
        if value is None:
            return
        if isinstance(value, Number):
            sheet.write_number(row, column, value.number,
                               self._format(_number_format(value, self.language), bold, False))
        else:
            value = str(value)
            sheet.write_string(row, column, value,
                               self._format(None, bold, _formula_like(value)))


def xlsx_bytes(tables: list[tuple[str, pd.DataFrame]], language: str,
               header: list[tuple[str, str]] = (), date: dt.date | None = None) -> bytes:
    """The tables as an Excel workbook: the header block and a list of the tables on the first
    sheet, then one sheet per table (its caption, its header, its rows; numbers as numbers
    formatted with the decimals the report printed).

    Written with XlsxWriter in memory (no temporary files); its files inside the workbook are
    dated 1 January 1980, so the same tables on the same date give the same bytes.

    Parameters
    ----------
    tables, language, header
        As for :func:`csv_bytes`.
    date
        The workbook's creation date (its properties), the report's date; default 1 January
        1980.
    """
    import xlsxwriter

    check_language(language)
    buffer = io.BytesIO()
    # texts are written as texts whatever they look like (write_string), and never read as
    # formulas, numbers or links by the writer either
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    book.set_properties({"created": dt.datetime.combine(date or dt.date(1980, 1, 1), dt.time()),
                         "author": "strapetsi-workbench"})
    cells = _Cells(book, language)
    front = book.add_worksheet(_sheet_name(0, text("download_about_sheet", language)))
    row = 0
    for label, value in header:
        cells.put(front, row, 0, label, bold=True)
        cells.put(front, row, 1, str(value))
        row += 1
    row += 1
    cells.put(front, row, 0, text("download_sheets", language), bold=True)
    front.set_column(0, 0, 28)
    front.set_column(1, 1, 60)
    for index, (caption, frame) in enumerate(tables, start=1):
        typed = typed_table(caption, frame, language)
        name = _sheet_name(index, typed.caption)
        sheet = book.add_worksheet(name)
        row += 1
        cells.put(front, row, 0, name)
        cells.put(front, row, 1, typed.caption)
        cells.put(sheet, 0, 0, typed.caption, bold=True)
        for column, title in enumerate(typed.header):
            cells.put(sheet, 2, column, title, bold=True)
            sheet.set_column(column, column, min(45, max(
                10, len(title) + 2, *(len(str(r[column])) + 2 for r in typed.rows
                                      if isinstance(r[column], str)))))
        for offset, values in enumerate(typed.rows):
            for column, value in enumerate(values):
                cells.put(sheet, 3 + offset, column, value)
        sheet.freeze_panes(3, 0)  # the caption and the header stay in view
    book.close()
    return buffer.getvalue()


# --------------------------------------------------------------------------- links


#: The files' media types.
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_html(tables, language: str, stem: str,
                  header: list[tuple[str, str]] = (), date: dt.date | None = None) -> str:
    """A paragraph with two links that download the tables: as a CSV file and as an Excel
    workbook.

    Parameters
    ----------
    tables
        A :class:`TableCollector`, or its ``(caption, frame)`` pairs.
    language
        The report's language.
    stem
        The files' name without suffix (:func:`file_stem`), e.g. ``kysely-2024_0123456-7``.
    header
        The header block (:func:`header_block`).
    date
        The report's date, the workbook's creation date.
    """
    pairs = tables.tables if isinstance(tables, TableCollector) else list(tables)
    links = []
    for data, suffix, media, key in (
            (csv_bytes(pairs, language, header), "csv", f"{CSV_TYPE};charset=utf-8",
             "download_link_csv"),
            (xlsx_bytes(pairs, language, header, date), "xlsx", XLSX_TYPE,
             "download_link_xlsx")):
        encoded = base64.b64encode(data).decode("ascii")
        links.append(f'<a href="data:{media};base64,{encoded}" '
                     f'download="{html.escape(f"{stem}.{suffix}")}" '
                     f'type="{html.escape(media.split(";")[0])}">'
                     f"{html.escape(text(key, language))}</a>")
    return f'<p class="strapetsi-download">{" ".join(links)}</p>'


def file_stem(prepared, provider_id: str | None = None) -> str:
    """The downloads' name without suffix: the dataset's name and the provider's id
    (``kysely-2024_0123456-7``), or ``_network`` for the network report. The files are the
    survey's, so the name is the dataset's, with anything a file system or a browser may
    refuse (spaces, slashes, quotes) written as ``-``."""
    name = re.sub(r"[^\w.-]+", "-", prepared.dataset_name).strip("-.") or "survey"
    return f"{name}_{provider_id}" if provider_id is not None else f"{name}_network"


def report_download(prepared, tables: TableCollector, language: str,
                    provider_id: str | None = None) -> str:
    """:func:`download_html` of a report's tables with its header block and date: a provider's
    report (``provider_id``) or the network report."""
    from strapetsi_lib.present.colophon import report_date

    return download_html(tables, language, file_stem(prepared, provider_id),
                         header_block(prepared, language, provider_id),
                         report_date(prepared))
