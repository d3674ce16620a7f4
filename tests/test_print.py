"""Reports on a phone and on paper: no sideways scrolling, figure text readable at 390 px and
printed, no figure taller than an A4 page, a tagged PDF, and the downloads."""

from __future__ import annotations

import re

import pytest
from browser import _axe, blocking, chromium, describe, requires_chromium
from bs4 import BeautifulSoup

from strapetsi_lib.render.parameters import run_network_report, run_provider_report
from strapetsi_lib.render.pdf import PdfError, page_header_css, write_pdf

FINNISH = "3266069-5"
SWEDISH = "0006287-7"


def test_page_header_css_cannot_break_out_of_its_string():
    css = page_header_css('Raportti: "A\\B"\n</style><script>x</script>')
    assert "@top-left { content: " in css
    assert ('content: "Raportti: \\"A\\\\B\\" \\3c /style>\\3c script>x\\3c /script>";'
            in css)
    assert "<" not in css


def test_write_pdf_fails_clearly_without_chromium_or_html(tmp_path):
    page = tmp_path / "r.html"
    page.write_text("<!DOCTYPE html><html lang='fi'><title>x</title></html>", encoding="utf-8")
    with pytest.raises(PdfError, match="not installed"):
        write_pdf(page, chromium=tmp_path / "no-chromium")
    with pytest.raises(PdfError, match="does not exist"):
        write_pdf(tmp_path / "missing.html")
    assert not (tmp_path / "r.pdf").exists()


@pytest.fixture(scope="module")
def reports(prepared, tmp_path_factory):
    out = tmp_path_factory.mktemp("print")
    return {pid: run_provider_report(prepared, pid, out).html for pid in (FINNISH, SWEDISH)}


@pytest.fixture(scope="module")
def network(prepared, tmp_path_factory):
    return run_network_report(prepared, tmp_path_factory.mktemp("print_network"), "fi").html


#: The text of an A4 page (210 × 297 mm less the template's @page margins of 16 mm at the
#: sides, 20 mm at the head and 18 mm at the foot), in CSS px (96 an inch).
A4_TEXT_WIDTH = (210 - 2 * 16) / 25.4 * 96
A4_TEXT_HEIGHT = (297 - 20 - 18) / 25.4 * 96
#: What each figure's smallest text measures as drawn on the page: its SVG's smallest font
#: size times the image's width on the page over the SVG's own width.
_FIGURE_TEXT = """() => [...document.querySelectorAll('figure img')].map(img => {
    const svg = atob(img.src.split('base64,')[1]);
    const width = parseFloat(svg.match(/viewBox="[\\d.]+ [\\d.]+ ([\\d.]+)/)[1]);
    const sizes = [...svg.matchAll(/font-size: ?([\\d.]+)px/g)].map(m => parseFloat(m[1]));
    const box = img.closest('figure').getBoundingClientRect();
    return {caption: img.closest('figure').textContent.trim().slice(0, 60),
            text: Math.min(...sizes) * img.getBoundingClientRect().width / width,
            height: box.height, breaks: getComputedStyle(img.closest('figure')).breakInside};
})"""


@pytest.mark.slow
@pytest.mark.browser
@requires_chromium
@pytest.mark.parametrize("width", [390, 768, 1280])
def test_report_does_not_scroll_sideways_on_a_phone(reports, network, width):
    """On a phone, a tablet and a desktop no report scrolls sideways and every table and
    figure fits (a table too wide for the screen is a block a row)."""
    with chromium() as browser:
        for html in [*reports.values(), network]:
            page = browser.new_page(viewport={"width": width, "height": 844})
            page.goto(html.resolve().as_uri())
            scroll_width, inner_width = page.evaluate(
                "[document.scrollingElement.scrollWidth, window.innerWidth]")
            # every table and figure fits the screen or scrolls inside its own box
            too_wide = page.evaluate("""() => [...document.querySelectorAll('table, figure')]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                .map(e => e.tagName)""")
            # at this width too: no serious issue (e.g. a box that scrolls but takes no focus)
            violations = _axe().run(page, options={"resultTypes": ["violations"]})
            serious = blocking(list(violations.response["violations"]))
            page.close()
            assert scroll_width <= inner_width, f"{html.name}: {scroll_width} > {inner_width}"
            assert too_wide == []
            assert serious == [], describe(serious)


@pytest.mark.slow
@pytest.mark.browser
@requires_chromium
@pytest.mark.parametrize(("pid", "language"), [(FINNISH, "fi"), (SWEDISH, "sv")])
def test_pdf_is_tagged_with_the_reports_language(prepared, reports, pid, language):
    from pypdf import PdfReader

    html = reports[pid]
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == language
    header = soup.find("style", attrs={"media": "print"})
    assert header is not None and prepared.provider(pid)["name"] in header.string
    pdf = write_pdf(html)
    assert pdf == html.with_suffix(".pdf")
    reader = PdfReader(pdf)
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == language
    assert bool(catalog["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in catalog
    assert 4 <= len(reader.pages) <= 20
    first = reader.pages[0].extract_text()
    assert prepared.provider(pid)["name"] in " ".join(first.split())  # text, not pictures
    assert f"2 / {len(reader.pages)}" in reader.pages[1].extract_text()  # the page number


def _plain(value: str) -> str:
    return " ".join(value.replace("\u2212", "-").replace("\u00a0", " ").split())


@pytest.mark.slow
@pytest.mark.browser
@requires_chromium
def test_figure_text_is_readable_on_a_phone(reports, network):
    """At 390 CSS px every figure's smallest text renders at 9 px or more, in Chromium; table
    words are hyphenated in the page's language, not broken at any letter."""
    with chromium() as browser:
        for html in [*reports.values(), network]:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(html.resolve().as_uri())
            figures = page.evaluate(_FIGURE_TEXT)
            cells = page.evaluate("""() => [...document.querySelectorAll('td, th')].map(c => {
                const style = getComputedStyle(c);
                return [style.hyphens, style.overflowWrap, c.closest('[lang]').lang];
            })""")
            page.close()
            assert len(figures) >= 5, html.name
            small = [(f["caption"], round(f["text"], 1)) for f in figures if f["text"] < 9]
            assert small == [], f"{html.name}: figure text under 9 px on a phone: {small}"
            assert {tuple(c) for c in cells} <= {("auto", "break-word", "fi"),
                                                 ("auto", "break-word", "sv")}


@pytest.mark.slow
@pytest.mark.browser
@requires_chromium
def test_printed_figures_fit_an_a4_page_with_text_of_8_pt(reports, network):
    """Laid out for print at the width of an A4 page's text: no figure (with its caption) is
    taller than the page's text, none may be split across pages, and the smallest figure text
    prints at 8 pt (10.7 CSS px) or more. The first page names the date, the contact person and
    the coordinator."""
    with chromium() as browser:
        for html in [*reports.values(), network]:
            page = browser.new_page(viewport={"width": round(A4_TEXT_WIDTH), "height": 1100})
            page.goto(html.resolve().as_uri())
            page.emulate_media(media="print")
            figures = page.evaluate(_FIGURE_TEXT)
            colophon = page.evaluate("""() => {
                const dl = document.querySelector('dl.strapetsi-colophon');
                return dl ? [dl.innerText, dl.getBoundingClientRect().bottom] : null; }""")
            # nothing runs off the paper: a table too wide for it is printed a block a row
            too_wide = page.evaluate("""() => [...document.querySelectorAll('table, figure')]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                .map(e => e.querySelector('caption, figcaption').textContent.slice(0, 60))""")
            page.close()
            assert too_wide == [], f"{html.name}: wider than an A4 page: {too_wide}"
            tall = [(f["caption"], round(f["height"])) for f in figures
                    if f["height"] > A4_TEXT_HEIGHT]
            assert tall == [], f"{html.name}: taller than an A4 page: {tall}"
            assert {f["breaks"] for f in figures} == {"avoid"}
            small = [(f["caption"], round(f["text"] * 0.75, 1)) for f in figures
                     if f["text"] * 0.75 < 8]
            assert small == [], f"{html.name}: printed figure text under 8 pt: {small}"
            assert colophon is not None and colophon[1] < A4_TEXT_HEIGHT
            assert "15.1.2026" in colophon[0] and "Demo Tutkija" in colophon[0]
            assert "koordinaattori@example.fi" in colophon[0]


def _plain(value: str) -> str:
    return " ".join(value.replace("\u2212", "-").replace("\u00a0", " ").replace("\u2009", " ")
                    .split())


_NUMBER = re.compile(r"[+-]?\d{1,3}(?: \d{3})*(?:,\d+)?")


def _value(shown: str) -> float | None:
    """A cell of the report as a number, read the way a reader reads it (3,4; 62 %; 1 234)."""
    if _NUMBER.fullmatch(shown):
        return float(shown.replace(" ", "").replace(",", "."))
    if shown.endswith(" %") and _NUMBER.fullmatch(shown[:-2]):
        return float(shown[:-2].replace(" ", "").replace(",", ".")) / 100
    return None


@pytest.mark.slow
@pytest.mark.parametrize(("pid", "language"), [(FINNISH, "fi"), (SWEDISH, "sv")])
def test_xlsx_holds_the_reports_numbers_as_numbers(prepared, reports, pid, language):
    """The workbook opened with openpyxl: its header block names the provider, dataset, waves
    and date; every table the report shows is a sheet whose cells equal the report's (numbers
    as numbers, an interval's bounds in columns of their own, words as words); and the
    statement chart's and the heatmap's numbers are there too."""
    import base64
    import io

    import openpyxl

    from strapetsi_lib.present import provider_view as view
    from strapetsi_lib.present.download import XLSX_TYPE, parse_csv
    from strapetsi_lib.present.i18n import text

    soup = BeautifulSoup(reports[pid].read_text(encoding="utf-8"), "html.parser")
    assert soup.find("script") is None
    links = {a["download"]: a["href"] for a in soup.find_all("a", attrs={"download": True})}
    # named by the survey's dataset and the provider, not by the workbench
    stem = f"{prepared.dataset_name}_{pid}"
    assert set(links) == {f"{stem}.csv", f"{stem}.xlsx"}
    assert links[f"{stem}.xlsx"].startswith(f"data:{XLSX_TYPE};base64,")
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(
        links[f"{stem}.xlsx"].split("base64,", 1)[1])))
    front, *sheets = book.worksheets
    header = {row[0].value: row[1].value for row in front.iter_rows(max_row=4)}
    assert header[text("download_provider", language)] == \
        f"{prepared.provider(pid)['name']} ({pid})"
    assert header[text("download_dataset", language)] == prepared.dataset_name
    assert header[text("download_waves", language)] == ", ".join(
        prepared.wave_label(w, language) for w in prepared.wave_ids)
    assert header[text("colophon_date", language)] == "15.1.2026"
    by_caption = {_plain(sheet["A1"].value): sheet for sheet in sheets}
    low, high = text("download_low", language), text("download_high", language)
    numbers = 0
    for table in soup.find_all("table"):
        sheet = by_caption[_plain(table.caption.get_text(" ", strip=True))]
        rows = [[_plain(c.get_text(" ", strip=True)) for c in r.find_all(["th", "td"])]
                for r in table.find_all("tr")]
        columns = {str(c.value): c.column for c in sheet[3] if c.value is not None}
        for r, row in enumerate(rows[1:], start=4):
            for name, shown in zip(rows[0], row, strict=True):
                bounds = re.fullmatch(r"(\S+?)(?:–| … )(\S+?)( %)?", shown)
                if _value(shown) is not None:
                    assert sheet.cell(r, columns[name]).value == pytest.approx(_value(shown))
                    numbers += 1
                elif bounds and _value(bounds[1]) is not None:
                    scale = 100 if bounds[3] else 1
                    for bound, words in ((bounds[1], low), (bounds[2], high)):
                        value = sheet.cell(r, columns[f"{name}, {words}"]).value
                        assert value == pytest.approx(_value(bound) / scale), (name, shown)
                    numbers += 1
                elif shown == "–":  # nothing to show: an empty cell
                    assert sheet.cell(r, columns[name]).value is None
                elif shown and name in columns:
                    assert _plain(str(sheet.cell(r, columns[name]).value)) == shown
    assert numbers >= 40
    # the figures' numbers (of the latest wave, which the report leads with): every
    # statement's answers, and the heatmap's means as drawn
    wave = view.latest_wave(prepared, pid)
    label = prepared.wave_label(wave, language)
    statements = by_caption[_plain(text("download_items_caption", language, wave=label))]
    shares = [[c.value for c in row[2:-1]] for row in statements.iter_rows(min_row=4)]
    distribution = view.item_distribution(prepared, pid, wave)
    assert len(shares) == distribution["item"].nunique()
    assert all(0.97 <= sum(row) <= 1.03 for row in shares)
    heat = by_caption[_plain(text("download_roles_caption", language, wave=label))]
    drawn = view.role_means(prepared, pid, wave)
    shown_means = sorted(c.value for row in heat.iter_rows(min_row=4) for c in row[1:]
                         if isinstance(c.value, int | float))
    assert shown_means == sorted(drawn["mean"].dropna())
    # and the CSV holds the same tables, in the same order, after the same header block
    csv_header, tables = parse_csv(base64.b64decode(
        links[f"{stem}.csv"].split("base64,", 1)[1]), language)
    assert [tuple(line) for line in csv_header] == list(header.items())
    assert [_plain(caption) for caption, _ in tables] == list(by_caption)


@pytest.mark.slow
@pytest.mark.parametrize(("pid", "language"), [(FINNISH, "fi"), (SWEDISH, "sv")])
def test_report_opens_with_the_summary(reports, pid, language):
    from strapetsi_lib.present.i18n import text

    soup = BeautifulSoup(reports[pid].read_text(encoding="utf-8"), "html.parser")
    first_section = soup.find("h2")
    assert first_section.get_text(strip=True) == text("summary_heading", language)
    summary = first_section.find_next("div", class_="strapetsi-summary")
    assert summary is not None
    assert 3 <= len(summary.select("ol.strapetsi-questions li")) <= 5
    assert len(summary.select("ol.strapetsi-findings li")) >= 1
