"""LimeSurvey's survey structure (tab-separated text) as the code map of its exports."""

from __future__ import annotations

import pytest

from strapetsi_lib.ingest.limesurvey import CodeMapError, read_code_map

STRUCTURE = "\n".join("\t".join(row) for row in [
    ["id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language"],
    ["", "", "S", "", "sid", "", "123456", "", ""],
    ["1", "", "G", "", "Kysymykset", "1", "", "", "fi"],
    ["2", "", "Q", "F", "Q1", "1", "<p><b>Osaaminen</b>&nbsp;ja palaute</p>", "", "fi"],
    ["", "", "SQ", "0", "SQ001", "1", "Saan palautetta.", "", "fi"],
    ["", "", "SQ", "0", "SQ002", "1", "Osaamistani arvostetaan.", "", "fi"],
    ["", "", "A", "0", "A1", "", "Täysin eri mieltä", "", "fi"],
    ["", "", "A", "0", "A2", "", "Täysin samaa mieltä", "", "fi"],
    ["2", "", "Q", "F", "Q1", "1", "Kompetens och respons", "", "sv"],
    ["", "", "SQ", "0", "SQ001", "1", "Jag får respons.", "", "sv"],
    ["", "", "A", "0", "A1", "", "Helt av annan åsikt", "", "sv"],
    ["3", "", "Q", "L", "rooli", "1", "Tehtäväsi", "", "fi"],
    ["", "", "A", "0", "A1", "", "Opettaja", "", "fi"],
]) + "\n"


def test_code_map_gives_each_columns_texts_and_answer_labels(tmp_path):
    path = tmp_path / "limesurvey_survey_123456.txt"
    path.write_text(STRUCTURE, encoding="utf-8")
    codes = read_code_map(path)
    # every language's text; HTML and entities taken off; the question as a grid title too
    assert codes.texts["Q1[SQ001]"] == ["Saan palautetta.", "Osaaminen ja palaute [Saan "
                                        "palautetta.]", "Jag får respons.",
                                        "Kompetens och respons [Jag får respons.]"]
    assert codes.answers["Q1[SQ002]"] == {"A1": ["Täysin eri mieltä", "Helt av annan åsikt"],
                                          "A2": ["Täysin samaa mieltä"]}
    assert codes.answers["rooli"] == {"A1": ["Opettaja"]}


def test_a_file_that_is_no_survey_structure(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text("id,submitdate\n1,2024-10-01\n", encoding="utf-8")
    with pytest.raises(CodeMapError, match="needs the columns class, name, text"):
        read_code_map(path)
