"""A provider report on a phone and on paper: no sideways scrolling, and a tagged PDF."""

from __future__ import annotations

import pytest
from browser import _axe, blocking, chromium, describe, requires_chromium
from bs4 import BeautifulSoup

from strapetsi_lib.render.parameters import run_provider_report
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


@pytest.mark.slow
@pytest.mark.browser
@requires_chromium
def test_report_does_not_scroll_sideways_on_a_phone(reports):
    with chromium() as browser:
        for html in reports.values():
            page = browser.new_page(viewport={"width": 390, "height": 844})
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
@pytest.mark.parametrize(("pid", "language"), [(FINNISH, "fi"), (SWEDISH, "sv")])
def test_download_holds_the_tables_the_report_shows(reports, pid, language):
    import base64

    from strapetsi_lib.present.download import parse_csv

    soup = BeautifulSoup(reports[pid].read_text(encoding="utf-8"), "html.parser")
    link = soup.find("a", attrs={"download": True})
    assert link is not None and link["download"] == f"strapetsi_{pid}.csv"
    assert soup.find("script") is None
    data = base64.b64decode(link["href"].split("base64,", 1)[1])
    shown = {}
    for table in soup.find_all("table"):
        rows = [[_plain(c.get_text(" ", strip=True)) for c in r.find_all(["th", "td"])]
                for r in table.find_all("tr")]
        shown[_plain(table.caption.get_text(" ", strip=True))] = rows
    downloaded = parse_csv(data, language)
    assert len(downloaded) >= 6
    for caption, rows in downloaded:
        assert [[_plain(c) for c in row] for row in rows] == shown[_plain(caption)]


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
