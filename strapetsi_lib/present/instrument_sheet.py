"""The instrument as a spreadsheet, for building the survey's form in a survey tool.

``strapetsi template --language fi --out kysely.xlsx`` writes two sheets in the chosen language:

- the questions in order: the provider and role questions, then every item with its code, its
  group (the dimension or practice it belongs to, which a form shows as one matrix question),
  its text and its answer options;
- each scale's values and labels, and the "don't know" option where the instrument reads one.

A form built from it exports headers and answers that ``strapetsi init`` matches exactly.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

from strapetsi_lib.files import write_atomic
from strapetsi_lib.ingest.instrument import Instrument, normalise_header
from strapetsi_lib.present.i18n import check_language, text

_WIDTHS = {"A": 10, "B": 16, "C": 34, "D": 70, "E": 60, "F": 16}


def dont_know(instrument: Instrument, language: str) -> str | None:
    """The "don't know" option in ``language``, when the instrument reads it as missing."""
    label = text("template_dont_know", language)
    missing = {normalise_header(m) for m in instrument.missing_answers}
    return str(label) if normalise_header(label) in missing else None


def _group(instrument: Instrument, code: str, language: str) -> str:
    item = instrument.item(code)
    if item.dimension is not None:
        return instrument.dimension(item.dimension).name[language]
    if item.practice is not None:
        return instrument.practice(item.practice).name[language]
    return ""


def question_rows(instrument: Instrument, language: str) -> list[list]:
    """The questions sheet's rows (without its header): order, code, group, question, answer
    options, scale."""
    background = str(text("template_background", language))
    rows = [[1, "provider_id", background, str(text("template_provider_question", language)),
             str(text("template_provider_options", language)), ""],
            [2, "role", background, str(text("template_role_question", language)),
             "; ".join(role.label[language] for role in instrument.roles), ""]]
    extra = dont_know(instrument, language)
    for order, item in enumerate(instrument.items, start=3):
        scale = instrument.scales[item.scale]
        options = [f"{value} = {scale.label(value, language)}" for value in scale.values]
        if extra:
            options.append(extra)
        rows.append([order, item.code, _group(instrument, item.code, language),
                     item.text[language], "; ".join(options), scale.code])
    return rows


def scale_rows(instrument: Instrument, language: str) -> list[list]:
    """The scales sheet's rows (without its header): scale, value, label."""
    rows = []
    extra = dont_know(instrument, language)
    for scale in instrument.scales.values():
        rows += [[scale.code, value, scale.label(value, language)] for value in scale.values]
        if extra:
            rows.append([scale.code, "", extra])
    return rows


def instrument_workbook(instrument: Instrument, language: str) -> openpyxl.Workbook:
    """The instrument's questions and scales as a workbook in ``language``."""
    language = check_language(language)
    book = openpyxl.Workbook()
    questions = book.active
    questions.title = str(text("template_questions_sheet", language))
    questions.append([str(text(key, language)) for key in (
        "template_order", "template_code", "template_group", "template_question",
        "template_options", "template_scale")])
    for row in question_rows(instrument, language):
        questions.append(row)
    scales = book.create_sheet(str(text("template_scales_sheet", language)))
    scales.append([str(text(key, language)) for key in (
        "template_scale", "template_value", "template_label")])
    for row in scale_rows(instrument, language):
        scales.append(row)
    for sheet in (questions, scales):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column, width in _WIDTHS.items():
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return book


def write_instrument_sheet(instrument: Instrument, language: str, path: Path) -> Path:
    """Write :func:`instrument_workbook` to ``path`` (atomically)."""
    buffer = io.BytesIO()
    instrument_workbook(instrument, language).save(buffer)
    return write_atomic(path, buffer.getvalue())
