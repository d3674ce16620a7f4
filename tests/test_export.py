"""Report execution and HTML export (strapetsi_lib.render.export) and display helpers (display)."""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest
from browser import SAMPLE_ALT, SAMPLE_NOTEBOOK, SAMPLE_PARAMETERS, sample_report
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from strapetsi_lib.errors import ReportError
from strapetsi_lib.present import display
from strapetsi_lib.render import export

FAIL_CELL = 8  # index of `if fail: raise ...` in export_sample.ipynb
EXTERNAL_REF = re.compile(
    r"""(?:src|href|srcset|poster|action|data)\s*=\s*["']?\s*(?:[a-z]+:)?//""", re.IGNORECASE)


class _Tags(HTMLParser):
    """Collects start tags with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str, name: str) -> list[dict[str, str | None]]:
    parser = _Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


# --- the sample notebook, executed for real ---------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_report(tmp_path_factory)


@pytest.fixture(scope="module")
def page(sample) -> str:
    return sample.html.read_text(encoding="utf-8")


@pytest.mark.slow
def test_render_writes_notebook_and_html_only(sample):
    assert sample.notebook.name == "sample.ipynb" and sample.html.name == "sample.html"
    assert sorted(p.name for p in sample.html.parent.iterdir()) == ["sample.html", "sample.ipynb"]
    assert sample.execute_seconds > 0 and sample.export_seconds > 0
    executed = nbformat.read(sample.notebook, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'provider_id = "0123456-7"' in injected[0].source  # a string, as given


@pytest.mark.slow
def test_page_language_title_and_single_h1(page):
    assert re.search(r'<html lang="fi">', page)
    assert len(re.findall(r"<h1[\s>]", page)) == 1
    assert "<title>Esimerkkiraportti</title>" in page
    assert "<main" in page


@pytest.mark.slow
def test_page_is_self_contained(page):
    assert "<script" not in page
    assert "<link" not in page
    assert not EXTERNAL_REF.search(page)
    for name in ("img", "script", "link", "a", "iframe", "source"):
        for attrs in tags(page, name):
            for key in ("src", "href"):
                value = attrs.get(key) or ""
                assert not value.lower().startswith(("http:", "https:", "//")), (name, value)
    assert not re.search(r"url\(\s*['\"]?(?!data:)", page)


@pytest.mark.slow
def test_images_carry_the_computed_alt_text(page):
    images = tags(page, "img")
    assert len(images) == 1
    assert images[0]["alt"] == SAMPLE_ALT
    assert images[0]["src"].startswith("data:image/svg+xml;base64,")
    assert "No description has been provided" not in page
    assert "<figcaption>Kuva 1. Vastaajat rooleittain</figcaption>" in page


@pytest.mark.slow
def test_parameter_cells_code_and_researcher_output_are_hidden(page):
    for hidden in ("injected-parameters", "# Parameters", "0000000-0", "provider_name =",
                   "fail = False", "respondent_total", "import pandas", "ax.bar(",
                   "show_figure(", "SISÄINEN TARKISTUS", "vain tutkijalle", "In&nbsp;[",
                   "Traceback"):
        assert hidden not in page, hidden


@pytest.mark.slow
def test_table_and_text_are_accessible_and_escaped(page):
    assert "<caption>Taulukko 1. Vastaajat rooleittain</caption>" in page
    assert '<th scope="col">Rooli</th>' in page
    assert '<th class="num" scope="col">Vastaajia</th>' in page  # attributes sorted by bs4
    assert "<h2>Yhteenveto</h2>" in page
    assert "järjestäjältä Koulutus &lt;Oy&gt; &amp; *Ab*." in page
    assert "<Oy>" not in page


@pytest.mark.slow
def test_same_inputs_give_identical_html(sample, tmp_path):
    again = export.render_report(SAMPLE_NOTEBOOK, SAMPLE_PARAMETERS, tmp_path, "sample", "fi")
    assert again.html.read_bytes() == sample.html.read_bytes()


@pytest.mark.slow
def test_failing_cell_is_reported_and_earlier_report_kept(sample, tmp_path):
    for path in (sample.html, sample.notebook):
        shutil.copy2(path, tmp_path / path.name)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ReportError) as caught:
        export.render_report(SAMPLE_NOTEBOOK, {**SAMPLE_PARAMETERS, "fail": True}, tmp_path,
                             "sample", "fi")
    error = caught.value
    assert error.provider_id == "0123456-7"
    assert error.cell_index == FAIL_CELL
    assert error.cell.startswith(f"{FAIL_CELL} ") and error.cell.endswith("if fail:")
    assert error.ename == "RuntimeError"
    assert "RuntimeError: testivirhe järjestäjälle 0123456-7" in str(error)
    assert f"cell {FAIL_CELL} " in str(error)
    for name, content in before.items():
        assert (tmp_path / name).read_bytes() == content, name
    assert error.executed_notebook == tmp_path / "sample.failed.ipynb"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sample.failed.ipynb", "sample.html", "sample.ipynb"]


def test_missing_notebook_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        export.execute_notebook(tmp_path / "nope.ipynb", tmp_path / "out.ipynb",
                                {"provider_id": "0123456-7"})


# --- export rules on hand-made notebooks (no kernel) ------------------------------------------

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAA"
       "AABJRU5ErkJggg==")


def notebook(*cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


def code(source: str, *outputs, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    cell = new_code_cell(source, outputs=list(outputs), execution_count=1)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def html_out(markup: str) -> nbformat.NotebookNode:
    return new_output("display_data", data={"text/html": markup, "text/plain": "x"})


def test_raw_image_without_alt_fails_naming_the_cell():
    raw = new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
    nb = notebook(new_markdown_cell("# Title"), code("sns.histplot(data)\nplt.show()", raw))
    with pytest.raises(ReportError, match="no text alternative") as caught:
        export.notebook_to_html(nb, "fi", report_id="0123456-7")
    assert caught.value.cell == "1 (In [1]): sns.histplot(data)"
    assert caught.value.cell_index == 1
    assert "show_figure" in str(caught.value)


def test_image_with_alt_metadata_is_accepted():
    image = new_output("display_data", data={"image/png": PNG},
                       metadata={"image/png": {"alt": "Pieni kuva"}})
    page = export.notebook_to_html(notebook(new_markdown_cell("# Title"), code("x", image)), "sv")
    assert 'alt="Pieni kuva"' in page and '<html lang="sv">' in page


def test_tagged_cells_are_removed():
    nb = notebook(new_markdown_cell("# Title"),
                  code("a = 1", html_out("<p>PARAMS</p>"), tags=("parameters",)),
                  code("b = 1", html_out("<p>REMOVED</p>"), tags=("remove",)),
                  code("c = 1", html_out("<p>NO OUTPUT</p>"), tags=("remove-output",)),
                  code("d = 1", html_out("<p>SHOWN</p>")))
    page = export.notebook_to_html(nb, "en")
    assert "SHOWN" in page
    for hidden in ("PARAMS", "REMOVED", "NO OUTPUT", "d = 1"):
        assert hidden not in page


def test_title_rules():
    with pytest.raises(ReportError, match="no title"):
        export.notebook_to_html(notebook(new_markdown_cell("## Only a section")), "fi")
    page = export.notebook_to_html(notebook(new_markdown_cell("Words.")), "fi", title="Raportti")
    assert "<h1>Raportti</h1>" in page and "<title>Raportti</title>" in page
    sections = notebook(new_markdown_cell("## Osa\n\nWords."))
    page = export.notebook_to_html(sections, "fi", title="Raportti")  # the title's <h1> first
    assert page.index("<h1>Raportti</h1>") < page.index("Osa</h2>")
    twice = notebook(new_markdown_cell("# One"), code("show_title(x)", html_out("<h1>Two</h1>")))
    with pytest.raises(ReportError, match="second <h1>") as caught:
        export.notebook_to_html(twice, "fi")
    assert "cell 1 (In [1]): show_title(x)" in str(caught.value)
    skipping = notebook(new_markdown_cell("# One\n\n### Three"))
    with pytest.raises(ReportError, match="skips a level"):
        export.notebook_to_html(skipping, "fi")


def test_outside_resources_fail_and_outbound_links_become_text():
    for markup in ('<script src="https://cdn.example.org/x.js"></script>',
                   '<img src="https://example.org/logo.png" alt="logo">',
                   '<link rel="stylesheet" href="https://example.org/x.css">',
                   '<div style="background: url(https://example.org/b.png)">x</div>'):
        nb = notebook(new_markdown_cell("# T"), code("x", html_out(markup)))
        with pytest.raises(ReportError, match="outside the report"):
            export.notebook_to_html(nb, "fi")
    linked = notebook(new_markdown_cell("# T\n\nSee [the docs](https://example.org/docs) and "
                                        "[https://example.org](https://example.org)."))
    page = export.notebook_to_html(linked, "fi")
    assert "the docs (https://example.org/docs)" in page
    assert not EXTERNAL_REF.search(page)
    ampersands = notebook(new_markdown_cell("# T & U\n\n[R & D](https://example.org/?a=1&b=2)"))
    page = export.notebook_to_html(ampersands, "fi")
    assert "R &amp; D (https://example.org/?a=1&amp;b=2)" in page
    assert "<title>T &amp; U</title>" in page


def test_the_finished_page_is_the_exported_one_but_for_its_title_and_print_rule():
    """The rules are checked on nbconvert's page as written; the finished page adds the title
    and the print rule that repeats it on every page, and changes nothing else."""
    nb = notebook(new_markdown_cell("# Raportti: A & B"), code("x", html_out("<p>ok</p>")))
    resources = {"strapetsi": {"title": "", "csp": export.CONTENT_SECURITY_POLICY}}
    exported, _ = export._exporter("fi").from_notebook_node(nb, resources=resources)  # noqa: SLF001
    page = export.notebook_to_html(nb, "fi")
    head = '<title>Raportti: A &amp; B</title><style media="print">'
    assert head in page and page.count("<title>") == 1
    before, after = exported.split("</title>")
    assert page.startswith(before.rsplit("<title>", 1)[0] + head)
    assert page.endswith(after)


def test_language_must_be_a_language_code():
    with pytest.raises(ValueError, match="ISO 639-1"):
        export.notebook_to_html(notebook(new_markdown_cell("# T")), "finnish")


def test_write_report_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    export.write_report("<p>old</p>", target)
    assert target.read_text(encoding="utf-8") == "<p>old</p>"
    assert oct(target.stat().st_mode & 0o777) == "0o644"

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(export.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        export.write_report("<p>new</p>", target)
    assert target.read_text(encoding="utf-8") == "<p>old</p>"
    assert os.listdir(tmp_path) == ["r.html"]


# --- display helpers --------------------------------------------------------------------------


@pytest.fixture
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def _figure(plt):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["a", "b"], [1, 2])
    return fig


def test_figure_html_is_deterministic_accessible_and_closes(plt):
    first = display.figure_html(_figure(plt), alt='Kaksi pylvästä: "b" on suurempi', caption="K")
    assert plt.get_fignums() == []
    second = display.figure_html(_figure(plt), alt='Kaksi pylvästä: "b" on suurempi', caption="K")
    assert first == second
    assert 'alt="Kaksi pylvästä: &quot;b&quot; on suurempi"' in first
    assert first.startswith('<figure class="strapetsi-figure"><img src="data:image/svg+xml;base64,')
    assert first.endswith("<figcaption>K</figcaption></figure>")
    with pytest.raises(ValueError, match="alt"):
        display.figure_html(_figure(plt), alt="  ")


def test_table_html_has_caption_and_header_scopes():
    frame = pd.DataFrame({"Ulottuvuus": ["A <b>", "B"], "Ka": ["3,4", "2,9"]},
                         index=pd.Index(["x", "y"], name="Koodi"))
    markup = display.table_html(frame, "Taulukko", index=True)
    assert "<caption>Taulukko</caption>" in markup
    assert '<th scope="col">Koodi</th>' in markup
    assert '<th scope="col" class="num">Ka</th>' in markup
    assert '<th scope="row">x</th>' in markup
    assert "<td>A &lt;b&gt;</td>" in markup and '<td class="num">3,4</td>' in markup
    assert " id=" not in markup
    with pytest.raises(ValueError, match="caption"):
        display.table_html(frame, "")


def test_text_and_headings_escape_data():
    markup = display.text_html("Osuus **{share}** järjestäjällä {name}.", share="62 %",
                               name="A_b *c* <d>")
    assert markup == "<p>Osuus <strong>62 %</strong> järjestäjällä A_b *c* &lt;d&gt;.</p>"
    assert display.heading_html("Tulokset & <muut>", 3) == "<h3>Tulokset &amp; &lt;muut&gt;</h3>"
    assert display.title_html("Raportti") == "<h1>Raportti</h1>"
    with pytest.raises(ValueError, match="level"):
        display.heading_html("x", 1)


def test_warm_exporters_make_every_language_exporter_once():
    # what a batch worker inherits from the process it is forked from (batch/worker_imports.py)
    export._exporter.cache_clear()
    assert export.warm_exporters() == []
    assert export._exporter.cache_info().currsize == 3  # noqa: SLF001 - the cache is the point
    made = export._exporter("sv")  # noqa: SLF001
    assert export.warm_exporters(("sv",)) == [] and export._exporter("sv") is made  # noqa: SLF001
    assert export.warm_exporters(("xx",)) == ["xx"]  # a language nbconvert lacks fails alone


def test_words_that_mention_a_script_url_are_not_one():
    """Only an attribute that is a URL (or a list of values) starting "javascript:" runs
    script; an image's text alternative may mention one."""
    nb = notebook(new_markdown_cell("# T"), code("x", html_out(
        '<img alt="Sivu, joka kertoo javascript: -osoitteista" src="data:image/png;base64,AA==">')))
    assert "javascript: -osoitteista" in export.notebook_to_html(nb, "fi")
    linked = notebook(new_markdown_cell("# T"), code("x", html_out(
        '<p class="note javascript:alert(1)">x</p>')))
    with pytest.raises(ReportError, match="javascript: URL"):
        export.notebook_to_html(linked, "fi")
