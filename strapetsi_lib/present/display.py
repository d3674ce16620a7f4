"""What report notebooks call to show figures, tables, headings and words.

Every function here emits HTML that meets the report rules (docs/architecture.md §5) and
renders the same way in JupyterLab and in the exported report: figures are embedded SVG images
with a text alternative and a caption, tables have a caption and column headers, headings come in
order, and any text that comes from data is escaped: titles, headings, captions, table cells
and alt texts escape all of their text, and :func:`text_html` renders only templates as
Markdown (the values put into them are escaped), so no data ever becomes markup.

The ``*_html`` functions return the HTML as a string (handy in tests); the ``show_*`` functions
display it and return ``None``, so a call on a cell's last line adds no ``Out[...]`` to the
report. While a cell runs, everything its ``show_*`` calls display becomes one output of that
cell, sent when the cell ends (:class:`_CellOutput`).

Examples
--------
>>> from strapetsi_lib.present.display import show_figure, show_table, show_text, show_title
>>> show_title(f"Osaamisen johtaminen: {name}")            # doctest: +SKIP
>>> show_figure(fig, alt=f"Pylväskuva: ...", caption="Kuva 1")  # doctest: +SKIP
>>> show_text("Vastaajia oli **{n}**, joista {org}.", n=n, org=provider_name)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "figure_html",
    "figure_svg",
    "heading_html",
    "show_figure",
    "show_heading",
    "show_table",
    "show_text",
    "show_title",
    "table_html",
    "text_html",
    "title_html",
]

#: CSS pixels per inch of figure size: a figure 8 inches wide is laid out 768 px wide (and
#: scales down with the page, as SVG does without losing sharpness).
_CSS_PIXELS_PER_INCH = 96
#: Metadata matplotlib would write into the SVG; none, so the same figure gives the same bytes.
_SVG_METADATA = {"Date": None, "Creator": None}

#: A cell text that reads as a number (after i18n formatting), so the column aligns right.
_NUMERIC_TEXT = re.compile(r"^[+\-\u2212]?\d[\d\u00a0\u202f ]*(?:[.,]\d+)?(?:\s?%)?$")

#: A ``{name}`` placeholder in :func:`text_html` (not ``{{`` or ``}}``).
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def _escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


#: Key of the display metadata under which :func:`show_figure` records its drawing time.
TIMING_METADATA = "strapetsi"


def _display_html(markup: str, plain: str, metadata: dict[str, Any] | None = None) -> None:
    """Show HTML: gathered into the running cell's one output, or at once outside a cell."""
    shell = _running_shell()
    if shell is None:
        _publish(markup, plain, metadata)
    else:
        _CELL_OUTPUT.add(shell, markup, plain, metadata)


def _publish(markup: str, plain: str, metadata: dict[str, Any] | None) -> None:
    from IPython.display import display

    display({"text/html": markup, "text/plain": plain}, metadata=metadata, raw=True)


def _running_shell() -> Any:
    """The IPython shell while it runs a cell (a kernel, JupyterLab, nbval), else ``None``."""
    import sys

    if "IPython" not in sys.modules:  # plain Python never imported IPython: no cell runs
        return None
    from IPython import get_ipython

    shell = get_ipython()
    # IPython hands the displayhook the cell's result while the cell's code runs, and only then
    hook = getattr(shell, "displayhook", None)
    return shell if getattr(hook, "exec_result", None) is not None else None


class _CellOutput:
    """What the ``show_*`` functions show while a cell runs, sent as one output when it ends.

    A report shows some seventy headings, paragraphs, tables and figures in fifteen cells.
    As one output each, every one was a message from the kernel, an output in the executed
    notebook and a wrapper in the exported page: about 4 ms of processor time apiece in the
    kernel, Papermill and nbconvert together. Gathered per cell, they are one output, in the
    order they were shown, when IPython ends the cell (its ``post_run_cell`` event, which also
    comes after a cell fails). The report looks the same: the output wrappers have no styling
    of their own. What a cell shows in other ways (``print``, a bare ``display``) comes before
    its gathered output. The figures' drawing times (:data:`TIMING_METADATA`) are added up.
    """

    def __init__(self) -> None:
        self.shell: Any = None
        self.parts: list[tuple[str, str, dict[str, Any] | None]] = []

    def add(self, shell: Any, markup: str, plain: str,
            metadata: dict[str, Any] | None) -> None:
        if shell is not self.shell:  # a new kernel or shell: send this cell's output at its end
            self.shell, self.parts = shell, []
            shell.events.register("post_run_cell", self.send)
        self.parts.append((markup, plain, metadata))

    def send(self, result: Any = None) -> None:
        """Show the gathered parts as one output (IPython's ``post_run_cell`` callback)."""
        parts, self.parts = self.parts, []
        if not parts:
            return
        seconds = [m[TIMING_METADATA]["figure_seconds"] for _, _, m in parts
                   if m and TIMING_METADATA in m]
        metadata = ({TIMING_METADATA: {"figure_seconds": round(sum(seconds), 4)}}
                    if seconds else None)
        _publish("".join(markup for markup, _, _ in parts),
                 "\n\n".join(plain for _, plain, _ in parts if plain), metadata)


_CELL_OUTPUT = _CellOutput()


# --- figures ----------------------------------------------------------------------------------


def _as_figure(fig: Any) -> Any:
    """Accept a Figure, an Axes or a seaborn grid; return the matplotlib Figure."""
    from matplotlib.figure import Figure

    if isinstance(fig, Figure):
        return fig
    for attribute in ("figure", "fig"):
        candidate = getattr(fig, attribute, None)
        if isinstance(candidate, Figure):
            return candidate
    raise TypeError(f"show_figure needs a matplotlib Figure (or Axes / seaborn grid), not "
                    f"{type(fig).__name__}")


def figure_svg(fig: Any) -> bytes:
    """Draw a figure once as SVG, its text kept as text, at the size its layout fixed.

    The figure's style (fonts, constrained layout) is set where it is made
    (:mod:`strapetsi_lib.present.figure_style`); here it is only drawn.
    """
    import matplotlib

    from strapetsi_lib.present.text_metrics import shared_text_metrics

    figure = _as_figure(fig)
    engine = figure.get_layout_engine()
    buffer = io.BytesIO()
    with shared_text_metrics():
        if engine is not None:
            # savefig runs a layout engine in a dry draw and again in the real one; lay the
            # figure out once here and keep that layout: the SVG costs one layout and one draw.
            engine.execute(figure)
            with matplotlib.rc_context({"figure.autolayout": False,
                                        "figure.constrained_layout.use": False}):
                figure.set_layout_engine(None)  # None, not "none": savefig skips its dry draw
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "strapetsi"}):
            figure.savefig(buffer, format="svg", metadata=_SVG_METADATA)
    return buffer.getvalue()


def figure_html(fig: Any, alt: str, caption: str | None = None, *, close: bool = True) -> str:
    """Render a matplotlib figure as a ``<figure>`` with an embedded SVG, alt text and caption.

    Parameters
    ----------
    fig
        A ``matplotlib.figure.Figure``, or an object with one as ``.figure`` / ``.fig``
        (an Axes, a seaborn ``FacetGrid``).
    alt
        The text alternative: what the figure shows, in words, for a reader who cannot see it
        (e.g. "Bar chart: the provider's mean is above the network's in 4 of 5 dimensions").
    caption
        Visible caption under the figure; plain text, escaped.
    close
        Close the figure afterwards, so Jupyter does not show it a second time without alt text.

    Returns
    -------
    str
        ``<figure><img src="data:image/svg+xml;base64,..." alt="..." width height>
        <figcaption>``. The image is a ``data:`` URI, so the report stays one self-contained
        file that loads nothing (its content security policy allows ``img-src data:``), and
        the text alternative stays on the ``<img>``, where the report checks look for it.
        ``width`` and ``height`` are the figure's size; CSS scales it to the page. The same
        figure gives the same bytes each time.

    Raises
    ------
    ValueError
        If ``alt`` is empty or only whitespace.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("show_figure needs a non-empty alt text that says what the figure shows")
    figure = _as_figure(fig)
    try:
        data = figure_svg(figure)
        width, height = figure.get_size_inches() * _CSS_PIXELS_PER_INCH
    finally:
        if close:
            import matplotlib.pyplot as plt

            plt.close(figure)
    encoded = base64.b64encode(data).decode("ascii")
    parts = [
        '<figure class="strapetsi-figure">',
        f'<img src="data:image/svg+xml;base64,{encoded}" alt="{_escape(alt.strip())}" '
        f'width="{round(width)}" height="{round(height)}">',
    ]
    if caption:
        parts.append(f"<figcaption>{_escape(caption)}</figcaption>")
    parts.append("</figure>")
    return "".join(parts)


def show_figure(fig: Any, alt: str, caption: str | None = None) -> None:
    """Display a figure with its text alternative and caption, and close it.

    See :func:`figure_html` for the parameters. ``alt`` is required: the report export fails
    on any image without a text alternative.
    """
    from strapetsi_lib.present.figure_style import figure_seconds

    markup = figure_html(fig, alt, caption)
    plain = alt.strip() if not caption else f"{caption}\n{alt.strip()}"
    seconds = figure_seconds()  # since the figure function began (None: not one of ours)
    timing = {TIMING_METADATA: {"figure_seconds": round(seconds, 4)}} if seconds else None
    _display_html(markup, plain, timing)


# --- tables -----------------------------------------------------------------------------------


def _cell_text(value: Any, formatter: Callable[[Any], str] | None, na_rep: str) -> str:
    if formatter is not None:
        return str(formatter(value))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return na_rep
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return na_rep
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def _is_numeric(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Number):
        return True
    return bool(_NUMERIC_TEXT.match(text.strip()))


def _label(label: Any) -> str:
    if isinstance(label, tuple):
        return " – ".join(str(part) for part in label if str(part))
    return "" if label is None else str(label)


#: How wide a table's text must be at least, in CSS px per character of its longest words and
#: per cell besides its text, and the room there is: on a phone (0.8rem type, a 390 px
#: screen's 366 px of text), on paper (11 pt type, an A4 page's 673 px of text) and on a
#: larger screen (0.95rem type, the report's 52rem column), reckoned generously (bold
#: headers). A table whose longest words do not fit side by side is marked with the class of
#: that medium and shown a block a row there (the report's stylesheet), so that no word is
#: broken at any letter and nothing runs off the page.
_PHONE = (7.6, 8.0, 366.0)
_PRINT = (9.0, 14.0, 650.0)
_SCREEN = (9.2, 24.0, 790.0)
WIDE_CLASS = "strapetsi-wide"
WIDE_PRINT_CLASS = "strapetsi-wide-print"
WIDE_SCREEN_CLASS = "strapetsi-wide-screen"


def _too_wide(columns: list[str], texts: list[list[str]], numeric: list[list[bool]],
              medium: tuple[float, float, float]) -> bool:
    """Whether a table's longest words (a number as a whole: it never wraps) cannot stand
    side by side in ``medium`` (:data:`_PHONE`, :data:`_PRINT`)."""
    char_px, cell_px, room = medium
    width = 0.0
    for j, column in enumerate(columns):
        words = column.split()
        for row_texts, flags in zip(texts, numeric, strict=True):
            words += [row_texts[j]] if flags[j] else row_texts[j].split()
        width += max((len(w) for w in words), default=1) * char_px + cell_px
    return width > room


def table_html(frame: Any, caption: str, index: bool = False, *,
               formatters: Mapping[Any, Callable[[Any], str]] | None = None,
               na_rep: str = "–") -> str:
    """Render a DataFrame as an accessible HTML table.

    Parameters
    ----------
    frame
        The ``pandas.DataFrame`` to show. Format numbers for the report's language first
        (``strapetsi_lib.present.i18n.number`` / ``percent``) or pass ``formatters``.
    caption
        What the table shows; becomes the ``<caption>``. Required.
    index
        Show the index as the first column, its cells as row headers (``<th scope="row">``).
    formatters
        Optional ``{column: function}`` turning a value into the text shown.
    na_rep
        Text for missing values.

    Returns
    -------
    str
        ``<table class="strapetsi-table">`` with ``<caption>``, ``<thead>`` of
        ``<th scope="col">`` and ``<tbody>``; no generated ids, so output is reproducible.
        Cells that hold numbers get ``class="num"`` (right-aligned).

    Raises
    ------
    ValueError
        If ``caption`` is empty.
    """
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError("show_table needs a caption that says what the table shows")
    formatters = dict(formatters or {})
    columns = list(frame.columns)
    rows = list(frame.itertuples(index=False, name=None))
    texts = [[_cell_text(value, formatters.get(column), na_rep)
              for column, value in zip(columns, row, strict=True)] for row in rows]
    numeric = [[_is_numeric(value, text) for value, text in zip(row, row_texts, strict=True)]
               for row, row_texts in zip(rows, texts, strict=True)]
    numeric_columns = [
        any(flags[j] for flags in numeric)
        and all(flags[j] or row_texts[j] == na_rep
                for flags, row_texts in zip(numeric, texts, strict=True))
        for j in range(len(columns))
    ]
    labels = [_label(column) for column in columns]
    wide = not index and _too_wide(labels, texts, numeric, _PHONE)
    # a wide table is shown a block a row on phones (and on paper if wider still); its
    # explicit roles keep it a table for screen readers whatever its display
    role = (lambda name: f' role="{name}"') if wide else (lambda name: "")
    css_class = " ".join(["strapetsi-table"] + [
        name for name, medium in ((WIDE_CLASS, _PHONE), (WIDE_PRINT_CLASS, _PRINT),
                                  (WIDE_SCREEN_CLASS, _SCREEN))
        if wide and _too_wide(labels, texts, numeric, medium)])
    lines = [f'<table class="{css_class}"{role("table")}>',
             f"<caption>{_escape(caption.strip())}</caption>",
             f'<thead{role("rowgroup")}>', f'<tr{role("row")}>']
    if index:
        names = [name for name in frame.index.names if name is not None]
        lines.append(f'<th scope="col">{_escape(" – ".join(map(str, names)))}</th>')
    for label, is_number in zip(labels, numeric_columns, strict=True):
        css = ' class="num"' if is_number else ""
        lines.append(f'<th scope="col"{css}{role("columnheader")}>{_escape(label)}</th>')
    lines += ["</tr>", "</thead>", f'<tbody{role("rowgroup")}>']
    for row_label, row_texts, flags in zip(frame.index, texts, numeric, strict=True):
        lines.append(f'<tr{role("row")}>')
        if index:
            lines.append(f'<th scope="row">{_escape(_label(row_label))}</th>')
        for label, text, is_number in zip(labels, row_texts, flags, strict=True):
            css = ' class="num"' if is_number else ""
            data = f' data-label="{_escape(label)}"' if wide else ""
            lines.append(f"<td{css}{role('cell')}{data}>{_escape(text)}</td>")
        lines.append("</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def show_table(frame: Any, caption: str, index: bool = False, *,
               formatters: Mapping[Any, Callable[[Any], str]] | None = None,
               na_rep: str = "–") -> None:
    """Display a DataFrame as an accessible table; see :func:`table_html`."""
    markup = table_html(frame, caption, index, formatters=formatters, na_rep=na_rep)
    _display_html(markup, caption.strip())


# --- headings and words -----------------------------------------------------------------------


def title_html(text: str) -> str:
    """The report's single ``<h1>``, escaped."""
    if not str(text).strip():
        raise ValueError("the report title must not be empty")
    return f"<h1>{_escape(str(text).strip())}</h1>"


def show_title(text: str) -> None:
    """Display the report's title as its one ``<h1>``.

    Use this when the title is computed (e.g. holds the provider's name); a notebook whose
    title is fixed may use a Markdown cell ``# Title`` instead. A report has exactly one title:
    the export fails if it finds no ``<h1>`` or more than one.
    """
    _display_html(title_html(text), str(text).strip())


def heading_html(text: str, level: int = 2) -> str:
    """A section heading ``<h2>`` … ``<h6>``, escaped."""
    if isinstance(level, bool) or not isinstance(level, int) or not 2 <= level <= 6:
        raise ValueError(f"heading level must be 2 to 6 (the h1 is the title), not {level!r}")
    if not str(text).strip():
        raise ValueError("a heading must not be empty")
    return f"<h{level}>{_escape(str(text).strip())}</h{level}>"


def show_heading(text: str, level: int = 2) -> None:
    """Display a computed section heading.

    Levels must go down one step at a time (h2, then h3 under it): the export checks the
    heading order, as screen-reader users navigate by it.
    """
    _display_html(heading_html(text, level), str(text).strip())


@functools.cache
def _markdown_renderer() -> Callable[[str], Any]:
    """One Markdown renderer a process (building it costs more than rendering a paragraph)."""
    import mistune

    # escape=True: raw HTML in Markdown is shown as text, so no string becomes a tag; mistune
    # also turns javascript:/vbscript:/data: links into harmless ones.
    return mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])


def _markdown(source: str) -> str:
    return str(_markdown_renderer()(source)).strip()


def _compose(template: str, values: Mapping[str, Any], tokens: dict[str, str]) -> str:
    """Markdown of a trusted template, each data value replaced by a token (see text_html).

    A value that is an :class:`~strapetsi_lib.present.i18n.Text` is trusted Markdown from the
    texts catalogue and is composed in place; any other value becomes a token whose escaped
    text replaces it after the Markdown is rendered.
    """
    from strapetsi_lib.present.i18n import Text

    def _token(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"show_text: no value given for placeholder {{{name}}}")
        value = values[name]
        if isinstance(value, Text):
            return _compose(value.template, value.values, tokens) if value.values \
                else value.template
        token = f"STRAPETSIVALUE{len(tokens)}X"
        tokens[token] = _escape(value)
        return token

    composed = _PLACEHOLDER.sub(_token, str(template))
    return composed.replace("{{", "{").replace("}}", "}")


def text_html(text: str, /, **values: Any) -> str:
    """Render Markdown words to HTML, with data values escaped.

    This is the one place where words meet markup. The rule: only templates are Markdown, and
    data never is. A template is either the words of ``strapetsi_lib/texts/*.yml`` (``text``
    returned by :func:`strapetsi_lib.present.i18n.text`, which carries its values apart) or a
    string the notebook's author wrote; raw HTML in any of them is shown as text, not as markup.

    Parameters
    ----------
    text
        Markdown: an :class:`~strapetsi_lib.present.i18n.Text`, or a string the notebook wrote
        (e.g. an f-string with numbers it computed). Text that comes from data (names, labels,
        anything a person typed) must not be put into such a string but into ``values``.
    **values
        Substituted for ``{name}`` placeholders in ``text`` *after* the Markdown is rendered,
        HTML-escaped, so a provider called ``"A*B <Oy>"`` shows as written. Use ``{{``/``}}`` for
        literal braces when ``values`` are given.

    Returns
    -------
    str
        The HTML.
    """
    from strapetsi_lib.present.i18n import Text

    tokens: dict[str, str] = {}
    if values:
        source = _compose(str(text), values, tokens)
    elif isinstance(text, Text) and text.values:
        source = _compose(text.template, text.values, tokens)
    elif isinstance(text, Text):
        source = text.template
    else:
        source = str(text)
    rendered = _markdown(source)
    for token, value in tokens.items():
        rendered = rendered.replace(token, value)
    return rendered


def show_html(markup: str) -> None:
    """Display HTML that a library function built, e.g. :func:`~strapetsi_lib.present.summary.
    summary_html` or :func:`~strapetsi_lib.present.download.download_html`.

    Only for markup made in code whose builder escaped every data value it put in (those
    builders are tested for it); words from the texts catalogue with data values go through
    :func:`show_text`, which renders only the template as Markdown. The export still fails a
    report with any script or active content.
    """
    _display_html(markup, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).strip())


def show_text(text: str, /, **values: Any) -> None:
    """Display computed words; see :func:`text_html`."""
    markup = text_html(text, **values)
    plain = str(text)
    if values:
        plain = _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), plain)
        plain = plain.replace("{{", "{").replace("}}", "}")
    _display_html(markup, plain)
