"""Typed exceptions that carry what a user needs to act: which file, row, column, provider, cell."""

from __future__ import annotations

import errno
from dataclasses import dataclass, fields
from pathlib import Path


class StrapetsiError(Exception):
    """Base class of every error the workbench raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a dataset, located as precisely as the input allows.

    ``row`` is the line number a person sees in the file: in a CSV the header is line 1 and the
    first respondent line 2; in an Excel sheet it is the sheet's row number. ``None`` means the
    problem concerns the whole file or column.

    Written as ``file:row:column: message``, leaving out a part the problem does not have
    (``file:column: message`` for a column, ``file:row: message`` for a line, ``file:
    message`` for the whole file): :func:`location` is that one format.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return f"{location(self.file, self.row, self.column)}: {self.message}"


def location(file: str, rows: int | str | None, column: str | None) -> str:
    """``file:row:column`` without the parts not given (``rows`` may be a list of rows as
    text, ``2,3,4``)."""
    return ":".join(str(part) for part in (file, rows, column) if part not in (None, ""))


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
    """The instrument (YAML) cannot be used; ``problems`` lists every problem found, at once,
    each ``file:line:key: message``. ``missing`` says that no such instrument exists (the
    reference to it is what is wrong)."""

    def __init__(self, source: str | Path, problems: list[Problem], missing: bool = False):
        self.source = str(source)
        self.problems = sorted(set(problems), key=_problem_sort_key)
        self.missing = missing
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self):
        return (type(self), (self.source, self.problems, self.missing))


@dataclass(eq=False)
class ReportError(StrapetsiError):
    """A report could not be produced.

    Attributes
    ----------
    provider_id
        The provider (or ``"network"``) whose report failed.
    message
        What went wrong, in words a coordinator can act on.
    cell
        The index and first line of the notebook cell that raised (or was running), when known.
    cell_index
        That cell's index in the source notebook.
    ename, evalue
        The name and value of the underlying exception, when there was one.
    executed_notebook
        The executed notebook kept for the researcher (``{stem}.failed.ipynb``), when kept.
    """

    provider_id: str
    message: str
    cell: str | None = None
    cell_index: int | None = None
    ename: str | None = None
    evalue: str | None = None
    executed_notebook: Path | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" (cell {self.cell})" if self.cell else ""
        return f"report for {self.provider_id} failed{where}: {self.message}"

    def __reduce__(self):
        # Exceptions pickle their args by default; a dataclass error pickles its fields.
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


@dataclass(eq=False)
class OutputFolderError(StrapetsiError):
    """The run folder cannot be written: missing, read-only or full.

    Attributes
    ----------
    folder
        The folder (as the user gave it or the default).
    reason
        What is wrong (the system's words, e.g. "No space left on device").
    advice
        What to do about it.
    """

    folder: str
    reason: str
    advice: str

    @classmethod
    def from_os_error(cls, folder: str | Path, error: OSError) -> OutputFolderError:
        """The fault behind ``error`` (raised while writing into ``folder``), with advice."""
        reason = error.strerror or str(error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            advice = "free space there, or choose another folder with --out"
        elif error.errno == errno.ENOENT:
            advice = "create its parent folder, or choose another folder with --out"
        else:
            advice = ("make it writable for you (or remount it read-write), or choose another "
                      "folder with --out")
        return cls(str(folder), reason, advice)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"cannot write to {self.folder}: {self.reason}; {self.advice}"

    def __reduce__(self):
        return (type(self), (self.folder, self.reason, self.advice))


class ReportSuperseded(StrapetsiError):
    """A report's files were not put in place because the run had recorded the report already.

    A Dask scheduler recomputes a task whose finished result was on a worker that died; the run
    had then recorded that result, and a second production of the report must not replace the
    files the record describes (:class:`~strapetsi_lib.batch.tasks.ReportTask` ``fence``).
    """
