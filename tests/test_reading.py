"""Reading files as survey tools and spreadsheets export them, and parsing their cells."""

import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.encoding import MAX_BAD_BYTES
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.ingest.reading import (
    AnswerParser,
    UnreadableFile,
    column_codes,
    decode_text,
    parse_languages,
    parse_number,
    parse_roles,
    parse_themes,
    read_table,
    sniff_delimiter,
)

# --------------------------------------------------------------------------- CSV variants


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


EXPECTED = pd.DataFrame({"respondent_id": ["007", "010"], "provider_id": ["0112038-9"] * 2,
                         "plan1": ["4", "Täysin samaa mieltä"]},
                        index=pd.Index([2, 3], name="line"), dtype=object)


@pytest.mark.parametrize("encoding, sep", [
    ("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", "\t"), ("utf-16", ","),
])
def test_csv_encodings_and_separators(tmp_path, encoding, sep):
    rows = [["respondent_id", "provider_id", "plan1"], ["007", "0112038-9", "4"],
            ["010", "0112038-9", "Täysin samaa mieltä"]]
    text = "\r\n".join(sep.join(r) for r in rows) + "\r\n"
    table, problems, _ = read_table(_write(tmp_path / "r.csv", text, encoding))
    assert problems == []
    pd.testing.assert_frame_equal(table, EXPECTED)


def test_utf8_is_preferred_over_cp1252():
    assert decode_text("ä".encode()) == "ä"
    assert decode_text("ä".encode("cp1252")) == "ä"
    assert decode_text("\ufeffa;b".encode()) == "a;b"


def test_undecodable_bytes_are_a_problem(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"a,b\r\n\x81x,\x90\r\n")  # not UTF-8, undefined in Windows-1252
    table, problems, _ = read_table(path)
    assert table is None
    assert [(p.file, p.row, p.column) for p in problems] == [("r.csv", 2, "1"), ("r.csv", 2, "4")]
    assert problems[0].message.startswith("byte 0x81 is neither UTF-8 nor Windows-1252")
    with pytest.raises(UnreadableFile):
        decode_text(b"\x81")


PROVIDERS_UTF8 = ("provider_id;name;region\r\n"
                  "0112038-9;Etelä-Pohjanmaan koulutuskuntayhtymä;Etelä-Pohjanmaa\r\n"
                  "0201256-6;Yrkesinstitutet Ålandia;Åland\r\n"
                  "0211367-9;Savon ammattiopisto;Pohjois-Savo\r\n")


def test_a_stray_windows_1252_byte_in_utf8_is_located_not_re_decoded(tmp_path):
    # one name typed in a Windows-1252 editor into an otherwise UTF-8 file
    data = PROVIDERS_UTF8.encode().replace(b"Savon", "Sävon".encode("cp1252"))
    table, problems, _ = read_table(_write_bytes(tmp_path / "providers.csv", data))
    assert table is None
    assert problems == [Problem("providers.csv", 4, "12", problems[0].message)]
    assert str(problems[0]).startswith("providers.csv:4:12: byte 0xE4 is not UTF-8, while the "
                                       "rest of the file is UTF-8 (in Windows-1252 it would be "
                                       "'ä')")


def test_many_bad_bytes_are_capped_with_a_count(tmp_path):
    lines = ["role;x", "opettaja;ä"] + [f"{'mu'}\udce4;{i}" for i in range(25)]
    data = "\r\n".join(lines).encode("utf-8", errors="surrogateescape")
    table, problems, _ = read_table(_write_bytes(tmp_path / "r.csv", data))
    assert table is None and len(problems) == MAX_BAD_BYTES + 1
    assert [(p.row, p.column) for p in problems[:2]] == [(3, "3"), (4, "3")]
    assert problems[-1] == Problem("r.csv", None, None,
                                   f"{25 - MAX_BAD_BYTES} more byte(s) like these; the file "
                                   "was not read")


def test_windows_1252_throughout_is_still_read(tmp_path):
    data = PROVIDERS_UTF8.encode("cp1252")
    table, problems, _ = read_table(_write_bytes(tmp_path / "providers.csv", data))
    assert problems == []
    assert table["region"].tolist() == ["Etelä-Pohjanmaa", "Åland", "Pohjois-Savo"]
    # the same bytes give the same table as the UTF-8 file
    utf8, _, _ = read_table(_write_bytes(tmp_path / "utf8.csv", PROVIDERS_UTF8.encode()))
    pd.testing.assert_frame_equal(table, utf8)


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


def test_sniff_is_not_fooled_by_decimal_commas_or_commas_in_headers():
    text = ('respondent_id;Ymmärrän, miten se toimii;Saan tietoa, palautetta\n'
            '1;4,0;3,0\n2;2,0;5\n3;1;1,0\n')
    assert sniff_delimiter(text) == ";"
    text = 'provider_id,themes\n0112038-9,quality;pedagogy\n0201256-6,future\n'
    assert sniff_delimiter(text) == ","


def test_line_numbers_count_blank_lines_and_multiline_cells(tmp_path):
    text = ('\n'                                   # 1: blank line before the header
            'respondent_id,provider_id,comment\n'   # 2: header
            '1,0112038-9,fine\n'                   # 3
            '\n'                                   # 4: blank
            '2,0112038-9,"two\nlines"\n'           # 5-6
            ',,\n'                                 # 7: only separators
            '3,0112038-9,x\n')                     # 8
    table, problems, _ = read_table(_write(tmp_path / "r.csv", text))
    assert problems == []
    assert table.index.tolist() == [3, 5, 8]
    assert table.loc[5, "comment"] == "two\nlines"


def test_cells_and_headers_are_stripped_and_ids_stay_text(tmp_path):
    text = ' respondent_id ; provider_id \n 00012 ; 0112038-9 \n000;0201256-6\n'
    table, _, _ = read_table(_write(tmp_path / "r.csv", text))
    assert list(table.columns) == ["respondent_id", "provider_id"]
    assert table["respondent_id"].tolist() == ["00012", "000"]


def test_ragged_lines(tmp_path):
    text = 'a,b,c\n1,2\n1,2,3,\n1,2,3,4\n1,,\n1\n'
    table, problems, warnings = read_table(_write(tmp_path / "r.csv", text))
    # A trailing empty field is harmless, and so are empty fields written as separators (`1,,`)
    # or left out at the end of a line (`1,2`, as Excel writes rows whose last cells are
    # empty): one warning lists those lines. A surplus value is a problem.
    assert table.loc[2].tolist() == ["1", "2", ""]
    assert table.loc[5].tolist() == ["1", "", ""]
    assert table.loc[6].tolist() == ["1", "", ""]
    assert problems == [
        Problem("r.csv", 4, None, "line has more fields than the header's 3 (numbers with a "
                                  "decimal comma in a file separated by commas? Quote them, or "
                                  "save the file with ; as the separator)")]
    assert warnings == [Problem(
        "r.csv", None, None, "2 line(s) have fewer fields than the header's 3 (lines 2, 6): "
        "their missing last fields are read as empty answers, as Excel leaves out the "
        "separators of trailing empty cells")]


def test_a_short_last_line_without_a_line_end_is_a_file_cut_short(tmp_path):
    # the same short line is an Excel row when a line end follows it, a cut file when not
    table, problems, warnings = read_table(_write(tmp_path / "r.csv", "a,b,c\n1,2,3\n1,2"))
    assert table.loc[3].tolist() == ["1", "2", ""] and warnings == []
    assert problems == [Problem(
        "r.csv", 3, "c", "the file ends inside this line, which has 2 fields but the header "
                         "has 3: the values from column 'c' on are missing (was the file cut "
                         "short?)")]
    assert read_table(_write(tmp_path / "r.csv", "a,b,c\n1,2,3\n1,2\n")).problems == []


def test_a_short_rows_warning_counts_what_it_does_not_list(tmp_path):
    text = "a,b,c\n" + "1\n" * 12
    warnings = read_table(_write(tmp_path / "r.csv", text)).warnings
    assert [w.message.split(":")[0] for w in warnings] == [
        "12 line(s) have fewer fields than the header's 3 (lines 2, 3, 4, 5, 6, 7, 8, 9, 10, "
        "11 … (+2 more))"]


def test_duplicate_and_missing_headers(tmp_path):
    text = 'a,b,a,,\n1,2,3,4,\n'
    table, problems, _ = read_table(_write(tmp_path / "r.csv", text))
    assert list(table.columns) == ["a", "b"]
    assert table.loc[2].tolist() == ["1", "2"]
    assert problems == [
        Problem("r.csv", 1, "a", "column header appears twice (columns 1 and 3); only the "
                                 "first is read"),
        Problem("r.csv", 1, None, "column 4 holds values but has no header"),
    ]


@pytest.mark.parametrize("content, message", [
    (b"", "file is empty (0 bytes)"),
    (b"\r\n\r\n", "file has no header and no rows"),
    (b"respondent_id;provider_id\r\n", "file has a header but no rows"),
    (b"respondent_id;provider_id\r\n;\r\n\r\n", "file has a header but no rows"),
])
def test_empty_files(tmp_path, content, message):
    path = tmp_path / "r.csv"
    path.write_bytes(content)
    assert read_table(path, "waves/r.csv") == (None, [Problem("waves/r.csv", None, None,
                                                              message)], [])


def test_missing_and_unsupported_files(tmp_path):
    assert read_table(tmp_path / "nope.csv") == (
        None, [Problem("nope.csv", None, None, "file does not exist")], [])
    (tmp_path / "r.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    table, problems, _ = read_table(tmp_path / "r.xls")
    assert table is None and "unsupported file type .xls" in problems[0].message


# --------------------------------------------------------------------------- Excel


def test_xlsx_cells_become_text_with_sheet_row_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"] = ("respondent_id", "plan1", "staff",
                                                          "when")
    sheet.append([None, "00123", 4.0, 12, datetime.datetime(2024, 5, 1)])   # row 4
    sheet.append([None, " 7 ", 4.5, None, datetime.datetime(2024, 5, 1, 8, 30)])  # row 5
    sheet.append([])                                                         # row 6: blank
    sheet.append([None, "9", "En osaa sanoa", True, None])                   # row 7
    book.save(tmp_path / "r.xlsx")
    table, problems, _ = read_table(tmp_path / "r.xlsx")
    assert problems == []
    assert list(table.columns) == ["respondent_id", "plan1", "staff", "when"]
    assert table.index.tolist() == [4, 5, 7]
    assert table["respondent_id"].tolist() == ["00123", "7", "9"]
    assert table["plan1"].tolist() == ["4", "4.5", "En osaa sanoa"]
    assert table["staff"].tolist() == ["12", "", "TRUE"]  # a yes/no cell is not the number 1
    assert table["when"].tolist() == ["2024-05-01", "2024-05-01T08:30:00", ""]


def test_formulas_without_saved_values_are_problems(tmp_path):
    book = openpyxl.Workbook()  # openpyxl saves formulas without their values, as scripts do
    sheet = book.active
    sheet.append(["respondent_id", "plan1", "plan2"])
    sheet.append(["1", 4, "=2+2"])
    sheet.append(["2", "=B2", 3])
    book.save(tmp_path / "r.xlsx")
    table, problems, _ = read_table(tmp_path / "r.xlsx")
    message = ("formula without a saved value: open and save the file in Excel (or write the "
               "values instead of formulas)")
    assert problems == [Problem("r.xlsx", 2, "plan2", message), Problem("r.xlsx", 3, "plan1",
                                                                        message)]


def test_formulas_with_saved_values_are_read(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["respondent_id", "plan1"])
    book.active.append(["1", "=2+2"])
    book.save(tmp_path / "r.xlsx")
    # what Excel does on saving: keep the formula and store its value beside it
    import zipfile

    with zipfile.ZipFile(tmp_path / "r.xlsx") as src:
        parts = {n: src.read(n) for n in src.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b"<f>2+2</f><v /></c>" in parts[sheet]
    parts[sheet] = parts[sheet].replace(b"<f>2+2</f><v /></c>", b"<f>2+2</f><v>4</v></c>")
    with zipfile.ZipFile(tmp_path / "saved.xlsx", "w") as dst:
        for n, data in parts.items():
            dst.writestr(n, data)
    table, problems, _ = read_table(tmp_path / "saved.xlsx")
    assert problems == [] and table["plan1"].tolist() == ["4"]


def test_damaged_xlsx_is_a_problem(tmp_path):
    (tmp_path / "r.xlsx").write_bytes(b"this is not a zip file")
    table, problems, _ = read_table(tmp_path / "r.xlsx")
    assert table is None
    assert problems[0].file == "r.xlsx" and "cannot read as an Excel workbook" in problems[
        0].message


def test_empty_xlsx(tmp_path):
    openpyxl.Workbook().save(tmp_path / "r.xlsx")
    assert read_table(tmp_path / "r.xlsx") == (
        None, [Problem("r.xlsx", None, None, "file has no header and no rows")], [])


# --------------------------------------------------------------------------- headers


def test_item_headers_by_code_or_question_text(instrument):
    item = instrument.item("plan1")
    headers = ["respondent_id", "Provider_ID", " ROLE", "plan1", item.text["fi"],
               item.text["sv"].upper(), item.text["en"].rstrip("."), "Y-tunnus", "comment"]
    assert column_codes(headers, instrument) == {
        "respondent_id": "respondent_id", "Provider_ID": "provider_id", " ROLE": "role",
        "plan1": "plan1", item.text["fi"]: "plan1", item.text["sv"].upper(): "plan1",
        item.text["en"].rstrip("."): "plan1", "Y-tunnus": "provider_id", "comment": None}


def test_without_instrument_only_fixed_columns_are_known():
    assert column_codes(["plan1", "role"], None) == {"plan1": None, "role": "role"}


# --------------------------------------------------------------------------- cell values


def test_answers_numbers_labels_and_missing(instrument):
    agreement = AnswerParser(instrument.scales["agreement"], instrument.missing_answers)
    values = pd.Series(["1", "5", "4,0", "4.0", " 3 ", "Täysin samaa mieltä", "helt av samma åsikt",
                        "Strongly disagree.", "EN OSAA SANOA", "vet ej", "Kan inte säga",
                        "don’t know", "", None, "0", "6", "4,5", "abc", "Routine", "nan", "inf"],
                       index=range(10, 31))
    numbers, invalid = agreement.parse(values)
    expected = [1, 5, 4, 4, 3, 5, 5, 1] + [np.nan] * 6 + [np.nan] * 7
    np.testing.assert_array_equal(numbers.to_numpy(), np.array(expected, dtype=float))
    assert numbers.dtype == "float64" and list(numbers.index) == list(range(10, 31))
    assert invalid.tolist() == [False] * 14 + [True] * 7


def test_answer_labels_of_levels_of_use(instrument):
    levels = AnswerParser(instrument.scales["levels_of_use"], instrument.missing_answers)
    numbers, invalid = levels.parse(pd.Series(["Rutiininomainen käyttö", "Används inte", "7",
                                               "8", "Täysin samaa mieltä"]))
    assert numbers.tolist()[:3] == [4.0, 0.0, 7.0]
    assert invalid.tolist() == [False, False, False, True, True]


@pytest.mark.parametrize("text, value", [
    ("4 - Jokseenkin samaa mieltä", 4.0), ("4 = Jokseenkin samaa mieltä", 4.0),
    ("4 \u2013 jokseenkin samaa mieltä.", 4.0), ("2 - Delvis av annan åsikt", 2.0),
    ("5-Strongly agree", 5.0), ("6 - En osaa sanoa", np.nan),
])
def test_answers_exported_as_number_and_label(instrument, text, value):
    agreement = AnswerParser(instrument.scales["agreement"], instrument.missing_answers)
    numbers, invalid = agreement.parse(pd.Series([text]))
    np.testing.assert_array_equal(numbers.to_numpy(), [value])
    assert not invalid.any()


@pytest.mark.parametrize("text, message", [
    ("4 - Täysin samaa mieltä", "the label does not match the scale's label for 4 "
                                "('Jokseenkin samaa mieltä' in Finnish)"),
    ("9 - Täysin samaa mieltä", "9 is outside the scale 1–5"),
    ("TRUE", "is a yes/no (TRUE/FALSE) cell, not a number on the scale 1–5"),
])
def test_mismatched_number_and_label_or_booleans_are_invalid(instrument, text, message):
    agreement = AnswerParser(instrument.scales["agreement"], instrument.missing_answers)
    assert agreement.parse(pd.Series([text]))[1].tolist() == [True]
    assert message in agreement.describe(text)


def test_parse_block_keeps_shape(instrument):
    agreement = AnswerParser(instrument.scales["agreement"], instrument.missing_answers)
    block = np.array([["1", None], ["x", "Jokseenkin eri mieltä"]], dtype=object)
    numbers, invalid = agreement.parse_block(block)
    np.testing.assert_array_equal(numbers, [[1.0, np.nan], [np.nan, 2.0]])
    np.testing.assert_array_equal(invalid, [[False, False], [True, False]])


def test_answer_descriptions(instrument):
    agreement = AnswerParser(instrument.scales["agreement"], instrument.missing_answers)
    assert agreement.describe("9") == "answer '9' is outside the scale 1–5"
    assert agreement.describe("2,5") == "answer '2,5' is not a whole number on the scale 1–5"
    assert agreement.describe("abc") == "answer 'abc' is not a number or label on the scale 1–5"


def test_roles_codes_and_labels():
    # the packaged instrument's roles are the default four, with their labels and synonyms
    values = pd.Series(["leader", "Johto / esihenkilö", "johto/esihenkilö", "ESIHENKILÖ",
                        "johto", "opettaja", "Lärare", "tukihenkilöstö", "stödpersonal", "muu",
                        "annan", "Ledning / chef", "chef", "Teacher", "rehtori", None])
    assert parse_roles(values, load_instrument("competence_management_v1")).tolist() == [
        "leader", "leader", "leader", "leader", "leader", "teacher", "teacher", "support",
        "support", "other", "other", "leader", "leader", "teacher", None, None]


def test_roles_are_the_instruments_own():
    wellbeing = load_instrument("wellbeing_at_work_v1")
    values = pd.Series(["Johto ja esihenkilöt", "esihenkilö", "opettaja", "Undervisningspersonal",
                        "muu", "Övrig personal", "leader", "teacher"])
    assert parse_roles(values, wellbeing).tolist() == [
        "management", "management", "teaching", "teaching", "other_staff", "other_staff",
        None, None]


def test_languages_numbers_and_themes():
    assert parse_languages(pd.Series(["fi", "SV", "Svenska", "en", None])).tolist() == [
        "fi", "sv", "sv", None, None]
    assert parse_number("1 234,5") == 1234.5
    assert parse_number("nan") is None and parse_number("x") is None
    known = ("pedagogy", "quality", "competence", "future")
    assert parse_themes("quality; Pedagogy;;future", known) == (
        ["future", "pedagogy", "quality"], [])
    assert parse_themes("quality,leadership", known) == (["quality"], ["leadership"])
    assert parse_themes("", known) == ([], [])


# --------------------------------------------------------------------------- SPSS


def test_sav_cells_are_value_labels_and_rows_are_case_numbers(tmp_path):
    import pyreadstat

    frame = pd.DataFrame({"JARJ": ["0112038-9", "0112038-9", ""],
                          "K1": [1.0, 5.0, np.nan], "K2": [9.0, 3.0, 2.0]})
    labels = {"K1": {1.0: "Täysin samaa mieltä", 5.0: "Täysin eri mieltä"},
              "K2": {9.0: "En osaa sanoa"}}
    pyreadstat.write_sav(frame, str(tmp_path / "r.sav"), variable_value_labels=labels,
                         column_labels={"K1": "Ensimmäinen kysymys"})
    table, problems, warnings = read_table(tmp_path / "r.sav")
    assert problems == warnings == []
    assert list(table.columns) == ["JARJ", "K1", "K2"]
    assert table.index.tolist() == [1, 2, 3]  # case numbers, as SPSS's Data View shows them
    # a labelled code becomes its label, an unlabelled one stays the number
    assert table["K1"].tolist() == ["Täysin samaa mieltä", "Täysin eri mieltä", ""]
    assert table["K2"].tolist() == ["En osaa sanoa", "3", "2"]
    (tmp_path / "bad.sav").write_bytes(b"not spss")
    table, problems, _ = read_table(tmp_path / "bad.sav")
    assert table is None and problems[0].message.startswith("cannot read as an SPSS .sav file")
