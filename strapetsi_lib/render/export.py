"""Execute a report notebook with Papermill and export it to a self-contained HTML report.

The HTML follows the report rules of docs/architecture.md §5: it opens offline and makes no request
to any other host, hides code, has ``lang`` set, one ``<h1>``, headings in order, a text alternative
on every image, and a print stylesheet. Anything that would break those rules fails the export with
a :class:`~strapetsi_lib.errors.ReportError` that names the cell, instead of producing a report that
quietly breaks them.

Files are written atomically (a temporary file in the same folder, then :func:`os.replace`), so
a good report from an earlier run is never replaced by a broken or half-written one.

Cell indices in error messages count the cells of the *source* notebook from 0, as nbformat
does (``nb.cells[i]``); Papermill's injected-parameters cell is not counted.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import errno
import functools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from strapetsi_lib.config import KERNEL_NAME, PROJ_ROOT, REPORT_LANGUAGES, TEMPLATES_DIR
from strapetsi_lib.errors import OutputFolderError, ReportError, ReportSuperseded
from strapetsi_lib.files import PRIVATE_FILE_MODE, portable_path, write_atomic
from strapetsi_lib.render.page_rules import (
    CONTENT_SECURITY_POLICY,
    finish_page,
)

__all__ = [
    "REMOVE_CELL_TAGS",
    "REMOVE_OUTPUT_TAGS",
    "CONTENT_SECURITY_POLICY",
    "REPORT_TEMPLATE",
    "ReportResult",
    "execute_notebook",
    "notebook_to_html",
    "portable_parameters",
    "render_report",
    "running_cell",
    "write_report",
]

#: ``errno`` values that are faults of the output folder, not of a report.
FOLDER_FAULTS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                           errno.ENOENT})
#: The nbconvert template used for reports: ``TEMPLATES_DIR / REPORT_TEMPLATE``.
REPORT_TEMPLATE = "strapetsi"
#: Cells carrying one of these tags are left out of the report.
REMOVE_CELL_TAGS = frozenset({"injected-parameters", "parameters", "remove", "remove-cell"})
#: Cells carrying one of these tags are shown without their outputs (their code is hidden anyway).
REMOVE_OUTPUT_TAGS = frozenset({"remove-output"})
#: How many kernels a report may start: a kernel that died before it ran any cell
#: (:class:`~strapetsi_lib.render.kernel_client.KernelStartError`) is started once more.
KERNEL_STARTS = 2
_INJECTED_TAG = "injected-parameters"
_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"


@dataclass(frozen=True)
class ReportResult:
    """What :func:`render_report` wrote and how long it took.

    Attributes
    ----------
    notebook, html
        The executed notebook ``{stem}.ipynb`` and the report ``{stem}.html`` in ``out_dir``.
    execute_seconds, export_seconds
        Wall-clock time spent executing the notebook (kernel start included) and exporting it.
    kernel_restarts
        How many times the report's kernel died before it ran any cell and was started again
        (:data:`KERNEL_STARTS`).
    """

    notebook: Path
    html: Path
    execute_seconds: float
    export_seconds: float
    kernel_restarts: int = 0

    @property
    def total_seconds(self) -> float:
        """Execution and export together."""
        return self.execute_seconds + self.export_seconds


# --- locating cells ---------------------------------------------------------------------------


def _tags(cell: Mapping[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _first_line(source: str | list[str], width: int = 80) -> str:
    text = "".join(source) if isinstance(source, list) else str(source or "")
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def _source_index(cells: list[Any], index: int) -> int:
    """Index of ``cells[index]`` in the source notebook, ignoring cells Papermill added."""
    added = {_INJECTED_TAG, _PAPERMILL_ERROR_TAG}
    return sum(1 for cell in cells[:index] if not _tags(cell) & added)


def describe_cell(cells: list[Any], index: int) -> dict[str, Any]:
    """Where a cell of an executed notebook is: ``{"cell_index": its index in the source
    notebook, "cell": its index and first line}`` (what a ReportError reports)."""
    return {"cell_index": _source_index(cells, index), "cell": _describe_cell(cells, index)}


def _describe_cell(cells: list[Any], index: int) -> str:
    cell = cells[index]
    where = str(_source_index(cells, index))
    count = cell.get("execution_count")
    if count is not None:
        where += f" (In [{count}])"
    line = _first_line(cell.get("source", ""))
    return f"{where}: {line}" if line else where


def _error(name: str, message: str, cell: str | None = None, **fields: Any) -> ReportError:
    """A ReportError for report ``name`` (``fields``: the error's other declared fields)."""
    return ReportError(name, message, cell, **fields)


def _report_id(notebook: Path | None, parameters: Mapping[str, Any] | None,
               report_id: str | None) -> str:
    if report_id:
        return report_id
    if parameters and parameters.get("provider_id"):
        return str(parameters["provider_id"])
    return notebook.stem if notebook is not None else "report"


# --- execution --------------------------------------------------------------------------------


def execute_notebook(notebook: Path, output: Path, parameters: Mapping[str, Any], *,
                     kernel_name: str = KERNEL_NAME, cwd: Path | None = None,
                     report_id: str | None = None, timeout: float | None = None) -> NotebookNode:
    """Execute a notebook with Papermill, injecting ``parameters``.

    Parameters
    ----------
    notebook
        The source notebook (it is only read).
    output
        Where Papermill writes the executed notebook, also when a cell fails.
    parameters
        Passed to Papermill as given (a Y-tunnus stays a string).
    kernel_name
        The Jupyter kernel to run; the workbench registers ``strapetsi``.
    cwd
        The kernel's working directory; ``None`` means the notebook's folder, as in JupyterLab.
    report_id
        Names the report in errors; defaults to ``parameters["provider_id"]`` or the notebook's
        stem.
    timeout
        Seconds one cell may run; ``None`` means no limit.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook.

    Raises
    ------
    ReportError
        If a cell raises (the error carries the cell's index and first line, ``ename`` and
        ``evalue``), or the kernel cannot start or dies. Attributes ``cell_index``, ``ename``,
        ``evalue`` and ``executed_notebook`` are set on the error where known.
    OSError
        When ``output`` cannot be written (its folder is full, read-only or missing; errno in
        :data:`FOLDER_FAULTS`).
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from strapetsi_lib.render.kernel_client import QuickStartKernelManager
    from strapetsi_lib.render.papermill_engine import register as register_engine

    notebook, output = Path(notebook), Path(output)
    name = _report_id(notebook, parameters, report_id)
    if not notebook.is_file():
        raise _error(name, f"notebook {notebook} does not exist", ename="FileNotFoundError",
                     evalue=str(notebook))
    workdir = Path(cwd) if cwd is not None else notebook.resolve().parent
    output.parent.mkdir(parents=True, exist_ok=True)
    # The notebook is complete when the last cell ends: stop the kernel at once rather than
    # ask it to shut down and poll until it has (nbclient's "graceful" costs ~0.25 s a report).
    engine_kwargs: dict[str, Any] = {"shutdown_kernel": "immediate",
                                     "kernel_manager_class": QuickStartKernelManager}
    if timeout is not None:
        engine_kwargs["execution_timeout"] = timeout
    try:
        return pm.execute_notebook(
            str(notebook), str(output), parameters=dict(parameters), kernel_name=kernel_name,
            cwd=str(workdir), progress_bar=False, log_output=False,
            # written once when the cells ran; the engine keeps a partial notebook when they
            # could not (see render/papermill_engine.py)
            request_save_on_cell_execute=False, partial_notebook=str(output),
            engine_name=register_engine(), **engine_kwargs,
        )
    except PapermillExecutionError as exc:
        raise _execution_error(name, output, exc.cell_index, exc.ename, exc.evalue) from exc
    except ReportError:
        raise
    except OSError as exc:
        if exc.errno in FOLDER_FAULTS:  # the output folder, not the report: the caller decides
            raise
        raise _execution_error(name, output, None, type(exc).__name__, str(exc)) from exc
    except Exception as exc:  # kernel missing or dead, cell timeout, unreadable notebook
        ename, evalue = type(exc).__name__, str(exc).strip().splitlines()
        message = evalue[0] if evalue else ""
        if ename == "NoSuchKernel":
            message += (f"; register it with: python -m ipykernel install --sys-prefix "
                        f"--name {kernel_name}")
        raise _execution_error(name, output, None, ename, message) from exc


def _execution_error(name: str, output: Path, cell_index: int | None, ename: str,
                     evalue: str) -> ReportError:
    """A ReportError locating the failing cell in the executed notebook at ``output``."""
    cells: list[Any] = []
    if output.is_file():
        try:
            cells = [c for c in nbformat.read(output, as_version=4).cells
                     if _PAPERMILL_ERROR_TAG not in _tags(c)]
        except Exception:  # noqa: BLE001 - a half-written notebook must not hide the real error
            cells = []
    if cell_index is None:  # no error output (timeout, dead kernel): the last cell started
        started = [i for i, c in enumerate(cells)
                   if c.get("metadata", {}).get("papermill", {}).get("start_time")]
        cell_index = started[-1] if started else None
    cell = index = None
    if cell_index is not None and 0 <= cell_index < len(cells):
        cell, index = _describe_cell(cells, cell_index), _source_index(cells, cell_index)
    return _error(name, f"{ename}: {evalue}" if evalue else ename, cell, cell_index=index,
                  ename=ename, evalue=evalue,
                  executed_notebook=output if output.is_file() else None)


def running_cell(executed: Path) -> tuple[int | None, str | None]:
    """The cell a partly executed notebook was running (or last started) when it stopped.

    The report's Papermill engine notes each cell as it starts beside the executed notebook
    (:func:`~strapetsi_lib.render.papermill_engine.running_marker`); without that note the
    last cell started in the saved notebook is taken.

    Returns
    -------
    (int or None, str or None)
        The cell's index in the source notebook and its description (index and first line);
        ``(None, None)`` when the file is missing or unreadable.
    """
    from strapetsi_lib.render.papermill_engine import running_marker

    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        where = json.loads(running_marker(Path(executed)).read_text(encoding="utf-8"))
        return int(where["cell_index"]), str(where["cell"])
    error = _execution_error("report", Path(executed), None, "Timeout", "")
    return error.cell_index, error.cell


# --- export -----------------------------------------------------------------------------------


@functools.cache
def _exporter(language: str):
    """The report exporter for ``language``: nbconvert's ``HTMLExporter`` with the report
    template, made (and its template compiled) once a process."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    config.HTMLExporter.template_name = REPORT_TEMPLATE
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES_DIR)]
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    config.HTMLExporter.language_code = language
    # The notebook is checked once, after the last preprocessor, rather than after each of
    # nbconvert's twelve: they only remove cells and outputs, which leave a valid notebook.
    config.HTMLExporter.optimistic_validation = True
    return HTMLExporter(config=config)


def warm_exporters(languages: tuple[str, ...] = REPORT_LANGUAGES) -> list[str]:
    """Export a one-cell notebook in each of ``languages``, so that the process, and every
    process forked from it afterwards, starts with the exporters made, their template compiled
    and the page checks' CSS selectors built (about 0.3 s of processor time that each batch
    worker otherwise pays on its first report). Best effort: return the languages that failed
    (a worker then makes that exporter itself).
    """
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    html = '<p>\u00e4 <img alt="\u00f6" src="data:image/png;base64,AA=="></p>'
    nb = new_notebook(cells=[
        new_markdown_cell("# \u00c5", id="warm-title"),
        new_code_cell("", id="warm-output", outputs=[new_output(
            "display_data", data={"text/html": html, "text/plain": ""})])])
    failed = []
    for language in languages:
        try:
            notebook_to_html(nb, language, "warm", report_id="warm")
        except Exception:  # noqa: BLE001 - a cold exporter only costs the worker time
            failed.append(language)
    return failed


def _check_language(language: str) -> str:
    from nbconvert.utils.iso639_1 import iso639_1

    if language not in iso639_1:
        raise ValueError(f"report language must be an ISO 639-1 code such as fi, sv or en, "
                         f"not {language!r}")
    return language


def notebook_to_html(nb: NotebookNode, language: str, title: str | None = None, *,
                     report_id: str | None = None) -> str:
    """Export an executed notebook to the report's HTML.

    Parameters
    ----------
    nb
        The executed notebook (not modified).
    language
        The report's language (``fi``, ``sv`` or ``en``), set as ``<html lang>``.
    title
        The page's ``<title>``. ``None`` uses the text of the report's ``<h1>``. When the
        notebook shows no ``<h1>``, a given ``title`` also becomes the ``<h1>``.
    report_id
        Names the report in errors.

    Returns
    -------
    str
        A complete HTML page: code inputs, prompts, stderr, tracebacks, and the cells tagged
        ``parameters``, ``injected-parameters``, ``remove`` or ``remove-cell`` left out.

    Raises
    ------
    ValueError
        If ``language`` is not an ISO 639-1 code.
    ReportError
        Listing every rule the page would break, each with its cell: an image without a text
        alternative, a resource from outside the page, no ``<h1>`` or more than one, headings
        out of order.
    """
    _check_language(language)
    name = report_id or "report"
    if not all(cell.get("id") for cell in nb.cells):  # ids locate problems; old notebooks
        nb = nbformat.from_dict(copy.deepcopy(dict(nb)))  # lack them: a copy gets some
        for position, cell in enumerate(nb.cells):
            if not cell.get("id"):
                cell["id"] = f"strapetsi-{position}"
    # (no copy otherwise: nbconvert exports a deep copy of its own, ``nb`` stays as it was)
    cells_by_id = {cell["id"]: i for i, cell in enumerate(nb.cells)}
    resources = {"strapetsi": {"title": title or "", "csp": CONTENT_SECURITY_POLICY}}
    try:
        body, _ = _exporter(language).from_notebook_node(nb, resources=resources)
    except Exception as exc:
        raise _error(name, f"HTML export failed: {type(exc).__name__}: {exc}",
                     ename=type(exc).__name__, evalue=str(exc)) from exc
    return _finish(body, nb.cells, cells_by_id, title, name)


def _finish(body: str, cells: list[Any], cells_by_id: dict[str, int], title: str | None,
             name: str) -> str:
    """Check the exported page against the report rules and settle its title and links
    (:mod:`strapetsi_lib.render.page_rules`)."""
    from strapetsi_lib.render.pdf import page_header_css

    page, problems = finish_page(body, title, page_header_css)
    if problems:
        found = [(cells_by_id.get(problem.cell_id) if problem.cell_id else None, problem.message)
                 for problem in problems]
        lines = "\n".join(f"  cell {_describe_cell(cells, index)}: {text}"
                          if index is not None else f"  {text}" for index, text in found)
        first = found[0][0]
        raise _error(name, f"the report breaks {len(found)} report rule(s):\n{lines}",
                     None if first is None else _describe_cell(cells, first),
                     cell_index=None if first is None else _source_index(cells, first),
                     ename="ReportRules", evalue=lines.strip())
    return page


# --- writing ----------------------------------------------------------------------------------


def _portable(nb: NotebookNode, notebook: Path, stem: str) -> NotebookNode:
    """Take the absolute paths out of an executed notebook before it is kept.

    Papermill records the input and output paths, and a parameter holding a path (the dataset)
    appears in the metadata and in the injected-parameters cell; each absolute path becomes
    :func:`strapetsi_lib.files.portable_path` of it (relative to the project, or its last
    part), so a kept notebook names neither the user's folders nor the machine.
    """
    papermill = nb.metadata.get("papermill")
    if papermill is None:
        return nb
    papermill["input_path"] = Path(notebook).name
    papermill["output_path"] = f"{stem}.ipynb"
    parameters = papermill.get("parameters") or {}
    shown = portable_parameters(parameters)
    for key, value in parameters.items():
        if value != shown[key]:
            for cell in nb.cells:
                if _INJECTED_TAG in _tags(cell):
                    cell.source = cell.source.replace(value, shown[key])
    papermill["parameters"] = shown
    return nb


def portable_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` as they may be written into a kept file: an absolute path (the dataset)
    becomes relative to the project, as notebooks resolve it, or its last part when outside
    (:func:`strapetsi_lib.files.portable_path`)."""
    return {key: portable_path(value, PROJ_ROOT)
            if isinstance(value, str) and os.path.isabs(value) else value
            for key, value in parameters.items()}


def _keep_failed(executed: Path, target: Path, notebook: Path, stem: str) -> Path | None:
    """Keep a failed run's executed notebook as ``target``; ``None`` when it is not whole
    (a full disk can cut it short) or cannot be written."""
    try:
        nb = nbformat.read(executed, as_version=4)
        write_atomic(target, nbformat.writes(_portable(nb, notebook, stem)))
    except Exception:  # noqa: BLE001 - the report's own error is what the user needs
        return None
    return target


def coordinator_only(parameters: Mapping[str, Any]) -> bool:
    """Whether a report is for the coordinator only: a network report that names providers
    (its rows by provider are not safe to forward, README "What a report publishes")."""
    return bool(parameters.get("name_providers"))


def write_report(html: str, target: Path, *, private: bool = False) -> Path:
    """Write ``html`` to ``target`` atomically.

    The text goes to a temporary file in the same folder, is flushed to disk, and then replaces
    ``target`` in one step, so readers see either the old report or the new one, never a part.
    A ``private`` report (:func:`coordinator_only`) is readable by the user only, whatever the
    umask.

    Returns
    -------
    Path
        ``target``.
    """
    return write_atomic(target, html, mode=PRIVATE_FILE_MODE if private else None)


def _print_pdf(html: str, workdir: Path, stem: str, private: bool) -> Path:
    """The report printed to a PDF in its work folder (from a copy of its HTML there), ready
    to be put in place beside the HTML, readable by the user only when the report is
    (``private``); :class:`~strapetsi_lib.render.pdf.PdfError` if not."""
    from strapetsi_lib.render.pdf import write_pdf

    page = write_atomic(workdir / f"{stem}.html", html)
    printed = write_pdf(page, workdir / f"{stem}.pdf", work_dir=workdir)
    if private:
        os.chmod(printed, PRIVATE_FILE_MODE)
    return printed


def render_report(notebook: Path, parameters: Mapping[str, Any], out_dir: Path, stem: str,
                  language: str, *, title: str | None = None, kernel_name: str = KERNEL_NAME,
                  cwd: Path | None = None, report_id: str | None = None,
                  timeout: float | None = None, keep_failed: bool = True,
                  notebook_dir: Path | None = None, pdf: bool = False,
                  superseded: Callable[[], bool] | None = None) -> ReportResult:
    """Execute a report notebook and export it; write the files only if all succeed.

    Parameters
    ----------
    notebook
        The report notebook.
    parameters
        Papermill parameters, passed as given.
    out_dir
        Folder that receives ``{stem}.html``.
    stem
        File name without suffix, e.g. the provider id.
    language
        The report's language.
    title, kernel_name, cwd, report_id, timeout
        See :func:`notebook_to_html` and :func:`execute_notebook`.
    keep_failed
        When execution or export fails, keep the executed notebook as ``{stem}.failed.ipynb``
        in ``notebook_dir`` for the researcher (its path is the error's
        ``executed_notebook``). A later success removes it. A notebook cut short (a full disk)
        is not kept.
    notebook_dir
        Folder that receives the executed notebook ``{stem}.ipynb`` (default ``out_dir``); it
        must be on the same file system as ``out_dir``. The work folder is made in it.
    pdf
        Also print the HTML to ``{stem}.pdf`` beside it (:mod:`strapetsi_lib.render.pdf`), from
        the new HTML before anything is put in place: when the print fails, the report's
        earlier files (HTML and PDF) are all kept. Without ``pdf``, a new HTML removes an
        earlier PDF, which would no longer match it.
    superseded
        Asked just before the files are put in place; when it answers yes, nothing is written
        (:class:`~strapetsi_lib.errors.ReportSuperseded`).

    Returns
    -------
    ReportResult

    Raises
    ------
    ReportError
        On any failure of the report. Existing ``{stem}.ipynb`` / ``{stem}.html`` are then left
        untouched.
    PdfError
        When ``pdf`` is asked for and the print fails; nothing is written.
    ReportSuperseded
        When ``superseded`` says the report must not be written any more.
    OutputFolderError
        When a folder cannot be written (full, read-only, missing); nothing is left behind.
    """
    _check_language(language)
    out_dir = Path(out_dir)
    notebook_dir = Path(notebook_dir) if notebook_dir is not None else out_dir
    name = _report_id(Path(notebook), parameters, report_id)
    final_nb, final_html = notebook_dir / f"{stem}.ipynb", out_dir / f"{stem}.html"
    failed_nb = notebook_dir / f"{stem}.failed.ipynb"
    final_pdf = final_html.with_suffix(".pdf")
    workdir = None
    try:
        notebook_dir.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(dir=notebook_dir, prefix=f".{stem}."))
        temp_nb = workdir / f"{stem}.ipynb"
        started = time.perf_counter()
        try:
            executed, restarts = _execute_with_a_new_kernel_if_it_died(
                Path(notebook), temp_nb, parameters, kernel_name=kernel_name, cwd=cwd,
                report_id=name, timeout=timeout)
            execute_seconds = time.perf_counter() - started
            started = time.perf_counter()
            html = notebook_to_html(executed, language, title, report_id=name)
            export_seconds = time.perf_counter() - started
        except ReportError as error:
            kept = (_keep_failed(temp_nb, failed_nb, Path(notebook), stem)
                    if keep_failed and temp_nb.is_file() else None)
            if kept is None:
                raise
            raise dataclasses.replace(error, executed_notebook=kept) from error
        private = coordinator_only(parameters)
        printed = _print_pdf(html, workdir, stem, private) if pdf else None
        if superseded is not None and superseded():
            raise ReportSuperseded(f"report {name} was recorded before this production ended")
        write_atomic(final_nb, nbformat.writes(_portable(executed, Path(notebook), stem)))
        write_report(html, final_html, private=private)
        if printed is not None:
            os.replace(printed, final_pdf)
        else:
            final_pdf.unlink(missing_ok=True)
        failed_nb.unlink(missing_ok=True)
    except OSError as exc:
        if exc.errno not in FOLDER_FAULTS:
            raise
        # named by the folder the user chose; the notebooks' folder lies inside it in a run
        raise OutputFolderError.from_os_error(out_dir, exc) from exc
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    return ReportResult(final_nb, final_html, execute_seconds, export_seconds, restarts)


def _execute_with_a_new_kernel_if_it_died(notebook: Path, output: Path,
                                          parameters: Mapping[str, Any],
                                          **options: Any) -> tuple[NotebookNode, int]:
    """:func:`execute_notebook`, starting a new kernel when one died before it ran any cell
    (at most :data:`KERNEL_STARTS` kernels); returns the executed notebook and how many times a
    kernel was started again. The error of the last start names them all."""
    from strapetsi_lib.render.kernel_client import KernelStartError

    restarts = 0
    while True:
        try:
            return execute_notebook(notebook, output, parameters, **options), restarts
        except ReportError as error:
            if not isinstance(error.__cause__, KernelStartError):
                raise
            if restarts + 1 == KERNEL_STARTS:
                raise dataclasses.replace(
                    error, message=f"{error.message} ({KERNEL_STARTS} kernels were started "
                                   "and each died before it ran a cell)") from error.__cause__
            restarts += 1
