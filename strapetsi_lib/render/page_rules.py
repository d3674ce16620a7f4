"""The report rules checked on an exported page, and the page's last touches, in one reading.

In: the page nbconvert exported (:func:`strapetsi_lib.render.export.notebook_to_html`).
Out: what in it breaks a report rule (docs/architecture.md §5), each problem with the id of the
notebook cell whose output holds it; and, when nothing does, the page with its title settled, a
print rule that repeats the title on every page, and links to other sites turned into their
text (with the address when the text does not show it).

The page is read once by Python's own HTML tokenizer (:class:`html.parser.HTMLParser`), which
keeps each element's position in the text, and the few changes are made to the text at those
positions; everything else stays byte for byte as nbconvert wrote it. nbconvert writes the page
through BeautifulSoup, so its elements are closed and its text escaped as BeautifulSoup does,
and the changes follow the same conventions (text escaped as BeautifulSoup's "minimal"
formatter does; the style sheet's text as written). A tree of the page (BeautifulSoup's) would
cost about three times the time, a fifth of a batch worker's time a report, for the same
answers.

The rules: no element that runs or embeds active content (``script``, ``iframe``, ``object``
and the like), no event-handler attribute, no ``javascript:`` URL, no ``<meta http-equiv=
"refresh">``; the template's Content-Security-Policy ``<meta>`` in the ``<head>``; a text
alternative on every image (not nbconvert's placeholder); nothing fetched from outside the page
(only ``data:`` URIs in ``src``, ``href`` and the like, no ``url()`` or ``@import`` in CSS);
one ``<h1>`` and headings in order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["CONTENT_SECURITY_POLICY", "NBCONVERT_DEFAULT_ALT", "Problem", "finish_page"]

#: The Content-Security-Policy every report carries (a ``<meta>`` in the template): no script,
#: no request to anywhere; images and fonts only as ``data:`` URIs, styles only inline.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                           "font-src data:; base-uri 'none'; form-action 'none'")
#: The alt text nbconvert puts on images that have none; it must never reach a report.
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"
#: The ``id`` nbconvert gives the element of each cell: this prefix and the cell's id.
CELL_ID_PREFIX = "cell-id="

#: Attributes that make a browser fetch something; only ``data:`` URIs may appear in them.
_FETCH_ATTRIBUTES = ("src", "srcset", "poster", "data", "action", "formaction", "background",
                     "xlink:href", "href")
_CSS_URL = re.compile(r"url\(\s*(?!['\"]?data:)|@import", re.IGNORECASE)
_EXTERNAL_LINK = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_HEADING = re.compile(r"^h[1-6]$")
#: Elements that run or embed active content; none may appear in a report.
_ACTIVE_TAGS = ("script", "iframe", "frame", "frameset", "object", "embed", "applet", "portal",
                "base")
_SCRIPT_URL = re.compile(r"^\s*(?:javascript|vbscript)\s*:", re.IGNORECASE)
#: Elements that have no content and no end tag (HTML's void elements).
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link",
                   "meta", "param", "source", "track", "wbr", "basefont", "bgsound", "frame",
                   "spacer", "command", "menuitem"})
#: Attributes that hold a list of values separated by spaces (each value is checked alone).
_LIST_ATTRIBUTES = frozenset({"class", "rel", "rev", "accept-charset", "headers", "accesskey",
                              "dropzone", "archive", "sizes", "sandbox", "for"})
#: Elements whose text the checks or the changes read.
_TEXT_WANTED = frozenset({"a", "title", "h1", "h2", "h3", "h4", "h5", "h6"})


def _text(words: str) -> str:
    """Text as nbconvert's BeautifulSoup writes it (its "minimal" formatter: ``&``, ``<`` and
    ``>`` escaped, quotes not), so that the page's additions read like the rest of it."""
    return html.escape(words, quote=False)


@dataclass(frozen=True)
class Problem:
    """A report rule the page breaks: the id of the cell whose output holds the element (``None``
    for the page itself) and what is wrong, in words for the researcher."""

    cell_id: str | None
    message: str


@dataclass
class _Element:
    """An element of the page: its name, attributes, where its tags are in the page's text, the
    cell it belongs to and (for the elements in :data:`_TEXT_WANTED`) its text."""

    name: str
    attributes: list[tuple[str, str]]
    start: int  # where its start tag begins
    open_end: int  # where its start tag ends
    cell_id: str | None
    in_head: bool
    close_start: int | None = None  # where its end tag begins (None: no end tag)
    close_end: int | None = None
    strings: list[str] | None = None
    values: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # a name given twice: the later value, as nbconvert's BeautifulSoup read the page (the
        # checks of every value, as for event handlers, read ``attributes``)
        self.values = dict(self.attributes)

    def text(self, separator: str = "", strip: bool = False) -> str:
        """Its text, as BeautifulSoup's ``get_text(separator, strip=strip)`` gives it."""
        strings = self.strings or []
        if strip:
            strings = [s.strip() for s in strings if s.strip()]
        return separator.join(strings)


class _Reader(HTMLParser):
    """Reads a page once: its elements in order, with positions, cells and wanted texts."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.line_starts = [0]
        position = page.find("\n")
        while position != -1:
            self.line_starts.append(position + 1)
            position = page.find("\n", position + 1)
        self.elements: list[_Element] = []
        self.open: list[_Element] = []
        self.collecting: list[_Element] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _element(self, name: str, attrs: list[tuple[str, str | None]]) -> _Element:
        start = self._offset()
        raw = self.get_starttag_text() or ""
        parent = self.open[-1] if self.open else None
        attributes = [(key, value if value is not None else "") for key, value in attrs]
        own_id = dict(attributes).get("id", "")
        cell_id = (own_id[len(CELL_ID_PREFIX):] if own_id.startswith(CELL_ID_PREFIX)
                   else parent.cell_id if parent else None)
        in_head = parent is not None and (parent.name == "head" or parent.in_head)
        element = _Element(name, attributes, start, start + len(raw), cell_id, in_head)
        self.elements.append(element)
        return element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = self._element(tag, attrs)
        if tag in _VOID:
            element.close_start = element.close_end = element.open_end
            return
        self.open.append(element)
        if tag in _TEXT_WANTED:
            element.strings = []
            self.collecting.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = self._element(tag, attrs)
        element.close_start = element.close_end = element.open_end

    def handle_endtag(self, tag: str) -> None:
        # as BeautifulSoup: an end tag closes the latest open element of its name and all
        # opened after it; one without an open element of its name is ignored
        if not any(element.name == tag for element in self.open):
            return
        start = self._offset()
        end = self.page.find(">", start) + 1
        while self.open:
            element = self.open.pop()
            if element.strings is not None:
                self.collecting.remove(element)
            if element.name == tag:
                element.close_start, element.close_end = start, end
                return

    def handle_data(self, data: str) -> None:
        for element in self.collecting:
            element.strings.append(data)  # type: ignore[union-attr]


def _active_content(elements: list[_Element]) -> list[Problem]:
    problems = [Problem(e.cell_id, f"the report contains a <{e.name}> element; reports run no "
                        "script and embed nothing") for e in elements if e.name in _ACTIVE_TAGS]
    for element in elements:
        for attribute, value in element.attributes:
            if attribute.startswith("on"):
                problems.append(Problem(element.cell_id, f"<{element.name}> has an "
                                        f"event-handler attribute {attribute}=; reports run no "
                                        "script"))
            parts = value.split() if attribute in _LIST_ATTRIBUTES else [value]
            if any(_SCRIPT_URL.match(part) for part in parts):
                problems.append(Problem(element.cell_id, f"<{element.name} {attribute}=...> is "
                                        "a javascript: URL; reports run no script"))
    policies = []
    for meta in (e for e in elements if e.name == "meta"):
        equiv = meta.values.get("http-equiv", "").strip().lower()
        if equiv == "refresh":
            problems.append(Problem(meta.cell_id, "the report contains <meta http-equiv="
                                    "\"refresh\">, which would take the reader to another page"))
        elif equiv == "content-security-policy":
            policies.append(meta)
    if not any(m.values.get("content") == CONTENT_SECURITY_POLICY and m.in_head
               for m in policies):
        problems.append(Problem(None, "the report lacks the Content-Security-Policy <meta> of "
                                "the strapetsi template (CONTENT_SECURITY_POLICY) in its <head>"))
    return problems


def _headings(elements: list[_Element], title: str | None) -> list[Problem]:
    problems = []
    h1s = [e for e in elements if e.name == "h1"]
    title_becomes_h1 = not h1s and bool(title) and any(e.name == "main" for e in elements)
    if not h1s and not title_becomes_h1:
        problems.append(Problem(None, "the report has no title (<h1>); start the notebook with a "
                                "Markdown cell '# Title' or call display.show_title(text)"))
    elif len(h1s) > 1:
        problems += [Problem(h1.cell_id, f"a second <h1> ({h1.text(' ', strip=True)!r}); a "
                             "report has one title, use level-2 headings for sections")
                     for h1 in h1s]
    previous = 1 if title_becomes_h1 else 0  # the title's <h1> comes first in <main>
    for heading in (e for e in elements if _HEADING.match(e.name)):
        level = int(heading.name[1])
        if level > previous + 1:
            after = "the start of the page" if not previous else f"<h{previous}>"
            problems.append(Problem(heading.cell_id, f"heading <{heading.name}> "
                                    f"{heading.text(' ', strip=True)!r} skips a level (after "
                                    f"{after})"))
        previous = level
    return problems


def _read(page: str, title: str | None) -> tuple[list[_Element], list[Problem],
                                                 list[tuple[int, int, str]]]:
    """The page's elements, the rules it breaks, and the changes to its links (``start, end,
    new text`` of the page's text)."""
    reader = _Reader(page)
    reader.feed(page)
    reader.close()
    elements = reader.elements
    problems = _active_content(elements)
    for img in (e for e in elements if e.name == "img"):
        alt = img.values.get("alt", "").strip()
        if not alt or alt == NBCONVERT_DEFAULT_ALT:
            problems.append(Problem(img.cell_id, "an image has no text alternative (alt); show "
                                    "figures with strapetsi_lib.present.display.show_figure(fig, "
                                    "alt=...)"))
    changes: list[tuple[int, int, str]] = []
    unlinked: set[int] = set()
    for element in elements:
        for attribute in _FETCH_ATTRIBUTES:
            value = element.values.get(attribute, "").strip()
            if not value or value.startswith("data:") or (attribute == "href"
                                                          and value.startswith("#")):
                continue
            if element.name == "a" and attribute == "href":
                if (_EXTERNAL_LINK.match(value) and not value.lower().startswith("mailto:")
                        and id(element) not in unlinked):
                    unlinked.add(id(element))
                    changes += _unlink(element, value)
                continue
            problems.append(Problem(element.cell_id, f"<{element.name} {attribute}="
                                    f"\"{value[:80]}\"> refers to a file outside the report; "
                                    "embed it (data: URI) or remove it"))
    for element in elements:
        if id(element) in unlinked:
            continue
        css = (page[element.open_end:element.close_start or element.open_end]
               if element.name == "style" else element.values.get("style"))
        if css and _CSS_URL.search(css):
            problems.append(Problem(element.cell_id, "CSS loads a resource (url() or @import) "
                                    "from outside the report"))
    return elements, problems + _headings(elements, title), changes


def _unlink(anchor: _Element, url: str) -> list[tuple[int, int, str]]:
    """Changes that replace an outbound link with its text (and the address, when the text
    does not show it)."""
    shown = "" if url.strip().rstrip("/") in anchor.text() else _text(f" ({url})")
    end = anchor.close_start if anchor.close_start is not None else anchor.open_end
    return [(anchor.start, anchor.open_end, ""),
            (end, anchor.close_end if anchor.close_end is not None else end, shown)]


def finish_page(page: str, title: str | None,
                print_css: Callable[[str], str]) -> tuple[str, list[Problem]]:
    """Check an exported page and, when it breaks no rule, give it its last touches.

    Parameters
    ----------
    page
        The page as nbconvert exported it.
    title
        The report's title; ``None`` (or empty) takes the text of its ``<h1>``. When the page
        has no ``<h1>``, a given title also becomes the ``<h1>``, first in its ``<main>``.
    print_css
        Makes the print style sheet that repeats the title on every page, from the title.

    Returns
    -------
    tuple
        The finished page (``page`` itself when there are problems) and the problems.
    """
    elements, problems, changes = _read(page, title)
    if problems:
        return page, problems
    h1 = next((e for e in elements if e.name == "h1"), None)
    main = next((e for e in elements if e.name == "main"), None)
    if h1 is None and title and main is not None:
        changes.append((main.open_end, main.open_end, f"<h1>{_text(title)}</h1>"))
    title_tag = next((e for e in elements if e.name == "title"), None)
    if title_tag is not None and title_tag.close_start is not None:
        settled = title or (h1.text(" ", strip=True) if h1 else "")
        changes.append((title_tag.open_end, title_tag.close_start, _text(settled)))
        changes.append((title_tag.close_end, title_tag.close_end,  # type: ignore[arg-type]
                        f'<style media="print">{print_css(settled)}</style>'))
    for start, end, new in sorted(changes, key=lambda change: change[:2], reverse=True):
        page = page[:start] + new + page[end:]
    return page, []
