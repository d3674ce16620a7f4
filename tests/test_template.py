"""`strapetsi template`: the instrument as a spreadsheet for building the form in a survey tool."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

from strapetsi_lib.config import PROJ_ROOT
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.ingest.survey_export import propose
from strapetsi_lib.present.instrument_sheet import write_instrument_sheet

INSTRUMENT = load_instrument("competence_management_v1")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_sheet_holds_every_question_and_scale_in_order(language, tmp_path):
    path = write_instrument_sheet(INSTRUMENT, language, tmp_path / "form.xlsx")
    book = openpyxl.load_workbook(path)
    questions, scales = book.worksheets
    rows = list(questions.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["provider_id", "role", *INSTRUMENT.item_codes]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    for row, item in zip(rows[2:], INSTRUMENT.items, strict=True):
        scale = INSTRUMENT.scales[item.scale]
        assert row[3] == item.text[language] and row[5] == scale.code
        assert row[4].startswith(f"{scale.min} = {scale.labels[scale.min][language]}; ")
    assert [(r[0], r[1], r[2]) for r in scales.iter_rows(min_row=2, values_only=True)
            if r[1] not in ("", None)] == [
        (scale.code, value, scale.labels[value][language])
        for scale in INSTRUMENT.scales.values() for value in scale.values]


def test_a_form_built_from_the_sheet_is_matched_exactly(tmp_path):
    sheet = write_instrument_sheet(INSTRUMENT, "fi", tmp_path / "form.xlsx")
    questions = openpyxl.load_workbook(sheet).worksheets[0]
    headers = [row[3] for row in questions.iter_rows(min_row=2, values_only=True)]
    export = openpyxl.Workbook()
    export.active.append(headers)
    scale_of = {item.text["fi"]: INSTRUMENT.scales[item.scale] for item in INSTRUMENT.items}
    provider = "Esimerkkiopisto"
    export.active.append([provider, "Opettaja"]
                         + [scale_of[h].labels[scale_of[h].max]["fi"] for h in headers[2:]])
    export.save(tmp_path / "export.xlsx")
    (tmp_path / "providers.csv").write_text(
        "provider_id,name,language,region,themes\n0100013-3,Esimerkkiopisto,fi,Lappi,\n",
        encoding="utf-8")
    proposal = propose([tmp_path / "export.xlsx"], tmp_path / "providers.csv",
                       "competence_management_v1")
    assert proposal.confident
    hows = {d.maps_to: d.how for d in proposal.decisions if d.kind == "column"}
    assert all(hows[code] == "exact" for code in INSTRUMENT.item_codes)


@pytest.mark.slow
def test_template_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "strapetsi_lib", "template", "--language",
                             "fi", "--out", str(tmp_path / "kysely.xlsx")], cwd=PROJ_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert openpyxl.load_workbook(tmp_path / "kysely.xlsx").sheetnames == ["Kysymykset",
                                                                            "Asteikot"]
    result = subprocess.run([sys.executable, "-m", "strapetsi_lib", "template", "--language",
                             "de", "--out", str(tmp_path / "x.xlsx")], cwd=PROJ_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--language must be one of fi, sv, en" in result.stderr
    # an instrument without English texts says so
    result = subprocess.run([sys.executable, "-m", "strapetsi_lib", "template", "--language",
                             "en", "--out", str(tmp_path / "x.xlsx"), "--instrument",
                             "wellbeing_at_work_v1"], cwd=PROJ_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "has no texts in en" in result.stderr
