"""Every kind of problem is found, located by file, line and column as a person sees them.

Row ``i`` of a base table is on line ``i + 2`` of its file (the header is line 1), in a CSV and
in an Excel sheet alike.
"""

import pytest

from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.dataset import validate_dataset

BASELINE = "responses_baseline.csv"
FOLLOWUP = "responses_followup.csv"


def problems_in(root, file=None):
    dataset, problems = validate_dataset(root)
    assert (dataset is None) == bool(problems)
    return [p for p in problems if file is None or p.file == file]


def test_valid_dataset_has_no_problems(tiny_dataset):
    dataset, problems = validate_dataset(tiny_dataset)
    assert problems == []
    assert dataset is not None


# --------------------------------------------------------------------------- response files


@pytest.mark.parametrize("column", ["respondent_id", "provider_id", "role"])
def test_missing_required_column(tmp_path, tables, write_dataset, column):
    providers, responses = tables
    responses["baseline"] = responses["baseline"].drop(columns=[column])
    root = write_dataset(tmp_path, responses=responses)
    assert problems_in(root) == [Problem(BASELINE, None, column,
                                         f"required column {column} is missing")]


def test_missing_item_column(tmp_path, tables, write_dataset):
    providers, responses = tables
    responses["followup"] = responses["followup"].drop(columns=["plan3", "sustain_n4"])
    root = write_dataset(tmp_path, responses=responses, formats={"followup": "xlsx"})
    found = problems_in(root)
    assert [(p.file, p.row, p.column) for p in found] == [
        ("responses_followup.xlsx", None, "plan3"), ("responses_followup.xlsx", None,
                                                     "sustain_n4")]
    assert found[0].message.startswith("no column for item plan3")


def test_unknown_item_column(tmp_path, tables, write_dataset):
    providers, responses = tables
    responses["baseline"]["plan99"] = "3"
    responses["baseline"]["Vapaa palaute"] = ""
    root = write_dataset(tmp_path, responses=responses)
    found = problems_in(root)
    assert [(p.file, p.row, p.column) for p in found] == [
        (BASELINE, None, "Vapaa palaute"), (BASELINE, None, "plan99")]
    assert all(p.message.startswith("unknown column: neither respondent_id, provider_id, role "
                                    "nor an item code or question text") for p in found)


def test_item_given_twice(tmp_path, tables, write_dataset, instrument):
    providers, responses = tables
    frame = responses["baseline"]
    frame[instrument.item("plan1").text["sv"]] = frame["plan1"]
    root = write_dataset(tmp_path, responses=responses)
    [problem] = problems_in(root)
    assert (problem.file, problem.row, problem.column) == (
        BASELINE, None, instrument.item("plan1").text["sv"])
    assert "gives plan1 again (already given by column 'plan1')" in problem.message


def test_unknown_provider(tmp_path, tables, write_dataset):
    providers, responses = tables
    responses["baseline"].loc[7, "provider_id"] = "0112038-9"  # valid, but not a provider here
    root = write_dataset(tmp_path, responses=responses)
    assert problems_in(root) == [Problem(
        BASELINE, 9, "provider_id", "provider '0112038-9' is not in the providers file "
                                    "providers.csv")]


@pytest.mark.parametrize("value, words", [
    ("0100013-4", "has a wrong check digit: a business ID (Y-tunnus) starting 0100013 ends "
                  "in -3"),
    ("100013-3", "is not a business ID (Y-tunnus) of the form NNNNNNN-N"),
])
def test_bad_ytunnus_in_responses(tmp_path, tables, write_dataset, value, words):
    providers, responses = tables
    responses["followup"].loc[3, "provider_id"] = value
    root = write_dataset(tmp_path, responses=responses, formats={"followup": "xlsx"})
    assert problems_in(root) == [Problem("responses_followup.xlsx", 5, "provider_id",
                                         f"{value!r} {words}")]


def test_duplicate_respondent_within_a_wave(tmp_path, tables, write_dataset):
    providers, responses = tables
    frame = responses["baseline"]
    # The same pseudonym in another wave is the same person answering again: not a problem.
    responses["followup"]["respondent_id"] = frame["respondent_id"].to_numpy()
    frame.loc[10, "respondent_id"] = frame.loc[2, "respondent_id"]
    root = write_dataset(tmp_path, responses=responses)
    assert problems_in(root) == [Problem(
        BASELINE, 12, "respondent_id",
        "respondent_id '00003' appears more than once in wave baseline (first on line 4)")]


@pytest.mark.parametrize("headers", ["code", "fi"])
def test_answers_off_the_scale(tmp_path, tables, write_dataset, instrument, headers):
    providers, responses = tables
    frame = responses["baseline"]
    frame.loc[0, "plan1"] = "6"
    frame.loc[1, "plan2"] = "abc"
    frame.loc[2, "plan2"] = "2,5"
    frame.loc[3, "clock_use"] = "8"
    frame.loc[4, "clock_use"] = "Täysin samaa mieltä"  # a label of another scale
    root = write_dataset(tmp_path, responses=responses, headers=headers)

    def column(code):
        return code if headers == "code" else instrument.item(code).text["fi"]

    def suffix(code):
        return "" if headers == "code" else f" (item {code})"

    assert problems_in(root) == sorted([
        Problem(BASELINE, 2, column("plan1"), "answer '6' is outside the scale 1–5"
                + suffix("plan1")),
        Problem(BASELINE, 3, column("plan2"),
                "answer 'abc' is not a number or label on the scale 1–5" + suffix("plan2")),
        Problem(BASELINE, 4, column("plan2"),
                "answer '2,5' is not a whole number on the scale 1–5" + suffix("plan2")),
        Problem(BASELINE, 5, column("clock_use"),
                "answer '8' is outside the scale 0–7" + suffix("clock_use")),
        Problem(BASELINE, 6, column("clock_use"), "answer 'Täysin samaa mieltä' is not a "
                "number or label on the scale 0–7" + suffix("clock_use")),
    ], key=lambda p: (p.row, p.column))


def test_unknown_and_empty_role(tmp_path, tables, write_dataset):
    providers, responses = tables
    responses["baseline"].loc[5, "role"] = "rehtori"
    responses["baseline"].loc[6, "role"] = ""
    root = write_dataset(tmp_path, responses=responses)
    found = problems_in(root)
    assert [(p.file, p.row, p.column) for p in found] == [(BASELINE, 7, "role"),
                                                          (BASELINE, 8, "role")]
    assert found[0].message.startswith("unknown role 'rehtori': use leader, teacher, support, "
                                       "other")
    assert found[1].message == "role is empty"


def test_empty_ids(tmp_path, tables, write_dataset):
    providers, responses = tables
    responses["baseline"].loc[0, "respondent_id"] = ""
    responses["baseline"].loc[1, "respondent_id"] = ""
    root = write_dataset(tmp_path, responses=responses)
    # Two empty ids are reported as empty, not as duplicates of each other.
    assert problems_in(root) == [Problem(BASELINE, 2, "respondent_id", "respondent_id is empty"),
                                 Problem(BASELINE, 3, "respondent_id", "respondent_id is empty")]


def test_missing_wave_file(tmp_path, write_dataset):
    root = write_dataset(tmp_path)
    (root / FOLLOWUP).unlink()
    assert problems_in(root) == [Problem(
        FOLLOWUP, None, None,
        "file does not exist (the responses of wave followup, as named in dataset.yml)")]


@pytest.mark.parametrize("content, message", [
    (b"", "file is empty (0 bytes)"),
    (b"respondent_id,provider_id,role\r\n", "file has a header but no rows"),
])
def test_empty_wave_file(tmp_path, write_dataset, content, message):
    root = write_dataset(tmp_path)
    (root / BASELINE).write_bytes(content)
    assert problems_in(root) == [Problem(BASELINE, None, None, message)]


def test_provider_without_respondents_in_a_wave(tmp_path, tables, write_dataset):
    providers, responses = tables
    frame = responses["followup"]
    responses["followup"] = frame[frame["provider_id"] != "0371582-9"]
    root = write_dataset(tmp_path, responses=responses, headers="sv")
    # a drop-out from a later wave is a warning: the dataset loads and its report says so
    dataset, problems = validate_dataset(root)
    assert problems == [] and dataset.warnings == [Problem(
        FOLLOWUP, None, "provider_id",
        "provider 0371582-9 (Yrkesinstitutet Väst) has no respondents in wave followup")]


# --------------------------------------------------------------------------- providers file


def test_providers_file_problems(tmp_path, tables, write_dataset):
    providers, responses = tables
    providers.loc[1, "language"] = "en"
    providers.loc[2, "themes"] = "quality;leadership"
    providers.loc[3, "staff_count"] = "0"
    providers.loc[4, "staff_count"] = "12,5"
    providers.loc[5, "name"] = ""
    root = write_dataset(tmp_path, providers=providers)
    assert problems_in(root) == [
        Problem("providers.csv", 3, "language", "language 'en' is not fi or sv"),
        Problem("providers.csv", 4, "themes", "unknown theme(s) leadership in "
                "'quality;leadership': use the instrument's themes pedagogy, quality, "
                "competence, future separated by ;"),
        Problem("providers.csv", 5, "staff_count", "staff_count '0' is not a whole number of at "
                                                   "least 1"),
        Problem("providers.csv", 6, "staff_count", "staff_count '12,5' is not a whole number of "
                                                   "at least 1"),
        Problem("providers.csv", 7, "name", "name is empty"),
    ]


def test_duplicate_provider(tmp_path, tables, write_dataset):
    providers, responses = tables
    providers.loc[4, "provider_id"] = providers.loc[0, "provider_id"]
    root = write_dataset(tmp_path, providers=providers)
    found = problems_in(root, "providers.csv")
    assert found == [Problem("providers.csv", 6, "provider_id",
                             "provider_id '0100013-3' appears more than once (first on line 2)")]


def test_bad_ytunnus_in_providers(tmp_path, tables, write_dataset):
    providers, responses = tables
    providers.loc[1, "provider_id"] = "0213427-3"
    root = write_dataset(tmp_path, providers=providers)
    assert problems_in(root, "providers.csv") == [Problem(
        "providers.csv", 3, "provider_id", "'0213427-3' has a wrong check digit: a business ID "
                                           "(Y-tunnus) starting 0213427 ends in -2")]
    # The responses of the provider listed wrongly are now for an unknown provider.
    unknown = [p for p in problems_in(root, BASELINE) if p.row is not None]
    assert [p.row for p in unknown] == list(range(8, 14))


def test_providers_file_columns(tmp_path, tables, write_dataset):
    providers, responses = tables
    providers = providers.drop(columns=["region", "staff_count"]).assign(contact="x")
    root = write_dataset(tmp_path, providers=providers)
    found = problems_in(root)
    # staff_count is optional; region is not (listed first); an extra column is named.
    assert [(p.file, p.row, p.column) for p in found] == [("providers.csv", None, "region"),
                                                          ("providers.csv", None, "contact")]
    assert found[0].message == "required column region is missing"


# --------------------------------------------------------------------------- dataset.yml


@pytest.mark.parametrize("key", ["name", "instrument", "providers", "waves"])
def test_dataset_yml_missing_key(tmp_path, write_dataset, key):
    root = write_dataset(tmp_path, drop_keys=(key,))
    assert Problem("dataset.yml", None, key, f"missing key {key}") in problems_in(root)


def test_unknown_instrument(tmp_path, write_dataset):
    root = write_dataset(tmp_path, config={"instrument": "competence_v9"})
    [problem] = problems_in(root)
    assert (problem.file, problem.row, problem.column) == ("dataset.yml", 2, "instrument")
    assert "unknown instrument 'competence_v9'" in problem.message


def test_dataset_yml_details(tmp_path, write_dataset):
    waves = [{"id": "baseline", "label": {"fi": "L"}, "responses": BASELINE},
             {"id": "baseline", "label": "Seuranta", "responses": FOLLOWUP},
             {"id": "third", "label": "x", "file": "x.csv"}]
    root = write_dataset(tmp_path, config={"waves": waves, "min_group_size": 0, "extra": 1})
    found = problems_in(root, "dataset.yml")
    # each problem carries the line of its key in the file (write_dataset's YAML layout)
    assert [(p.row, p.column) for p in found] == [
        (9, "waves[2].id"), (12, "waves[3].responses"), (14, "waves[3].file"),
        (15, "min_group_size"), (16, "extra")]
    assert str(found[0]) == "dataset.yml:9:waves[2].id: wave id baseline is used twice"
    assert found[1].message == "wave 3 is missing key responses"
    assert found[2].message == "wave 3 has unknown key file"
    assert found[3].message == "min_group_size must be a whole number of at least 1, not 0"
    assert found[4].message == "unknown key extra"


def test_report_date_contact_and_coordinator_are_checked_and_kept(tmp_path, write_dataset):
    """The optional keys the reports' first page names: a date, and two people with a name
    and an e-mail address; each mistake is a problem line with its key."""
    from strapetsi_lib.ingest.dataset_spec import load_dataset_spec

    good = {"report_date": "2026-01-15",
            "contact": {"name": "Maija Meikäläinen", "email": "maija@example.fi"},
            "coordinator": {"name": "Matti Virtanen"}}
    root = write_dataset(tmp_path / "good", config=good)
    assert problems_in(root) == []
    assert load_dataset_spec(root).colophon() == {
        "report_date": "2026-01-15",
        "contact": {"name": "Maija Meikäläinen", "email": "maija@example.fi"},
        "coordinator": {"name": "Matti Virtanen", "email": None}}
    bad = {"report_date": "15.1.2026", "contact": {"name": "M", "email": "maija at example"},
           "coordinator": {"email": "matti@example.fi", "phone": "040"}}
    found = problems_in(write_dataset(tmp_path / "bad", config=bad), "dataset.yml")
    by_key = {p.column: p.message for p in found}
    assert set(by_key) == {"report_date", "contact.email", "coordinator.name",
                           "coordinator.phone"}
    assert "not an e-mail address" in by_key["contact.email"]
    assert by_key["coordinator.name"] == "missing key name"
    assert by_key["coordinator.phone"] == "unknown key phone"
    assert all(p.row is not None for p in found)


@pytest.mark.parametrize("name", ["../../x", "a/b", ".hidden", "a..b", "", "tab\tname", "x y"])
def test_dataset_name_must_be_a_plain_name(tmp_path, write_dataset, name):
    root = write_dataset(tmp_path, config={"name": name})
    [problem] = problems_in(root)
    assert (problem.file, problem.row, problem.column) == ("dataset.yml", 1, "name")
    assert "must be a plain name" in problem.message or problem.message == "missing key name"


@pytest.mark.parametrize("name", ["demo-2024", "kysely_2025.syksy", "Åbo-2024", "2024"])
def test_plain_dataset_names_are_accepted(tmp_path, write_dataset, name):
    root = write_dataset(tmp_path, config={"name": name})
    dataset, problems = validate_dataset(root)
    assert problems == [] and dataset.name == name


def test_dataset_yml_key_written_twice(tmp_path, write_dataset):
    root = write_dataset(tmp_path)
    path = root / "dataset.yml"
    path.write_text(path.read_text(encoding="utf-8") + "name: other\n", encoding="utf-8")
    [problem] = problems_in(root)
    assert str(problem) == ("dataset.yml:18:name: key name is written twice; "
                            "only the last is read")


def test_dataset_yml_with_a_stray_byte(tmp_path, write_dataset):
    root = write_dataset(tmp_path)
    path = root / "dataset.yml"  # UTF-8 (it has "Lähtötilanne"), with one Windows-1252 "ä"
    path.write_bytes(path.read_bytes().replace(b"name: tiny-test", b"name: tiny-\xe4"))
    assert [str(p) for p in problems_in(root)] == [
        "dataset.yml:1:12: byte 0xE4 is not UTF-8, while the rest of the file is UTF-8 (in "
        "Windows-1252 it would be 'ä'): correct the character and save the file as UTF-8"]


def test_dataset_yml_not_yaml_or_missing(tmp_path, write_dataset):
    root = write_dataset(tmp_path)
    (root / "dataset.yml").write_text("name: [unclosed\n", encoding="utf-8")
    [problem] = problems_in(root)
    assert problem.file == "dataset.yml" and problem.message.startswith("not valid YAML")
    (root / "dataset.yml").unlink()
    assert problems_in(root)[0].message.startswith("file does not exist in")
    assert validate_dataset(tmp_path / "nowhere") == (None, [Problem(
        "dataset.yml", None, None, f"dataset folder {tmp_path / 'nowhere'} does not exist")])


# --------------------------------------------------------------------------- all at once


def test_every_problem_in_every_file_at_once(tmp_path, tables, write_dataset):
    providers, responses = tables
    providers.loc[2, "language"] = "de"
    responses["baseline"].loc[0, "plan1"] = "7"
    responses["followup"].loc[5, "role"] = "boss"
    responses["followup"] = responses["followup"].drop(columns=["data4"])
    root = write_dataset(tmp_path, providers=providers, responses=responses,
                         formats={"followup": "xlsx"}, config={"min_group_size": "five"})
    found = [(p.file, p.row, p.column) for p in problems_in(root)]
    assert found == [
        ("dataset.yml", 17, "min_group_size"),
        ("providers.csv", 4, "language"),
        (BASELINE, 2, "plan1"),
        ("responses_followup.xlsx", None, "data4"),
        ("responses_followup.xlsx", 7, "role"),
    ]


# --------------------------------------------------------------------------- no silent loss


def test_booleans_and_formulas_in_answers_are_problems(tmp_path, write_dataset):
    import openpyxl

    root = write_dataset(tmp_path, formats={"followup": "xlsx"})
    path = root / "responses_followup.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.active
    column = [c.value for c in sheet[1]].index("plan1") + 1
    sheet.cell(row=3, column=column, value=True)          # TRUE, once read as 1
    sheet.cell(row=4, column=column, value="=2+2")        # a formula never calculated
    book.save(path)
    found = problems_in(root)
    assert [(p.file, p.row, p.column) for p in found] == [
        ("responses_followup.xlsx", 3, "plan1"), ("responses_followup.xlsx", 4, "plan1")]
    assert "yes/no (TRUE/FALSE) cell" in found[0].message
    assert found[1].message.startswith("formula without a saved value: open and save the file "
                                       "in Excel")


def test_short_lines_are_read_as_empty_answers_with_one_warning(tmp_path, write_dataset):
    root = write_dataset(tmp_path)
    path = root / BASELINE
    lines = path.read_bytes().decode().split("\r\n")
    # lines 5 and 9 lose their separators after the 10th field, as Excel writes rows whose
    # last cells are empty
    for number in (5, 9):
        lines[number - 1] = ",".join(lines[number - 1].split(",")[:10])
    path.write_bytes("\r\n".join(lines).encode())
    dataset, problems = validate_dataset(root)
    assert problems == []
    [warning] = [w for w in dataset.warnings if w.file == BASELINE]
    assert warning.message.startswith("2 line(s) have fewer fields than the header's 57 "
                                      "(lines 5, 9): their missing last fields are read as "
                                      "empty answers")
    baseline = dataset.responses[dataset.responses["wave"] == "baseline"]
    items = dataset.instrument.item_codes
    # line 5 is the 4th respondent: answers after the 7th item (10 fields - 3 id columns) empty
    assert baseline.iloc[3][items[7:]].isna().all()
    assert baseline.iloc[3][items[:7]].notna().any()


def test_a_file_that_ends_inside_a_short_line_is_a_problem(tmp_path, write_dataset):
    root = write_dataset(tmp_path)
    path = root / BASELINE
    lines = path.read_bytes().decode().rstrip("\r\n").split("\r\n")
    lines[-1] = ",".join(lines[-1].split(",")[:10])  # the copy stopped inside the last line
    path.write_bytes("\r\n".join(lines).encode())
    [problem] = problems_in(root)
    assert (problem.file, problem.row) == (BASELINE, len(lines))
    assert problem.message.startswith("the file ends inside this line, which has 10 fields but "
                                      f"the header has 57: the values from column "
                                      f"{problem.column!r} on are missing")
