"""Problems as a person can read them: the same problem in many rows is one line, and the list
is capped.

A file exported wrongly can give the same problem in every row (an unknown role label, a shifted
column): thousands of lines that say one thing. :func:`problem_lines` groups the problems that
share file, column and message into one line naming how many rows and the first of them, e.g.
``responses.csv:2,3,4,…(+2,347 more):role: unknown role 'x'``, and stops after
:data:`MAX_LINES` lines with a count of the rest. ``strapetsi validate --all`` prints every
problem on its own line instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from strapetsi_lib.errors import Problem, location

#: Lines a problem list shows before it says how many more there are.
MAX_LINES = 50
#: Rows a grouped line names before it counts the rest.
SHOWN_ROWS = 3


def problem_lines(problems: Iterable[Problem], every: bool = False,
                  max_lines: int = MAX_LINES) -> list[str]:
    """The lines that list ``problems``.

    Parameters
    ----------
    problems
        In the order to show them (a :class:`~strapetsi_lib.errors.DatasetError` sorts them by
        file, row and column).
    every
        One line per problem, uncapped.
    max_lines
        Most lines shown when grouping; a last line counts the rest.

    Returns
    -------
    list of str
        ``file:row:column: message`` lines (without a part the problem has not, see
        :class:`~strapetsi_lib.errors.Problem`); a group of rows reads
        ``file:r1,r2,r3,…(+N more):column: message``.
    """
    problems = list(problems)
    if every:
        return [str(p) for p in problems]
    groups: dict[tuple[str, str | None, str], list[Problem]] = {}
    for problem in problems:
        groups.setdefault((problem.file, problem.column, problem.message), []).append(problem)
    lines = [_group_line(group) for group in groups.values()]
    if len(lines) > max_lines:
        rest = len(lines) - max_lines
        hidden = sum(len(g) for g in list(groups.values())[max_lines:])
        lines = lines[:max_lines] + [
            f"… and {rest:,} more line(s) ({hidden:,} problem(s)); "
            "`strapetsi validate --all` lists every one"]
    return lines


def _group_line(group: list[Problem]) -> str:
    first = group[0]
    rows = sorted({p.row for p in group if p.row is not None})
    if len(rows) <= 1:
        return str(first)
    shown = ",".join(str(r) for r in rows[:SHOWN_ROWS])
    if len(rows) > SHOWN_ROWS:
        shown += f",…(+{len(rows) - SHOWN_ROWS:,} more)"
    return f"{location(first.file, shown, first.column)}: {first.message}"
