"""No markup from data: data-derived strings are text, and the export refuses active content."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from strapetsi_lib.errors import ReportError
from strapetsi_lib.present import display
from strapetsi_lib.present.i18n import Text, join, text
from strapetsi_lib.render import export, page_rules

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=https://example.org">',
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "**bold** _it_ `code` <b>b</b>",
]


def _notebook(markup: str):
    nb = new_notebook(cells=[new_markdown_cell("# T"), new_code_cell("x", execution_count=1,
                      outputs=[new_output("display_data",
                                          data={"text/html": markup, "text/plain": "x"})])])
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


@pytest.mark.parametrize("value", HOSTILE)
def test_catalogue_words_with_hostile_data_render_the_data_as_text(value):
    words = text("survey_intro", "fi", provider=value, waves=value, n_providers=6, min_group=5,
                 survey=value)
    soup = BeautifulSoup(display.text_html(words), "html.parser")
    assert value in soup.get_text()
    assert not soup.find_all(["img", "meta", "script", "iframe", "a", "b", "em", "strong",
                              "code"])
    # a plain-text sink gets the plain words and escapes all of them
    assert value in BeautifulSoup(display.heading_html(words), "html.parser").get_text()


def test_nested_catalogue_words_stay_markdown_and_data_stays_text():
    inner = Text("**{n}** answers", {"n": "<b>5</b>"})
    joined = join([Text("- item"), inner], "\n")
    html = display.text_html(Text("Intro {rest}", {"rest": inner}))
    assert html == "<p>Intro <strong>&lt;b&gt;5&lt;/b&gt;</strong> answers</p>"
    assert "<li>" in display.text_html(joined)
    assert str(joined) == "- item\n**<b>5</b>** answers"


def test_a_notebook_string_may_be_markdown_but_never_html():
    html = display.text_html("Words **here** <script>alert(1)</script> [x](javascript:alert(1))")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("strong") and not soup.find("script")
    assert all("javascript" not in (a.get("href") or "") for a in soup.find_all("a"))


@pytest.mark.parametrize("markup, rule", [
    ("<script>alert(1)</script>", "<script>"),
    ('<img src="data:image/png;base64,iVBO" alt="a" onerror="alert(1)">', "onerror="),
    ("<iframe srcdoc='x'></iframe>", "<iframe>"),
    ('<object data="data:text/html,x"></object>', "<object>"),
    ('<embed src="data:text/html,x">', "<embed>"),
    ('<meta http-equiv="refresh" content="0;url=https://example.org">', "refresh"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<p onclick="alert(1)">x</p>', "onclick="),
])
def test_export_fails_a_report_with_active_content(markup, rule):
    with pytest.raises(ReportError) as caught:
        export.notebook_to_html(_notebook(markup), "fi", report_id="0123456-7")
    assert rule in str(caught.value)
    assert caught.value.cell_index == 1


def test_every_report_carries_the_content_security_policy():
    page = export.notebook_to_html(_notebook("<p>ok</p>"), "fi")
    meta = BeautifulSoup(page, "html.parser").head.find(
        "meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert meta["content"] == export.CONTENT_SECURITY_POLICY
    assert "script-src" not in meta["content"] and "default-src 'none'" in meta["content"]
    _, problems = page_rules.finish_page("<html><head></head><body><h1>t</h1></body></html>",
                                         None, str)
    assert [problem.message for problem in problems] == [
        "the report lacks the Content-Security-Policy <meta> of the strapetsi template "
        "(CONTENT_SECURITY_POLICY) in its <head>"]
