"""The report's tables as a CSV download: Excel-ready, the shown numbers, nothing suppressed."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest

from strapetsi_lib.present import provider_view as view
from strapetsi_lib.present.download import csv_bytes, download_html, parse_csv
from strapetsi_lib.present.i18n import text, too_few

SMALL = "2227459-8"  # baseline: 3 leaders, 4 "other" (ground_truth.json small_groups)


def test_csv_is_excel_ready_in_finnish():
    frame = pd.DataFrame({"Osa-alue": ["Tiedolla johtaminen"], "Keskiarvo": ["3,4"],
                          "Muutos": ["\u22120,22"], "Osuus": ["62\u00a0%"]})
    data = csv_bytes([("Taulukko; ä", frame)], "fi")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == '"Taulukko; ä"'  # a separator inside a field is quoted
    assert lines[1] == "Osa-alue;Keskiarvo;Muutos;Osuus"
    assert lines[2] == "Tiedolla johtaminen;3,4;-0,22;62 %"
    assert csv_bytes([("T", frame)], "en").decode("utf-8-sig").split("\r\n")[1].count(",") == 3


def test_round_trip_and_link(prepared):
    frame = view.role_table(prepared, SMALL, "fi")
    caption = text("respondents_caption", "fi")
    markup = download_html([(caption, frame)], "fi", "strapetsi_x.csv", "Lataa")
    match = re.search(r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)" '
                      r'download="strapetsi_x.csv"', markup)
    assert match and "<script" not in markup
    [(read_caption, rows)] = parse_csv(base64.b64decode(match.group(1)), "fi")
    assert read_caption == caption
    assert rows[0] == list(frame.columns)
    assert rows[1:] == [[str(v).replace("\u00a0", " ") for v in row]
                        for row in frame.itertuples(index=False)]


def test_suppressed_group_is_not_in_the_csv(prepared):
    counts = prepared.rows("respondents_by_role", SMALL)
    leaders = counts[(counts["wave"] == "baseline") & (counts["role"] == "leader")]["n"].iloc[0]
    assert leaders < prepared.min_group_size
    frame = view.role_table(prepared, SMALL, "fi")
    [(_, rows)] = parse_csv(csv_bytes([("t", frame)], "fi"), "fi")
    leader_row = next(r for r in rows if r[0] == prepared.instrument.role("leader").label["fi"])
    baseline = rows[0].index(prepared.wave_label("baseline", "fi"))
    assert leader_row[baseline] == too_few("fi", prepared.min_group_size).replace("\u00a0", " ")
    assert str(leaders) not in leader_row


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_parse_rejects_a_file_without_bom(language):
    with pytest.raises(ValueError, match="byte-order mark"):
        parse_csv(b"a;b\r\n", language)


def test_cells_a_spreadsheet_would_run_are_text():
    hostile = ['=HYPERLINK("https://example.org","x")', "+1+cmd|' /C calc'!A0", "-2+3",
               "@SUM(A1:A9)", "'=already quoted"]
    frame = pd.DataFrame({"Nimi": hostile + ["Opisto", "\u22120,12", "+0,23", "62\u00a0%"]})
    data = csv_bytes([("=caption", frame)], "fi")
    import csv
    import io

    raw = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    cells = [row[0] for row in raw if row]
    # every text from data that starts like a formula is made text by a leading apostrophe
    assert cells[0] == "'=caption"
    assert cells[2:7] == ["'" + cell for cell in hostile]
    # names and numbers as the report writes them stay as they are
    assert cells[7:] == ["Opisto", "-0,12", "+0,23", "62 %"]
    # and the file reads back as the report showed it
    (caption, rows), = parse_csv(data, "fi")
    assert caption == "=caption" and [r[0] for r in rows[1:6]] == hostile
