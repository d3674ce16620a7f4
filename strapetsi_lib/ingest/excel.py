"""Read the first sheet of an Excel workbook into a grid of cell values, losing nothing silently.

A formula cell carries the value Excel computed when the file was last saved in Excel. A workbook
written by a script (or by a library such as openpyxl) has formulas without that saved value, and
every reader sees an empty cell there; :func:`formulas_without_values` finds those cells so that
they are reported instead of being read as missing answers.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openpyxl

from strapetsi_lib.ingest.encoding import UnreadableFile

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def excel_grid(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The first sheet's cells (``None`` where empty) and their sheet row numbers.

    python-calamine (a Rust reader) parses a survey-sized sheet several times faster than
    openpyxl; openpyxl remains the fallback for a workbook calamine cannot open.

    Raises
    ------
    UnreadableFile
        If neither reader can open the workbook.
    """
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        # skip_empty_area=False keeps leading empty rows, so row numbers match the sheet's
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # any calamine failure: let openpyxl try, and report its error
        return _openpyxl_grid(path)
    return _grid(rows)


def _openpyxl_grid(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            # Some exporters write a wrong sheet size; let the rows say how wide they are.
            sheet.reset_dimensions()
            rows = list(sheet.iter_rows(values_only=True))
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises many types for a damaged or wrong file
        raise UnreadableFile(f"cannot read as an Excel workbook: {exc}") from exc
    # iter_rows starts at row 1 even when the sheet's first rows are empty.
    return _grid(rows)


def _grid(rows: list) -> tuple[np.ndarray, np.ndarray]:
    width = max((len(r) for r in rows), default=0)
    grid = np.full((len(rows), width), None, dtype=object)
    for i, row in enumerate(rows):
        grid[i, : len(row)] = row
    return grid, np.arange(1, len(rows) + 1)


def formulas_without_values(path: Path) -> list[tuple[int, int]]:
    """The cells of the first sheet that hold a formula but no saved value.

    Returns
    -------
    list of (row, column)
        Sheet row number and column number (1 is column A), in sheet order; empty when the
        workbook cannot be inspected (its reader then reports why).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            sheet = _first_sheet(archive)
            with archive.open(sheet) as xml:
                head = xml.read()
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return []
    if b"<f" not in head and b":f" not in head:
        return []  # the common case, a survey export without formulas, costs one search
    cells = []
    for _, element in ElementTree.iterparse(io.BytesIO(head), events=("end",)):
        if element.tag != f"{_MAIN}c":
            continue
        formula = element.find(f"{_MAIN}f")
        value = element.find(f"{_MAIN}v")
        inline = element.find(f"{_MAIN}is")
        if formula is not None and inline is None and (value is None or not value.text):
            match = _CELL_REF.fullmatch(element.get("r", ""))
            if match:
                cells.append((int(match.group(2)), _column_number(match.group(1))))
        element.clear()
    return cells


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The archive path of the workbook's first sheet, as the workbook's relations name it."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    first = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    rel_id = first.get(f"{_REL}id")
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for relation in relations.iter(f"{_PACKAGE_REL}Relationship"):
        if relation.get("Id") == rel_id:
            target = relation.get("Target")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
    raise KeyError(rel_id)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
