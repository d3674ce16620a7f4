"""The report's tables as downloads: Excel-ready CSV and xlsx, numbers as numbers, nothing
suppressed shown, formulas never run."""

from __future__ import annotations

import base64
import io
import re

import openpyxl
import pandas as pd
import pytest

from strapetsi_lib.present import provider_view as view
from strapetsi_lib.present.download import (
    Number,
    csv_bytes,
    download_html,
    header_block,
    parse_csv,
    typed_table,
    xlsx_bytes,
)
from strapetsi_lib.present.i18n import text, too_few

SMALL = "2227459-8"  # baseline: 3 leaders, 4 "other" (ground_truth.json small_groups)


def test_csv_is_excel_ready_in_finnish():
    frame = pd.DataFrame({"Osa-alue": ["Tiedolla johtaminen"], "Keskiarvo": ["3,4"],
                          "Muutos": ["\u22120,22"], "Osuus": ["62\u00a0%"],
                          "Vastaajia": ["1\u00a0234"]})
    data = csv_bytes([("Taulukko; ä", frame)], "fi")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == '"Taulukko; ä"'  # a separator inside a field is quoted
    # numbers as Excel reads them, a share as a percentage
    assert lines[1] == "Osa-alue;Keskiarvo;Muutos;Osuus;Vastaajia"
    assert lines[2] == "Tiedolla johtaminen;3,4;-0,22;62 %;1234"
    in_english = frame.assign(Keskiarvo=["3.4"], Muutos=["\u22120.22"], Osuus=["62%"],
                              Vastaajia=["1,234"])
    english = csv_bytes([("T", in_english)], "en").decode("utf-8-sig")
    assert english.split("\r\n")[2] == "Tiedolla johtaminen,3.4,-0.22,62%,1234"


def test_intervals_are_split_into_their_bounds_and_words_stay_words():
    frame = pd.DataFrame({
        "Osa-alue": ["A", "B", "C"],
        "Muutos": ["+0,23", "\u22120,05", "alle 5 vastaajaa"],
        "Luottamusväli": ["0,18\u20130,28", "\u22120,10\u2009\u2026\u20090,01", ""],
        "Painotettu": ["+0,21 (0,15\u20130,26)", "\u22120,04 (\u22120,09\u2009\u2026\u20090,02)",
                       "\u2013"],
        "Osuus": ["vähintään 90\u00a0%", "45\u00a0%", "25\u201370\u00a0%"],
        "p": ["< 0,001", "0,582", "0,045"],
    })
    sheet = typed_table("t", frame, "fi")
    assert sheet.header == [
        "Osa-alue", "Muutos", "Luottamusväli, alaraja", "Luottamusväli, yläraja",
        "Painotettu", "Painotettu, alaraja", "Painotettu, yläraja",
        "Osuus", "Osuus, alaraja", "Osuus, yläraja", "p"]
    first, second, third = sheet.rows
    assert first[1] == Number(0.23, 2, signed=True) and first[1].value == 0.23
    assert [first[2].value, first[3].value] == [0.18, 0.28]
    assert [second[2].value, second[3].value] == [-0.10, 0.01]
    assert [first[4].value, first[5].value, first[6].value] == [0.21, 0.15, 0.26]
    assert [second[4].value, second[5].value, second[6].value] == [-0.04, -0.09, 0.02]
    # what the report says in words stays in words, exactly (a band, a hidden value, "< 0,001")
    assert first[7] == "vähintään 90 %" and first[10] == "< 0,001"
    assert third[1] == "alle 5 vastaajaa" and third[2] is None and third[4] is None
    assert second[7] == Number(45, 0, percent=True) and second[7].number == 0.45
    assert [third[8].number, third[9].number] == [0.25, 0.70]
    assert second[10].value == 0.582 and second[10].decimals == 3


def test_suppressed_group_is_not_in_the_files(prepared):
    counts = prepared.rows("respondents_by_role", SMALL)
    leaders = counts[(counts["wave"] == "baseline") & (counts["role"] == "leader")]["n"].iloc[0]
    assert leaders < prepared.min_group_size
    frame = view.role_table(prepared, SMALL, "fi")
    _, [(_, rows)] = parse_csv(csv_bytes([("t", frame)], "fi"), "fi")
    leader_row = next(r for r in rows if r[0] == prepared.instrument.role("leader").label["fi"])
    baseline = rows[0].index(prepared.wave_label("baseline", "fi"))
    assert leader_row[baseline] == too_few("fi", prepared.min_group_size).replace("\u00a0", " ")
    assert str(leaders) not in leader_row
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([("t", frame)], "fi")))
    cells = [c.value for row in book.worksheets[1].iter_rows() for c in row]
    assert leaders not in cells and str(leaders) not in cells


def test_links_carry_a_csv_and_a_workbook_with_the_header_block(prepared):
    frame = view.role_table(prepared, SMALL, "fi")
    caption = text("respondents_caption", "fi")
    header = header_block(prepared, "fi", SMALL)
    provider = prepared.provider(SMALL)
    assert header[0] == (text("download_provider", "fi"), f"{provider['name']} ({SMALL})")
    assert (text("download_dataset", "fi"), prepared.dataset_name) in header
    waves = ", ".join(prepared.wave_label(w, "fi") for w in prepared.wave_ids)
    assert (text("download_waves", "fi"), waves) in header
    assert (text("colophon_date", "fi"), "15.1.2026") in header  # the demo's report_date
    markup = download_html([(caption, frame)], "fi", "strapetsi_x", header)
    assert "<script" not in markup
    links = dict(re.findall(r'href="data:([^;"]+)[^"]*base64,([A-Za-z0-9+/=]+)" '
                            r'download="strapetsi_x\.(?:csv|xlsx)"', markup))
    assert set(links) == {"text/csv", "application/vnd.openxmlformats-officedocument."
                                      "spreadsheetml.sheet"}
    read_header, [(read_caption, rows)] = parse_csv(base64.b64decode(links["text/csv"]), "fi")
    assert [tuple(line) for line in read_header] == header
    assert read_caption == caption and rows[0] == list(frame.columns)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(
        links["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])))
    front, table = book.worksheets
    assert [(row[0].value, row[1].value) for row in front.iter_rows(max_row=len(header))] == \
        header
    assert table["A1"].value == caption
    assert [c.value for c in table[3]] == list(frame.columns)


def test_the_workbook_is_the_same_bytes_for_the_same_tables():
    frame = pd.DataFrame({"a": ["1,5"], "b": ["62\u00a0%"], "c": ["+0,23"], "d": ["17\u00a0050"]})
    first = xlsx_bytes([("t", frame)], "fi", [("Aineisto", "d")])
    assert first == xlsx_bytes([("t", frame)], "fi", [("Aineisto", "d")])
    sheet = openpyxl.load_workbook(io.BytesIO(first)).worksheets[1]
    assert [c.value for c in sheet[4]] == [1.5, 0.62, 0.23, 17050]
    assert [c.number_format for c in sheet[4]] == ["0.0", "0 %", "+0.00;-0.00;0.00", "#,##0"]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_parse_rejects_a_file_without_bom(language):
    with pytest.raises(ValueError, match="byte-order mark"):
        parse_csv(b"a;b\r\n", language)


HOSTILE = ['=HYPERLINK("https://example.org","x")', "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(A1:A9)", "'=already quoted"]


def test_cells_a_spreadsheet_would_run_are_text_in_the_csv():
    frame = pd.DataFrame({"Nimi": HOSTILE + ["Opisto", "\u22120,12", "+0,23", "62\u00a0%"]})
    data = csv_bytes([("=caption", frame)], "fi")
    import csv

    raw = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    cells = [row[0] for row in raw if row]
    # every text from data that starts like a formula is made text by a leading apostrophe
    assert cells[0] == "'=caption"
    assert cells[2:7] == ["'" + cell for cell in HOSTILE]
    # names and numbers stay as they are (a number as a number)
    assert cells[7:] == ["Opisto", "-0,12", "+0,23", "62 %"]
    # and the file reads back as the report showed it
    _, [(caption, rows)] = parse_csv(data, "fi")
    assert caption == "=caption" and [r[0] for r in rows[1:6]] == HOSTILE


def test_cells_a_spreadsheet_would_run_are_text_in_the_workbook():
    frame = pd.DataFrame({"Nimi": HOSTILE, "Luku": ["\u22120,12"] * len(HOSTILE)})
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([("=caption", frame)], "fi",
                                                        [("=label", "@value")])))
    front, sheet = book.worksheets
    assert front["A1"].value == "=label" and front["A1"].data_type == "s"
    assert front["B1"].value == "@value" and front["B1"].quotePrefix
    assert sheet["A1"].value == "=caption" and sheet["A1"].data_type == "s"
    for row, cell in enumerate(HOSTILE, start=4):
        assert sheet.cell(row, 1).value == cell and sheet.cell(row, 1).data_type == "s"
        assert sheet.cell(row, 2).value == -0.12 and sheet.cell(row, 2).data_type == "n"


def test_colophon_names_the_date_and_the_people_declared(prepared):
    import dataclasses
    import datetime as dt

    from strapetsi_lib.present.colophon import colophon_html, colophon_lines

    lines = colophon_lines(prepared, "sv")
    assert lines == [(text("colophon_date", "sv"), "15.1.2026"),
                     (text("colophon_contact", "sv"), "Demo Tutkija (tutkija@example.fi)"),
                     (text("colophon_coordinator", "sv"),
                      "Demo Koordinaattori (koordinaattori@example.fi)")]
    # nothing declared: the day the report is made, and no empty lines for the people
    bare = dataclasses.replace(prepared, colophon={})
    today = dt.date.today()
    assert colophon_lines(bare, "en") == [(text("colophon_date", "en"),
                                           f"{today.day} {today:%B} {today.year}")]
    hostile = dataclasses.replace(prepared, colophon={"contact": {"name": "<b>x</b>",
                                                                  "email": None}})
    assert "&lt;b&gt;x&lt;/b&gt;" in colophon_html(hostile, "fi")
