"""LimeSurvey's code map: the survey structure that explains an export's question and answer codes.

Exported with "question codes" as headings and "answer codes" as answers, a LimeSurvey response
file says ``Q1[SQ001]`` and ``A4`` where the questionnaire said a statement and "Jokseenkin
samaa mieltä". The survey's structure, exported from LimeSurvey as tab-separated text (Display /
Export → "Tab-separated values format (*.txt)"), holds what the codes stand for, one row each:

- ``Q``: a question (``name`` its code, ``text`` its text);
- ``SQ``: a subquestion of the question above it (a statement of an array question), whose
  export column is ``Q1[SQ001]``;
- ``A``: an answer option of the question above it (``name`` its code, ``text`` its label).

Rows repeat for each language of the survey (the ``language`` column), so every language's text
is kept. Texts may hold HTML, which is taken off. Only the columns ``class``, ``name``,
``text`` and ``language`` are read, so the file's other columns (which change between LimeSurvey
versions) do not matter.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from strapetsi_lib.ingest.encoding import decode_text

_TAG = re.compile(r"<[^>]+>")
REQUIRED = ("class", "name", "text")


@dataclass(frozen=True)
class CodeMap:
    """What a LimeSurvey export's codes stand for.

    Attributes
    ----------
    texts
        Export column (``Q1[SQ001]``, ``Q2``) → its texts: the subquestion's text in every
        language, then ``question [subquestion]``; a question without subquestions has its own
        text.
    answers
        Export column → answer code → the answer's labels (one per language).
    source
        The file it was read from.
    """

    texts: dict[str, list[str]] = field(default_factory=dict)
    answers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    source: Path | None = None


class CodeMapError(ValueError):
    """The file is not a LimeSurvey survey structure (the message says why)."""


def read_code_map(path: Path) -> CodeMap:
    """Read a LimeSurvey survey structure exported as tab-separated text.

    Raises
    ------
    CodeMapError
        When the file has no ``class``, ``name`` and ``text`` columns, or cannot be read.
    """
    try:
        text = decode_text(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CodeMapError(f"{path.name}: cannot read the file: {exc}") from exc
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if any(column not in header for column in REQUIRED):
        raise CodeMapError(f"{path.name} is not a LimeSurvey survey structure in tab-separated "
                           f"text: it needs the columns {', '.join(REQUIRED)}")
    at = {column: header.index(column) for column in (*REQUIRED, "language") if column in header}

    def cell(row: list[str], column: str) -> str:
        index = at.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    texts: dict[str, list[str]] = {}
    answers: dict[str, dict[str, list[str]]] = {}
    subquestions: dict[str, list[str]] = {}
    question = question_text = None
    for row in rows[1:]:
        kind, name, label = cell(row, "class"), cell(row, "name"), _plain(cell(row, "text"))
        if kind == "Q":
            question, question_text = name, label
            _add(texts, name, label)
            subquestions.setdefault(name, [])
        elif kind == "SQ" and question is not None:
            column = f"{question}[{name}]"
            if column not in subquestions[question]:
                subquestions[question].append(column)
            _add(texts, column, label)
            _add(texts, column, f"{question_text} [{label}]")
        elif kind == "A" and question is not None:
            _add(answers.setdefault(question, {}), name, label)
    # an array question's answer options belong to each of its subquestions' columns
    for question, columns in subquestions.items():
        for column in columns:
            if question in answers:
                answers[column] = answers[question]
    return CodeMap(texts, answers, path)


def _plain(text: str) -> str:
    """A text without HTML tags and entities, on one line."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", text))).strip()


def _add(table: dict[str, list[str]], key: str, text: str) -> None:
    if text and text not in table.setdefault(key, []):
        table[key].append(text)
