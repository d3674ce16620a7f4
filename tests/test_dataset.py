"""The public dataset API: tidy tables, the same whatever form the files come in."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

import strapetsi_lib
from strapetsi_lib.config import DEFAULT_MIN_GROUP_SIZE
from strapetsi_lib.errors import DatasetError, InstrumentError, Problem
from strapetsi_lib.ingest.dataset import (
    Dataset,
    Wave,
    format_summary,
    load_dataset,
    validate_dataset,
)
from strapetsi_lib.ingest.dataset_spec import dataset_input_files
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.ingest.takehold_rules import TakeholdRules

THEMES = tuple(load_instrument("competence_management_v1").theme_codes)


def expected_responses(responses: dict[str, pd.DataFrame], instrument) -> pd.DataFrame:
    """The tidy table the text tables should give, computed without the library."""
    frames = []
    for wave, frame in responses.items():
        items = frame[instrument.item_codes].apply(pd.to_numeric, errors="coerce")
        frames.append(pd.concat([frame[["respondent_id", "provider_id"]].assign(wave=wave),
                                 frame[["role"]], items.astype("float64")], axis=1))
    tidy = pd.concat(frames, ignore_index=True)
    tidy["wave"] = pd.Categorical(tidy["wave"], categories=list(responses), ordered=True)
    return tidy


@pytest.fixture(scope="module")
def reference_root(tmp_path_factory, write_dataset):
    """The tiny dataset as plain UTF-8 CSV, written once for the tests that only read it."""
    return write_dataset(tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="module")
def tiny(reference_root):
    """The tiny dataset loaded once; tests must not change it."""
    return load_dataset(reference_root)


def test_tidy_responses(tiny, tables, instrument):
    dataset = tiny
    responses = dataset.responses
    assert list(responses.columns) == ["respondent_id", "provider_id", "wave", "role",
                                       *instrument.item_codes]
    assert isinstance(responses.index, pd.RangeIndex) and len(responses) == 72
    assert responses["wave"].cat.ordered
    assert list(responses["wave"].cat.categories) == ["baseline", "followup"]
    assert (responses[instrument.item_codes].dtypes == "float64").all()
    assert responses["respondent_id"].iloc[0] == "00001"  # leading zeros kept, as text
    assert set(responses["role"]) == {"leader", "teacher", "support", "other"}
    pd.testing.assert_frame_equal(responses, expected_responses(tables[1], instrument))


VARIANTS = [
    pytest.param({"formats": "csv-bom"}, id="utf8-bom-semicolon"),
    pytest.param({"formats": "cp1252"}, id="cp1252-semicolon-decimal-comma"),
    pytest.param({"formats": "cp1252", "headers": "fi"}, id="cp1252-fi-headers"),
    pytest.param({"formats": "xlsx"}, id="xlsx"),
    pytest.param({"formats": "xlsx", "headers": "fi", "labels": "fi"}, id="xlsx-fi-labels"),
    pytest.param({"formats": "xlsx", "headers": "sv", "labels": "sv"}, id="xlsx-sv-labels"),
    pytest.param({"formats": {"baseline": "cp1252", "followup": "xlsx"}, "headers": "en"},
                 id="mixed-en-headers"),
]


@pytest.mark.parametrize("options", VARIANTS)
def test_every_export_form_gives_the_same_tables(tmp_path, write_dataset, tiny, options):
    other = load_dataset(write_dataset(tmp_path / "other", **options))
    pd.testing.assert_frame_equal(other.responses, tiny.responses)
    pd.testing.assert_frame_equal(other.providers, tiny.providers)


@pytest.mark.parametrize(("language", "sign"), [("fi", " - "), ("sv", " = "),
                                                ("en", " \u2013 ")])
def test_answers_exported_as_number_and_label_load_identically(tmp_path, tables, write_dataset,
                                                               tiny, instrument, language, sign):
    # "4 - Jokseenkin samaa mieltä", as Webropol and other survey tools export answers
    providers, responses = tables
    for frame in responses.values():
        for code in instrument.item_codes:
            labels = instrument.scale_of(code).labels
            frame[code] = frame[code].map(
                lambda t, lab=labels: f"{t}{sign}{lab[int(t)][language]}" if t.isdigit() else t)
    assert responses["baseline"]["plan1"].str.contains(sign, regex=False).sum() > 10
    other = load_dataset(write_dataset(tmp_path / "labelled", responses=responses))
    pd.testing.assert_frame_equal(other.responses, tiny.responses)


def test_a_number_with_the_wrong_label_is_a_problem(tmp_path, tables, write_dataset):
    providers, responses = tables
    responses["baseline"].loc[3, "plan1"] = "4 - Täysin samaa mieltä"
    dataset, problems = validate_dataset(write_dataset(tmp_path, responses=responses))
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("responses_baseline.csv", 5, "plan1")]
    assert "does not match the scale's label for 4" in problems[0].message


def test_providers_table(tiny):
    providers = tiny.providers
    assert providers["provider_id"].tolist() == ["0100013-3", "0213427-2", "0371582-9",
                                                 "1053720-7", "2264918-5", "0912345-3"]
    assert providers["language"].tolist() == ["fi", "fi", "sv", "fi", "fi", "sv"]
    assert providers["staff_count"].dtype == "Int64"
    assert providers["staff_count"].tolist() == [120, pd.NA, 45, 80, 60, 38]
    assert providers["themes"].tolist() == ["pedagogy;quality", "competence", "",
                                            "competence;future;quality", "pedagogy", "quality"]
    assert providers["region"].iloc[2] == "Pohjanmaa"
    assert isinstance(providers.index, pd.RangeIndex)


def test_staff_count_may_be_left_out(tmp_path, tables, write_dataset):
    providers, _ = tables
    root = write_dataset(tmp_path, providers=providers.drop(columns=["staff_count"]))
    staff = load_dataset(root).providers["staff_count"]
    assert staff.dtype == "Int64" and staff.isna().all() and len(staff) == 6


def test_providers_as_xlsx_with_numbers(tmp_path, tables, write_dataset, tiny):
    providers, _ = tables
    path = tmp_path / "ds"
    write_dataset(path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(providers.columns))
    for row in providers.itertuples(index=False):
        cells = list(row)
        cells[4] = float(cells[4]) if cells[4] else None  # staff_count stored as 120.0
        cells[2] = cells[2].upper()                       # FI / SV
        sheet.append(cells)
    book.save(path / "providers.xlsx")
    text = (path / "dataset.yml").read_text(encoding="utf-8")
    (path / "dataset.yml").write_text(text.replace("providers.csv", "providers.xlsx"),
                                      encoding="utf-8")
    pd.testing.assert_frame_equal(load_dataset(path).providers, tiny.providers)


def test_dataset_attributes(tiny, reference_root, instrument):
    dataset = tiny
    tiny_dataset = reference_root
    assert dataset.path == tiny_dataset.resolve()
    assert dataset.name == "tiny-test"
    assert dataset.instrument is instrument
    assert dataset.min_group_size == 5
    assert dataset.wave_ids == ["baseline", "followup"]
    assert dataset.waves[1] == Wave("followup", {"fi": "Seuranta 2025", "sv": "Uppföljning 2025",
                                                 "en": "Follow-up 2025"},
                                    (tiny_dataset.resolve() / "responses_followup.csv",))
    assert isinstance(dataset, Dataset)
    assert "providers=6" in repr(dataset)


def test_load_by_dataset_yml_and_from_package(tiny_dataset):
    assert strapetsi_lib.load_dataset is load_dataset
    assert load_dataset(tiny_dataset / "dataset.yml").name == "tiny-test"
    assert load_dataset(str(tiny_dataset)).name == "tiny-test"


def test_defaults_and_labels(tmp_path, write_dataset):
    waves = [{"id": "baseline", "label": "Kevät 2024", "responses": "responses_baseline.csv"},
             {"id": "followup", "label": {"en": "Autumn"}, "responses": "responses_followup.csv"}]
    root = write_dataset(tmp_path, config={"waves": waves}, drop_keys=("min_group_size",))
    dataset = load_dataset(root)
    assert dataset.min_group_size == DEFAULT_MIN_GROUP_SIZE
    assert dataset.waves[0].label == {"fi": "Kevät 2024", "sv": "Kevät 2024", "en": "Kevät 2024"}
    assert dataset.waves[1].label == {"fi": "Autumn", "sv": "Autumn", "en": "Autumn"}


def test_instrument_by_path(tmp_path, write_dataset, instrument):
    root = write_dataset(tmp_path, config={"instrument": "my_instrument.yml"})
    (root / "my_instrument.yml").write_bytes(instrument.source.read_bytes())
    dataset = load_dataset(root)
    assert dataset.instrument.source == (root / "my_instrument.yml").resolve()
    assert dataset_input_files(root)[-1] == (root / "my_instrument.yml").resolve()


def test_provider_lookup(tiny):
    dataset = tiny
    row = dataset.provider("0371582-9")
    assert row["name"] == "Yrkesinstitutet Väst" and row["language"] == "sv"
    with pytest.raises(KeyError, match="0000000-0"):
        dataset.provider("0000000-0")


def test_theme_membership(tiny):
    membership = tiny.theme_membership()
    assert list(membership.columns) == list(THEMES)
    assert membership.index.name == "provider_id"
    assert (membership.dtypes == "bool").all()
    assert membership.loc["1053720-7"].tolist() == [False, True, True, True]
    assert membership.loc["0371582-9"].tolist() == [False, False, False, False]
    assert membership["quality"].sum() == 3


def test_summary(tiny, tables, instrument):
    dataset = tiny
    summary = dataset.summary()
    followup = tables[1]["followup"]
    items = followup[instrument.item_codes]
    missing = (pd.to_numeric(items.stack(), errors="coerce").isna()).mean()
    assert summary["providers"] == 6
    assert summary["languages"] == {"fi": 4, "sv": 2}
    assert summary["waves"] == ["baseline", "followup"]
    assert summary["respondents_total"] == {"baseline": 36, "followup": 36}
    assert summary["respondents"]["followup"] == followup["role"].value_counts().to_dict()
    assert summary["missing_share"]["followup"] == pytest.approx(missing)
    assert 0.03 < summary["missing_share"]["baseline"] < 0.15


def test_format_summary(tiny):
    text = format_summary(tiny)
    lines = text.splitlines()
    assert lines[0] == "Dataset tiny-test (instrument competence_management_v1)"
    assert lines[1] == "Providers: 6 (fi 4, sv 2)"
    assert lines[3].split() == ["wave", "total", "leader", "teacher", "support", "other"]
    assert lines[4].split()[:2] == ["baseline", "36"]
    assert lines[-1].startswith("Share of item answers missing: baseline ")
    assert " %" in lines[-1]


def test_load_raises_with_every_problem(tmp_path, tables, write_dataset):
    providers, responses = tables
    providers.loc[0, "themes"] = "quality;x"
    responses["baseline"].loc[3, "plan1"] = "0"
    responses["followup"].loc[4, "provider_id"] = "0112038-9"
    root = write_dataset(tmp_path, providers=providers, responses=responses)
    with pytest.raises(DatasetError) as caught:
        load_dataset(root)
    error = caught.value
    assert [(p.file, p.row, p.column) for p in error.problems] == [
        ("providers.csv", 2, "themes"), ("responses_baseline.csv", 5, "plan1"),
        ("responses_followup.csv", 6, "provider_id")]
    assert "3 problem(s)" in str(error)
    assert "responses_baseline.csv:5:plan1: answer '0' is outside the scale 1–5" in str(error)


def test_validate_never_raises_for_data_problems(tmp_path):
    dataset, problems = validate_dataset(tmp_path)
    assert dataset is None and problems[0].file == "dataset.yml"


def test_raw_data_is_only_read(tiny_dataset):
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tiny_dataset.rglob("*")}
    load_dataset(tiny_dataset)
    validate_dataset(tiny_dataset)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tiny_dataset.rglob("*")}
    assert after == before


def test_ids_with_leading_zeros_stay_text(tmp_path, tables, write_dataset):
    _, responses = tables
    for frame in responses.values():
        frame["respondent_id"] = [f"000{i:03d}" for i in range(len(frame))]
    for fmt in ("cp1252", "xlsx"):
        dataset = load_dataset(write_dataset(tmp_path / fmt, responses=responses, formats=fmt))
        ids = dataset.responses["respondent_id"]
        assert ids.iloc[:3].tolist() == ["000000", "000001", "000002"]
        assert ids.dtype == "str"
        assert dataset.responses["provider_id"].iloc[0] == "0100013-3"
        assert dataset.providers["provider_id"].dtype == "str"


def test_input_files_without_loading_the_data(tiny_dataset, instrument):
    root = tiny_dataset.resolve()
    expected = [root / "dataset.yml", root / "providers.csv", root / "responses_baseline.csv",
                root / "responses_followup.csv", instrument.source]
    (root / "responses_followup.csv").write_text("not even a table", encoding="utf-8")
    assert dataset_input_files(tiny_dataset) == expected
    (root / "dataset.yml").write_text("name: ../up\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="must be a plain name"):
        dataset_input_files(tiny_dataset)


# --------------------------------------------------------------------------- take-hold rules


def _instrument_with_rules(tmp_path, instrument, edit):
    import yaml

    doc = yaml.safe_load(instrument.source.read_text(encoding="utf-8"))
    edit(doc["takehold_rules"])
    path = tmp_path / "rules_instrument.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_takehold_rules_are_typed(instrument):
    rules = instrument.takehold_rules
    assert isinstance(rules, TakeholdRules)
    assert (rules.routine_level, rules.use_level, rules.maintenance_in_use_min) == (4, 3, 0.15)
    assert [c.category for c in rules.categories] == ["embedded", "adopting", "trying"]
    # the mapping view the analysis reads holds only the conditions a category declares
    assert rules["routine_level"] == 4 and dict(rules.categories[2]) == {
        "category": "trying", "in_use_min": 0.15, "maintained": False}
    assert rules.as_dict()["categories"][0] == {
        "category": "embedded", "penetration_min": 0.6, "normalisation_min": 3.5,
        "maintained": True}


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r: r["categories"][1].update(penetraton_min=0.3),
     "takehold_rules.categories[2].penetraton_min: unknown key penetraton_min"),
    (lambda r: r["categories"][2].update(in_use_min=15),
     "takehold_rules.categories[3].in_use_min: Input should be less than or equal to 1"),
    (lambda r: r.update(routine_level=9),
     "takehold_rules.routine_level: 9 is not on the Levels of Use scale 0–7"),
    (lambda r: r.pop("use_level"), "takehold_rules.use_level: missing key use_level"),
    (lambda r: r["categories"].append({"category": "embedded", "in_use_min": 0.9}),
     "takehold_rules.categories: category embedded is declared more than once"),
    (lambda r: r["categories"].append({"category": "not_in_use"}),
     "takehold_rules.categories[4].category: not_in_use is given by the analysis itself"),
])
def test_bad_takehold_rules_fail_when_the_instrument_loads(tmp_path, instrument, edit, message):
    path = _instrument_with_rules(tmp_path, instrument, edit)
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    # file:line:key: message, the line that of the key (or of the entry holding it)
    assert re.match(rf"{re.escape(str(path))}:\d+:{re.escape(message)}", str(caught.value))


# --------------------------------------------------------------------------- drop-outs

DROPPED = "0213427-2"  # Savon koulutuskuntayhtymä: no respondents in the follow-up


@pytest.fixture(scope="module")
def dropout_root(tmp_path_factory, write_dataset):
    from conftest import base_tables

    providers, responses = base_tables()
    followup = responses["followup"]
    responses["followup"] = followup[followup["provider_id"] != DROPPED].reset_index(drop=True)
    return write_dataset(tmp_path_factory.mktemp("dropout"), responses=responses)


def test_a_provider_missing_from_a_later_wave_is_a_warning(dropout_root):
    dataset, problems = validate_dataset(dropout_root)
    assert problems == []
    assert dataset.warnings == [Problem(
        "responses_followup.csv", None, "provider_id",
        f"provider {DROPPED} (Savon koulutuskuntayhtymä) has no respondents in wave followup")]
    assert ("1 warning(s) (the reports are still written):\n  warning: responses_followup.csv:"
            f"provider_id: provider {DROPPED}") in format_summary(dataset)
    assert not (dataset.responses["provider_id"] == DROPPED).groupby(
        dataset.responses["wave"], observed=False).any()["followup"]


def test_a_late_joiner_is_a_warning_and_a_provider_in_no_wave_a_problem(tmp_path, tables,
                                                                        write_dataset):
    providers, responses = tables
    baseline = responses["baseline"]
    responses["baseline"] = baseline[baseline["provider_id"] != DROPPED].reset_index(drop=True)
    dataset, problems = validate_dataset(write_dataset(tmp_path / "late", responses=responses))
    assert problems == []  # it joined at the follow-up: that is its baseline
    assert [(p.file, p.message) for p in dataset.warnings] == [(
        "responses_baseline.csv",
        f"provider {DROPPED} (Savon koulutuskuntayhtymä) has no respondents in wave baseline")]

    followup = responses["followup"]
    responses["followup"] = followup[followup["provider_id"] != DROPPED].reset_index(drop=True)
    dataset, problems = validate_dataset(write_dataset(tmp_path / "never", responses=responses))
    assert [(p.file, p.column, p.message) for p in problems] == [(
        "providers.csv", "provider_id",
        f"provider {DROPPED} (Savon koulutuskuntayhtymä) has no respondents in any wave; "
        "remove it from providers.csv until it takes part")]


def test_two_waves_naming_one_file_is_a_problem(tmp_path, write_dataset):
    import yaml

    root = write_dataset(tmp_path)
    spec = yaml.safe_load((root / "dataset.yml").read_text(encoding="utf-8"))
    first = spec["waves"][0]["responses"]
    spec["waves"][1]["responses"] = f"./{first}"  # the same file, written another way
    (root / "dataset.yml").write_text(yaml.safe_dump(spec, allow_unicode=True),
                                      encoding="utf-8")
    dataset, problems = validate_dataset(root)
    assert dataset is None
    assert [(p.file, p.column, p.message) for p in problems] == [(
        "dataset.yml", "waves[2].responses",
        f"wave 2 names the responses file ./{first} of wave 1; each wave needs its own file")]


@pytest.mark.slow
def test_prepare_and_takehold_views_handle_a_drop_out(dropout_root):
    from strapetsi_lib.prepare import prepare_tables
    from strapetsi_lib.present import takehold_view

    prepared = prepare_tables(load_dataset(dropout_root), force=True)
    status = prepared.rows("practice_status_by_wave", DROPPED)
    assert set(status.loc[status["wave"] == "followup", "category"]) == {"too_few_responses"}
    rates = prepared.rows("response_rates", DROPPED).set_index("wave")["n"]
    assert rates.to_dict() == {"baseline": 6, "followup": 0}
    for language in ("fi", "sv"):
        assert takehold_view.change_rows(prepared, DROPPED)["estimate"].isna().all()
        takehold_view.change_sentences(prepared, DROPPED, language)
        takehold_view.change_table(prepared, DROPPED, language)
        takehold_view.practice_table(prepared, DROPPED, language)


@pytest.mark.slow
def test_the_drop_out_report_says_it_did_not_take_part(dropout_root, tmp_path):
    from strapetsi_lib.prepare import prepare_tables
    from strapetsi_lib.present.i18n import text
    from strapetsi_lib.render.parameters import run_network_report, run_provider_report

    # force: a cached copy of the same bytes may name another (since deleted) folder
    prepared = prepare_tables(load_dataset(dropout_root), force=True)
    html = run_provider_report(prepared, DROPPED, tmp_path).html.read_text(encoding="utf-8")
    sentence = text("takehold_wave_not_taken_part", "fi", wave="Seuranta 2025")
    assert " ".join(sentence.split()) in " ".join(html.split())
    other = run_provider_report(prepared, "0100013-3", tmp_path).html.read_text(encoding="utf-8")
    assert "ei osallistunut kyselykierrokseen" not in other
    assert run_network_report(prepared, tmp_path).html.is_file()  # the coordinator's too
