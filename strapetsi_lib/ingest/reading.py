"""Read the files of a dataset as survey tools and spreadsheets export them, and parse their text.

Every file is read into a table of text cells whose index is the line number a person sees:
in a CSV the header is line 1 and the first data row line 2 (blank lines count, as in an
editor); in an Excel sheet it is the sheet's row number. Nothing here decides whether the data
are acceptable; :mod:`strapetsi_lib.ingest.validation` does that from the parsed values this module
returns.

Encodings are decided per file from the evidence in its bytes
(:mod:`strapetsi_lib.ingest.encoding`): UTF-16 with a byte-order mark; UTF-8; a file with any
valid UTF-8 multibyte sequence but also bytes that are not UTF-8 is an error naming
``file:line:column`` of each bad byte, never re-decoded as a whole; a file whose every byte
above 127 stands alone is Windows-1252.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from collections.abc import Collection, Iterable, Mapping
from itertools import islice
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.encoding import UndecodableText, UnreadableFile, decode_text
from strapetsi_lib.ingest.excel import excel_grid, formulas_without_values
from strapetsi_lib.ingest.instrument import Instrument, Scale, normalise_header, normalise_role
from strapetsi_lib.ingest.spss import SAV_SUFFIXES, sav_grid

#: Columns every response file must have, besides one column per item.
RESPONSE_COLUMNS = ("respondent_id", "provider_id", "role")
#: Columns of the providers file; ``staff_count`` may be left out, and ``themes`` by a network
#: whose providers take part in no development theme.
PROVIDER_COLUMNS = ("provider_id", "name", "language", "region", "staff_count", "themes")
OPTIONAL_PROVIDER_COLUMNS = ("staff_count", "themes")

# Header spellings accepted for the fixed columns, besides the code itself (normalised form).
_COLUMN_ALIASES = {
    "provider_id": ("y-tunnus", "ytunnus", "fo-nummer", "business_id"),
    "respondent_id": ("vastaaja", "vastaaja_id", "respondent"),
    "role": ("rooli", "roll"),
}

#: The meaning that makes a code of dataset.yml's ``values`` a missing answer (``A6: missing``).
MISSING_CODE = "missing"

_LANGUAGE_LABELS = {"fi": ("fi", "suomi", "finska", "finnish"),
                    "sv": ("sv", "ruotsi", "svenska", "swedish")}

_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_DELIMITERS = (";", ",", "\t")
_NO_ROWS = "file has a header but no rows"


# --------------------------------------------------------------------------- reading files


def sniff_delimiter(text: str) -> str:
    """Guess the field separator of a CSV text among ``;``, ``,`` and tab.

    The separator chosen is the one that splits the header into more than one field and gives
    the same number of fields on the most of the first lines; a decimal comma or a comma inside
    a question-text header does not fool it, because it does not split every line alike.
    """
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in _DELIMITERS:
        records = [r for r in islice(csv.reader(io.StringIO(text, newline=""),
                                                delimiter=delimiter), 50)
                   if any(cell.strip() for cell in r)]
        if not records:
            continue
        width = len(records[0])
        same = sum(len(r) == width for r in records) / len(records)
        score = (width > 1, same, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


#: Line numbers a short-rows warning names before it counts the rest.
_SHOWN_LINES = 10


def _csv_grid(data: bytes, name: str
              ) -> tuple[np.ndarray, np.ndarray, list[Problem], list[Problem]]:
    """Split a CSV file into a grid of cells, with the problems and warnings of its line lengths.

    Returns
    -------
    grid, lines
        The cells (every row as wide as the header) and each row's line number.
    problems
        Lines with more fields than the header; a last line cut short (see below).
    warnings
        One warning listing the lines with fewer fields than the header.
    """
    text = decode_text(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            # A quoted cell may span lines; a row is numbered by the line where it starts.
            rows.append(record)
            lines.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as exc:
        raise UnreadableFile(f"cannot read as CSV after line {previous_end}: {exc}") from exc
    header_at = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if header_at is None:
        return np.empty((0, 0), dtype=object), np.array([], dtype=int), [], []
    width = len(rows[header_at])
    surplus = f"line has more fields than the header's {width}"
    if delimiter == ",":
        # a decimal comma and a separator look alike; the usual cause is worth naming
        surplus += (" (numbers with a decimal comma in a file separated by commas? Quote "
                    "them, or save the file with ; as the separator)")
    # A file that ends inside its last line (no line end after it) was cut off while it was
    # written or copied: that line's missing fields are lost answers, not empty ones.
    cut_off = len(rows) - 1 if not text.endswith(("\n", "\r")) else None
    problems, short = [], []
    for i, row in enumerate(rows):
        if len(row) > width:
            # A trailing separator makes an empty surplus field: harmless, so not reported.
            # The message is the same on every line, so a list of problems groups them.
            if any(c.strip() for c in row[width:]):
                problems.append(Problem(name, lines[i], None, surplus))
                # its values are shifted under the wrong headers: checking them would only
                # repeat this problem once per column, so the line is not read further
                rows[i] = [""] * width
                continue
            rows[i] = row[:width]
        elif len(row) < width:
            if i > header_at and any(c.strip() for c in row):
                if i == cut_off:
                    missing = rows[header_at][len(row)].strip() or f"column {len(row) + 1}"
                    problems.append(Problem(
                        name, lines[i], missing,
                        f"the file ends inside this line, which has {len(row)} fields but the "
                        f"header has {width}: the values from column {missing!r} on are "
                        "missing (was the file cut short?)"))
                else:
                    # Excel leaves out the separators of a row's trailing empty cells, so the
                    # missing fields of a short row are empty answers, and said once.
                    short.append(lines[i])
            rows[i] = row + [""] * (width - len(row))
    grid = np.empty((len(rows), width), dtype=object)
    grid[:, :] = rows
    return grid, np.asarray(lines), problems, _short_rows_warning(name, short, width)


def _short_rows_warning(name: str, short: list[int], width: int) -> list[Problem]:
    """One warning naming the lines whose last fields were left out (read as empty)."""
    if not short:
        return []
    shown = ", ".join(str(line) for line in short[:_SHOWN_LINES])
    if len(short) > _SHOWN_LINES:
        shown += f" … (+{len(short) - _SHOWN_LINES:,} more)"
    return [Problem(name, None, None,
                    f"{len(short):,} line(s) have fewer fields than the header's {width} "
                    f"(lines {shown}): their missing last fields are read as empty answers, "
                    "as Excel leaves out the separators of trailing empty cells")]


def _cell_text(value) -> str:
    """Write one distinct cell value as text, numbers the way a person would read them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        # a yes/no cell is no answer on a scale: kept as Excel shows it, so it is reported
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _as_text(grid: np.ndarray) -> np.ndarray:
    """Turn every cell into stripped text, converting each distinct value once."""
    codes, uniques = pd.factorize(grid.ravel())
    if any(isinstance(u, bool | int | float) and u in (0, 1) for u in uniques):
        # True hashes like 1 (and False like 0), so factorize may merge them: tell them apart
        # cell by cell, only in the rare grid that has both kinds of values.
        flat = grid.ravel()
        is_bool = np.fromiter((isinstance(v, bool) for v in flat), dtype=bool, count=flat.size)
        if is_bool.any():
            texts = np.array([_cell_text(u) for u in uniques] + [""], dtype=object)[codes]
            texts[is_bool] = [_cell_text(v) for v in flat[is_bool]]
            return texts.reshape(grid.shape)
    texts = np.array([_cell_text(u) for u in uniques] + [""], dtype=object)
    return texts[codes].reshape(grid.shape)  # code -1 (an empty cell) takes the last, ""


def _formula_problems(path: Path, text: np.ndarray, name: str) -> list[Problem]:
    """A problem for each formula cell whose value was never saved (read as empty otherwise)."""
    cells = formulas_without_values(path)
    if not cells:
        return []
    blank = (text == "").all(axis=1)
    headers = text[int(np.argmin(blank))] if not blank.all() else np.array([], dtype=object)
    problems = []
    for row, column in cells:
        header = headers[column - 1] if column <= len(headers) else ""
        problems.append(Problem(name, row, header or f"column {column}",
                                "formula without a saved value: open and save the file in "
                                "Excel (or write the values instead of formulas)"))
    return problems


class TableReading(NamedTuple):
    """What :func:`read_table` made of a file."""

    #: Text cells indexed by line; ``None`` when the file cannot be read or has no data rows.
    table: pd.DataFrame | None
    #: What made the file unreadable, empty or ragged.
    problems: list[Problem]
    #: What is worth knowing but was read safely (lines whose trailing empty cells were left
    #: out).
    warnings: list[Problem]


def read_table(path: Path, name: str | None = None) -> TableReading:
    """Read a CSV, Excel or SPSS file into text cells indexed by the line a person sees.

    Parameters
    ----------
    path
        The file: ``.csv`` (``;``, ``,`` or tab separated; UTF-8 with or without BOM, or
        Windows-1252), ``.xlsx`` (first sheet) or ``.sav`` (SPSS; cells are value labels, see
        :mod:`strapetsi_lib.ingest.spss`).
    name
        How problems name the file (its path relative to the dataset folder); defaults to the
        file name.

    Returns
    -------
    TableReading
        ``table``: columns are the headers as written (stripped), cells are stripped text
        (object dtype) with ``""`` for an empty cell; Excel numbers are written as text (a
        stored 4.0 as ``"4"``). The index (``line``) is each row's line, sheet row number or
        SPSS case number. Blank rows are left out. ``problems`` and ``warnings`` as described
        there.
    """
    name = name or path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return TableReading(None, [Problem(name, None, None, "file does not exist")], [])
    except OSError as exc:
        return TableReading(None, [Problem(name, None, None,
                                           f"cannot open the file: {exc.strerror}")], [])
    if not data:
        return TableReading(None, [Problem(name, None, None, "file is empty (0 bytes)")], [])
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    warnings: list[Problem] = []
    try:
        if suffix in _EXCEL_SUFFIXES:
            grid, lines = excel_grid(path)
        elif suffix in _CSV_SUFFIXES:
            grid, lines, problems, warnings = _csv_grid(data, name)
        elif suffix in SAV_SUFFIXES:
            grid, lines = sav_grid(path)
        else:
            raise UnreadableFile(f"unsupported file type {suffix or '(none)'}: "
                                 "save it as .csv, .xlsx or .sav")
    except UndecodableText as exc:
        return TableReading(None, _encoding_problems(exc, name), [])
    except UnreadableFile as exc:
        return TableReading(None, [Problem(name, None, None, str(exc))], [])
    text = _as_text(grid)
    if suffix in _EXCEL_SUFFIXES:
        problems = _formula_problems(path, text, name)
    table, more = _tabulate(text, lines, name)
    if table is None and problems:
        # every row was set aside above, and that is the problem, not an empty file
        more = [p for p in more if p.message != _NO_ROWS]
    return TableReading(table, problems + more, warnings)


def _encoding_problems(exc: UndecodableText, name: str) -> list[Problem]:
    """One problem per bad byte found (``file:line:column``), then a count of the rest."""
    problems = [Problem(name, bad.line, str(bad.column), bad.describe(exc.utf8))
                for bad in exc.bad]
    if exc.count > len(exc.bad):
        problems.append(Problem(name, None, None, f"{exc.count - len(exc.bad)} more byte(s) "
                                                  "like these; the file was not read"))
    return problems


def _tabulate(grid: np.ndarray, lines: np.ndarray, name: str
              ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Take the first non-blank row as the header and the non-blank rows below it as data."""
    blank = (grid == "").all(axis=1) if grid.size else np.ones(len(grid), dtype=bool)
    if blank.all():
        return None, [Problem(name, None, None, "file has no header and no rows")]
    header_pos = int(np.argmin(blank))
    header_line = int(lines[header_pos])
    headers = [h.lstrip("\ufeff").strip() for h in grid[header_pos]]
    keep_rows = ~blank
    keep_rows[: header_pos + 1] = False
    data = grid[keep_rows]
    problems: list[Problem] = []
    keep_cols: list[int] = []
    seen: dict[str, int] = {}
    for pos, header in enumerate(headers):
        if header == "":
            if (data[:, pos] != "").any():
                problems.append(Problem(name, header_line, None,
                                        f"column {pos + 1} holds values but has no header"))
            continue
        if header in seen:
            problems.append(Problem(name, header_line, header,
                                    f"column header appears twice (columns {seen[header] + 1} "
                                    f"and {pos + 1}); only the first is read"))
            continue
        seen[header] = pos
        keep_cols.append(pos)
    if not len(data):
        return None, problems + [Problem(name, None, None, _NO_ROWS)]
    table = pd.DataFrame(data[:, keep_cols], columns=[headers[p] for p in keep_cols],
                         index=pd.Index(lines[keep_rows], name="line"), dtype=object)
    return table, problems


# --------------------------------------------------------------------------- headers


def column_codes(headers: Iterable[str], instrument: Instrument | None,
                 fixed: Iterable[str] = RESPONSE_COLUMNS,
                 mapped: Mapping[str, str] | None = None,
                 ignored: Collection[str] = ()) -> dict[str, str | None]:
    """Map each header to the column it gives: a fixed column, an item code, or ``None``.

    Parameters
    ----------
    headers
        Column headers as written in the file.
    instrument
        Item codes and question texts (fi, sv, en) are recognised from it; ``None`` to
        recognise only the fixed columns.
    fixed
        Codes of the fixed columns (``RESPONSE_COLUMNS`` or ``PROVIDER_COLUMNS``).
    mapped
        What a column holds by normalised header (``dataset.yml``'s ``columns``); it comes
        before the codes and texts.
    ignored
        Normalised headers of columns that hold no answers; they are left out of the result.
    """
    lookup: dict[str, str] = {}
    if instrument is not None:
        lookup.update(instrument.header_lookup())
    for code in fixed:
        lookup[normalise_header(code)] = code
        for alias in _COLUMN_ALIASES.get(code, ()):
            lookup[normalise_header(alias)] = code
    lookup.update(mapped or {})
    keys = {h: normalise_header(h) for h in headers}
    return {h: lookup.get(key) for h, key in keys.items() if key not in ignored}


# --------------------------------------------------------------------------- cell values


def _distinct_map(values: pd.Series, parse) -> pd.Series:
    """Apply ``parse`` once per distinct non-missing value and spread the results back.

    A column of thousands of answers holds a handful of distinct texts, so parsing costs as
    much as the distinct values while the spreading is a vectorised take.
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    parsed = np.array([parse(u) for u in uniques] + [None], dtype=object)
    return pd.Series(parsed[codes], index=values.index, dtype=object)


def parse_number(text: str) -> float | None:
    """Read a number written with a decimal point or a decimal comma; ``None`` if not one."""
    try:
        value = float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


#: An answer exported as number and label, as survey tools such as Webropol write them:
#: ``4 - Jokseenkin samaa mieltä``, ``4 = ...`` or ``4 – ...`` (en dash).
_CODED_ANSWER = re.compile(r"(?P<number>\d+)\s*[-=\u2013]\s*(?P<label>\S.*)", re.DOTALL)


class AnswerParser:
    """Turn the answers to the items of one scale into numbers.

    An answer is a number on the scale (``4``, ``4.0``, ``4,0``), a label of the scale in any
    language (``Täysin samaa mieltä`` is 5), both as survey tools export them (``5 - Täysin
    samaa mieltä``, ``5 = ...``, ``5 – ...``; accepted only when the label is the scale's label
    for that number in fi, sv or en), a "don't know" answer or an empty cell (missing), or a
    code of the export that ``codes`` gives the meaning of (``A1`` → ``1``, ``A6`` →
    ``missing``).
    """

    def __init__(self, scale: Scale, missing_answers: Iterable[str],
                 codes: Mapping[str, str] | None = None):
        self.scale = scale
        self._missing = {normalise_header(m) for m in missing_answers}
        self._labels = {normalise_header(text): value
                        for value, texts in scale.labels.items() for text in texts.values()}
        # dataset.yml's values for this scale, by normalised code
        self._codes = dict(codes or {})

    def _one(self, text: str) -> float | None:
        """The number an answer stands for, NaN when missing, ``None`` when invalid."""
        key = normalise_header(text)
        if key in self._codes:
            text = self._codes[key]
            key = normalise_header(text)
            if key == MISSING_CODE:
                return math.nan
        if key == "" or key in self._missing:
            return math.nan
        if key in self._labels:
            return float(self._labels[key])
        coded = _CODED_ANSWER.fullmatch(text.strip())
        if coded:
            return self._coded(int(coded["number"]), coded["label"])
        number = parse_number(text)
        if number is None or number != int(number) or not (
                self.scale.min <= number <= self.scale.max):
            return None
        return float(number)

    def _coded(self, number: int, label: str) -> float | None:
        """``4 - Jokseenkin samaa mieltä``: the number, when the label is the scale's label for
        it in some language (or a "don't know" answer, which is missing whatever its code)."""
        key = normalise_header(label)
        if key in self._missing:
            return math.nan
        return float(number) if self._labels.get(key) == number else None

    def parse_block(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Parse a 2-D block of answers (rows × items of this scale) in one pass.

        Parameters
        ----------
        block
            Text answers (object array); ``None`` or ``""`` for an empty cell.

        Returns
        -------
        numbers : numpy.ndarray of float64
            The answers as numbers, NaN when missing or invalid.
        invalid : numpy.ndarray of bool
            True where the text is neither on the scale nor a missing answer.
        """
        codes, uniques = pd.factorize(block.ravel())
        parsed = [self._one(u) for u in uniques] + [math.nan]  # code -1: an empty cell
        numbers = np.array([math.nan if p is None else p for p in parsed], dtype="float64")
        invalid = np.array([p is None for p in parsed], dtype=bool)
        return numbers[codes].reshape(block.shape), invalid[codes].reshape(block.shape)

    def parse(self, values: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Parse one column of answers; see :meth:`parse_block`.

        Returns
        -------
        numbers : pandas.Series of float64
        invalid : pandas.Series of bool
        """
        numbers, invalid = self.parse_block(values.to_numpy(dtype=object).reshape(-1, 1))
        return (pd.Series(numbers[:, 0], index=values.index, name=values.name),
                pd.Series(invalid[:, 0], index=values.index, name=values.name))

    def describe(self, text: str) -> str:
        """Explain why an answer is not accepted, for a validation message."""
        number = parse_number(text)
        span = f"{self.scale.min}–{self.scale.max}"
        if normalise_header(text) in ("true", "false"):
            return (f"answer {text!r} is a yes/no (TRUE/FALSE) cell, not a number on the scale "
                    f"{span}")
        coded = _CODED_ANSWER.fullmatch(text.strip())
        if coded:
            number = int(coded["number"])
            if number not in self.scale.labels:
                return f"answer {text!r}: {number} is outside the scale {span}"
            expected = self.scale.labels[number].get("fi", "")
            return (f"answer {text!r}: the label does not match the scale's label for {number} "
                    f"({expected!r} in Finnish)")
        if number is None:
            from strapetsi_lib.ingest.matching import did_you_mean, keyed  # it imports this

            codes = " nor a code in dataset.yml's values" if self._codes else ""
            labels = keyed({label: label for texts in self.scale.labels.values()
                            for label in texts.values()})
            return (f"answer {text!r} is not a number or label on the scale {span}{codes}"
                    f"{did_you_mean([text], labels)}")
        if number != int(number):
            return f"answer {text!r} is not a whole number on the scale {span}"
        return f"answer {text!r} is outside the scale {span}"


def parse_roles(values: pd.Series, instrument: Instrument) -> pd.Series:
    """Turn the role column's texts into the instrument's role codes.

    A role is accepted by its code, its label in any language or one of its synonyms
    (:meth:`~strapetsi_lib.ingest.instrument.Instrument.role_lookup`; case, spacing and the
    spaces around ``/`` do not matter). Returns the code per row, missing where the text is
    empty or not a role of the instrument.
    """
    lookup = instrument.role_lookup()
    return _distinct_map(values, lambda text: lookup.get(normalise_role(text)))


_LANGUAGE_LOOKUP = {label: code for code, labels in _LANGUAGE_LABELS.items() for label in labels}


def parse_languages(values: pd.Series) -> pd.Series:
    """Turn ``fi``/``sv`` (any case, or the language's name) into ``fi``/``sv``; else missing."""
    return _distinct_map(values, lambda text: _LANGUAGE_LOOKUP.get(normalise_header(text)))


def parse_themes(text: str, known: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split a ``;``-separated theme list into known codes (sorted) and unknown entries.

    A comma is accepted as a separator too, as spreadsheets sometimes write lists that way.
    """
    known = set(known)
    parts = [p.strip() for p in re.split(r"[;,]", text or "") if p.strip()]
    codes = sorted({p.casefold() for p in parts if p.casefold() in known})
    unknown = [p for p in parts if p.casefold() not in known]
    return codes, unknown
