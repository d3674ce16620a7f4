"""Typed exceptions that carry what a user needs to act: which file, row, column, provider, cell."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class StrapetsiError(Exception):
    """Base class of every error the workbench raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a dataset, located as precisely as the input allows.

    ``row`` is the line number a person sees in the file: in a CSV the header is line 1 and the
    first respondent line 2; in an Excel sheet it is the sheet's row number. ``None`` means the
    problem concerns the whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = self.column or ""
        return f"{self.file}:{row}:{column}: {self.message}"


class DatasetError(StrapetsiError):
    """The dataset cannot be used; ``problems`` lists every problem found, all at once."""

    def __init__(self, dataset: str | Path, problems: list[Problem]):
        self.dataset = str(dataset)
        self.problems = sorted(set(problems), key=_problem_sort_key)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"dataset {self.dataset} has {len(self.problems)} problem(s):\n{lines}"
        )


def _problem_sort_key(problem: Problem) -> tuple:
    return (problem.file, problem.row if problem.row is not None else -1, problem.column or "",
            problem.message)


class InstrumentError(StrapetsiError):
    """The instrument definition (YAML) is malformed; the message names the file and key."""


class ReportError(StrapetsiError):
    """A report could not be produced.

    Parameters
    ----------
    provider_id
        The provider (or ``"network"``) whose report failed.
    message
        What went wrong, in words a coordinator can act on.
    cell
        The index and first line of the notebook cell that raised, when a cell raised.
    """

    def __init__(self, provider_id: str, message: str, cell: str | None = None):
        self.provider_id = provider_id
        self.cell = cell
        self.detail = message
        where = f" (cell {cell})" if cell else ""
        super().__init__(f"report for {provider_id} failed{where}: {message}")
