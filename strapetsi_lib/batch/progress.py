"""Progress of a batch run: a bar on a terminal, one line per report elsewhere (CI logs)."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from strapetsi_lib.batch.tasks import OUTPUT_FOLDER_FAULT, ReportTask, TaskResult

OnDone = Callable[[ReportTask, TaskResult], None]


class Progress:
    """Shows how many reports are done and prints each failure with its cause as it happens.

    Parameters
    ----------
    console
        Where to draw (a terminal gets a live bar; anything else one line per report).
    total
        Reports to run.
    """

    def __init__(self, console: Console, total: int):
        self.console, self.total, self.done, self.failed = console, total, 0, 0
        self.bar = None
        if console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self.bar = Bar(TextColumn("[bold]reports"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.fields[failed]}"), TimeElapsedColumn(),
                           TimeRemainingColumn(), console=console, transient=False)
            self.task = self.bar.add_task("reports", total=total, failed="")

    def wrap(self, on_done: OnDone) -> OnDone:
        """``on_done``, then advance the display."""
        def done(task: ReportTask, result: TaskResult) -> None:
            on_done(task, result)
            self.advance(task, result)
        return done

    def advance(self, task: ReportTask, result: TaskResult) -> None:
        """Count a finished report; print it if it failed (or always, without a bar)."""
        self.done += 1
        if not result.ok:
            self.failed += 1
            error = result.error
            # a full or read-only run folder is said once, at the end of the run
            if error is not None and error.ename != OUTPUT_FOLDER_FAULT:
                cause = (error.cause.strip().splitlines() or [""])[0][:200]
                self.console.print(f"[red]FAILED[/red] {escape(task.report_id)}: "
                                   f"{escape(cause)}", highlight=False)
                if error.cell:
                    self.console.print(f"       in cell {escape(error.cell)}", highlight=False)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done,
                            failed=f"[red]{self.failed} failed" if self.failed else "")
        elif result.ok:
            self.console.print(f"[{self.done}/{self.total}] {task.report_id} ok "
                               f"({result.seconds:.1f} s)", highlight=False, markup=False)

    def __enter__(self) -> Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.stop()
