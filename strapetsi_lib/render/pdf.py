"""A PDF beside each HTML report, printed by headless Chromium, and the print header rule.

Chromium prints the report with the stylesheet's print rules (A4, page numbers, figures and tables
kept whole). Its PDF is tagged (a structure tree for screen readers), carries the page's ``lang``
as the document language, keeps the text selectable and has an outline made from the headings.
nbconvert's ``webpdf`` exporter is not used: it wants Playwright's own Chromium download, which an
offline machine cannot fetch; the system's ``/usr/bin/chromium`` is run directly instead.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from strapetsi_lib.errors import StrapetsiError
from strapetsi_lib.files import write_atomic

__all__ = ["CHROMIUM", "PdfError", "page_header_css", "write_pdf"]

#: The browser that prints; Debian's package installs it here.
CHROMIUM = Path("/usr/bin/chromium")
#: Headless printing with nothing fetched from elsewhere and no browser-made header or footer
#: (the report's own @page rules give the title and the page numbers).
_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-pdf-header-footer", "--generate-pdf-document-outline")
#: Seconds one report may take to print.
TIMEOUT = 180


class PdfError(StrapetsiError):
    """A report could not be printed to PDF.

    Parameters
    ----------
    html
        The report that was printed.
    reason
        What went wrong, e.g. Chromium's last output lines.
    """

    def __init__(self, html: str | Path, reason: str):
        self.html = str(html)
        self.reason = reason
        super().__init__(f"could not print {self.html} to PDF: {reason}")


def _css_string(value: str) -> str:
    """``value`` as a CSS string literal that cannot end the string or the ``<style>``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + " ".join(escaped.split()) + '"'


def page_header_css(title: str) -> str:
    """The print rule that repeats the report's title (with the provider's name) on every page.

    Chromium supports ``@page`` margin boxes but not ``string-set``, so the title is written into
    the rule of each report rather than taken from its ``<h1>``.
    """
    return ("@page { @top-left { content: " + _css_string(title) + "; font-size: 9pt;"
            " color: #4a4a4a; font-family: system-ui, \"DejaVu Sans\", Arial, sans-serif; } }")


def write_pdf(html: str | Path, pdf: str | Path | None = None, *,
              chromium: str | Path = CHROMIUM, timeout: float = TIMEOUT) -> Path:
    """Print an HTML report to a PDF with headless Chromium.

    Parameters
    ----------
    html
        The report's HTML file.
    pdf
        Where to write; default the HTML's path with ``.pdf``. Written atomically: a failed
        print leaves no PDF and keeps an earlier one.
    chromium
        The Chromium executable.
    timeout
        Seconds before the print is given up.

    Returns
    -------
    Path
        The PDF.

    Raises
    ------
    PdfError
        If Chromium is missing, fails, times out or writes no PDF.
    """
    html = Path(html).resolve()
    target = Path(pdf) if pdf is not None else html.with_suffix(".pdf")
    if not Path(chromium).exists():
        raise PdfError(html, f"Chromium is not installed at {chromium} (apt-get install chromium)")
    if not html.is_file():
        raise PdfError(html, "the HTML file does not exist")
    with tempfile.TemporaryDirectory(prefix="strapetsi-pdf-") as work:
        printed = Path(work) / "report.pdf"
        command = [str(chromium), *_ARGS, f"--user-data-dir={Path(work) / 'profile'}",
                   f"--print-to-pdf={printed}", html.as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                    check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(html, f"Chromium did not finish in {timeout:g} s") from exc
        if result.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            tail = " | ".join((result.stderr or "").strip().splitlines()[-3:])
            raise PdfError(html, f"Chromium exited with {result.returncode}: {tail}")
        return write_atomic(target, printed.read_bytes())
