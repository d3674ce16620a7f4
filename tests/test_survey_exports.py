"""`strapetsi init` on the demo's answers as five survey tools export them: the dataset it writes
loads back the same answers, providers and roles as the source, with no code written."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import survey_layouts as layouts
import yaml
from run_folder import respondent_totals

from strapetsi_lib.config import PROJ_ROOT
from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.dataset import load_dataset, validate_dataset
from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.ingest.limesurvey import read_code_map
from strapetsi_lib.ingest.survey_export import (
    InitError,
    propose,
    write_dataset_folder,
)
from strapetsi_lib.present.i18n import text

LABELS = [{"fi": "Lähtötilanne", "sv": "Utgångsläge", "en": "Baseline"},
          {"fi": "Seuranta", "sv": "Uppföljning", "en": "Follow-up"}]
LAYOUTS = {"ms_forms": "xlsx", "google_forms": "csv", "webropol": "xlsx", "limesurvey": "csv",
           "spss": "sav"}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A small demo network (4 providers, two waves), loaded: the answers every layout holds."""
    folder = generate_demo(tmp_path_factory.mktemp("demo"), n_providers=4, seed=3)
    return load_dataset(folder)


def write_exports(source, layout: str, folder: Path) -> tuple[list[Path], Path | None]:
    """The source's waves as ``layout`` exports them (and LimeSurvey's code map)."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = getattr(layouts, layout)
    exports = [writer(source, wave, folder / f"{layout}_{wave}.{LAYOUTS[layout]}")
               for wave in source.wave_ids]
    code_map = (layouts.limesurvey_structure(source, folder / "survey_structure.txt")
                if layout == "limesurvey" else None)
    return exports, code_map


def answers(dataset) -> pd.DataFrame:
    """What must survive the round trip: wave, provider, role and every answer, in order."""
    frame = dataset.responses.drop(columns="respondent_id").copy()
    frame["wave"] = frame["wave"].astype(str)
    return frame.reset_index(drop=True)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_init_reads_each_tools_export_back_to_the_source(source, layout, tmp_path):
    exports, code_map = write_exports(source, layout, tmp_path / "exports")
    before = {path: path.read_bytes() for path in exports}
    proposal = propose(exports, source.providers_file,
                       code_map=read_code_map(code_map) if code_map else None)
    assert proposal.confident, [d for d in proposal.decisions if d.status != "ok"]
    assert proposal.instrument.id == source.instrument.id  # found from the headers alone
    out = tmp_path / "dataset"
    write_dataset_folder(proposal, out, LABELS)

    loaded = load_dataset(out)
    pd.testing.assert_frame_equal(answers(loaded), answers(source), check_dtype=False,
                                  check_categorical=False)
    pd.testing.assert_frame_equal(loaded.providers, source.providers)
    # the exports are copied unchanged and used as they are; the originals are untouched
    for path, data in before.items():
        assert (out / path.name).read_bytes() == data == path.read_bytes()
    # a tool's response number links nobody across waves: respondents are numbered per wave
    assert loaded.responses["respondent_id"].is_unique


def test_limesurvey_codes_become_value_maps_in_dataset_yml(source, tmp_path):
    exports, code_map = write_exports(source, "limesurvey", tmp_path / "exports")
    proposal = propose(exports, source.providers_file, code_map=read_code_map(code_map))
    write_dataset_folder(proposal, tmp_path / "dataset", LABELS)
    doc = yaml.safe_load((tmp_path / "dataset" / "dataset.yml").read_text(encoding="utf-8"))
    scales = {item.scale for item in source.instrument.items}
    for scale in scales:
        values = source.instrument.scales[scale].values
        # A1 is the scale's lowest value, the code after its highest "don't know"
        assert doc["values"][scale] == {
            **{f"A{n}": value for n, value in enumerate(values, start=1)},
            f"A{len(values) + 1}": "missing"}
    assert doc["values"]["role"] == {"A1": "leader", "A2": "teacher", "A3": "support",
                                     "A4": "other"}
    assert doc["providers_by"] == "name"
    assert set(doc["ignore"]) == {"id", "submitdate", "lastpage", "startlanguage", "seed"}


def test_an_uncertain_header_is_flagged_and_never_taken(source, tmp_path):
    exports, _ = write_exports(source, "ms_forms", tmp_path / "exports")
    instrument = source.instrument
    code = instrument.item_codes[2]
    text = instrument.item(code).text["fi"]
    changed = text.replace(text.split()[-1], "muutettu.")  # one word of the statement changed
    book = openpyxl.load_workbook(exports[0])
    sheet = book.active
    for cell in sheet[1]:
        if cell.value == text:
            cell.value = changed
    book.save(exports[0])

    proposal = propose(exports, source.providers_file)
    assert not proposal.confident
    [flagged] = [d for d in proposal.decisions if d.status == "check"]
    assert (flagged.wave, flagged.column, flagged.maps_to, flagged.how) == (
        "baseline", changed, code, "similar")
    assert 80 <= flagged.score < 100
    out = tmp_path / "dataset"
    write_dataset_folder(proposal, out, LABELS)
    # the proposal is written as a CHECK line that is not in use until a person accepts it
    yml = (out / "dataset.yml").read_text(encoding="utf-8")
    assert f"# CHECK (similar, score {flagged.score}): {code}:" in yml
    dataset, problems = validate_dataset(out)
    assert dataset is None
    missing = [p for p in problems if p.column == code]
    assert missing and "did you mean column" in missing[0].message
    assert changed in missing[0].message
    # accepted by taking away the comment, it reads the source's answers again
    (out / "dataset.yml").write_text(
        yml.replace(f"# CHECK (similar, score {flagged.score}): ", ""), encoding="utf-8")
    pd.testing.assert_frame_equal(answers(load_dataset(out)), answers(source),
                                  check_dtype=False, check_categorical=False)


def test_mapping_csv_lists_every_column_with_how_and_score(source, tmp_path):
    exports, _ = write_exports(source, "webropol", tmp_path / "exports")
    proposal = propose(exports, source.providers_file)
    out = tmp_path / "dataset"
    write_dataset_folder(proposal, out, LABELS)
    with (out / "mapping.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    first = [r for r in rows if r["wave"] == "baseline" and r["kind"] == "column"]
    headers = [cell.value for cell in openpyxl.load_workbook(exports[0]).active[1]]
    assert [r["column"] for r in first] == headers
    by_column = {r["column"]: r for r in first}
    assert by_column["Vastausaika"]["how"] == "metadata"
    assert by_column["Vastausaika"]["status"] == "ignored"
    assert (by_column["1. Koulutuksen järjestäjä"]["maps_to"],
            by_column["1. Koulutuksen järjestäjä"]["how"]) == ("provider_id", "provider values")
    assert (by_column["2. Tehtävä *"]["maps_to"], by_column["2. Tehtävä *"]["how"]) == (
        "role", "role labels")
    item = source.instrument.items[0]
    header = next(h for h in headers if h.endswith(item.text["fi"]))
    assert (by_column[header]["maps_to"], by_column[header]["how"],
            by_column[header]["score"], by_column[header]["status"]) == (
        item.code, "survey-tool header", "100", "ok")


def test_an_answer_no_scale_reads_is_proposed_for_a_check(source, tmp_path):
    exports, _ = write_exports(source, "google_forms", tmp_path / "exports")
    text = exports[1].read_text(encoding="utf-8")
    # the follow-up's form wrote one label of the scale without its "ä"
    label = source.instrument.scales[source.instrument.items[0].scale].labels[4]["fi"]
    exports[1].write_text(text.replace(label, label.replace("ä", "a")), encoding="utf-8")
    proposal = propose(exports, source.providers_file)
    [flagged] = [d for d in proposal.decisions if d.status == "check"]
    assert flagged.kind == "answer" and flagged.wave == "followup"
    assert flagged.maps_to.endswith(f"{label.replace('ä', 'a')} → 4")
    out = tmp_path / "dataset"
    write_dataset_folder(proposal, out, LABELS)
    yml = (out / "dataset.yml").read_text(encoding="utf-8")
    # the waves differ now, so each wave has its own keys
    assert yml.count("columns:") == 2
    assert validate_dataset(out)[0] is None
    (out / "dataset.yml").write_text(yml.replace(f"# CHECK ({flagged.note}): ", ""),
                                     encoding="utf-8")
    pd.testing.assert_frame_equal(answers(load_dataset(out)), answers(source),
                                  check_dtype=False, check_categorical=False)


def test_init_refuses_to_replace_a_dataset_and_names_an_unreadable_export(source, tmp_path):
    exports, _ = write_exports(source, "google_forms", tmp_path / "exports")
    out = tmp_path / "dataset"
    write_dataset_folder(propose(exports, source.providers_file), out, LABELS)
    with pytest.raises(InitError, match="already holds a dataset.yml"):
        write_dataset_folder(propose(exports, source.providers_file), out, LABELS)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(InitError) as caught:
        propose([broken], source.providers_file)
    assert caught.value.problems[0].file == "broken.xlsx"


# --------------------------------------------------------------------------- dataset.yml keys


def _mapped_dataset(source, tmp_path, keys: dict) -> Path:
    """The Google Forms export with init's dataset.yml, changed by ``keys``."""
    exports, _ = write_exports(source, "google_forms", tmp_path / "exports")
    out = tmp_path / "dataset"
    write_dataset_folder(propose(exports, source.providers_file), out, LABELS)
    doc = yaml.safe_load((out / "dataset.yml").read_text(encoding="utf-8"))
    for key, value in keys.items():
        doc[key] = value(doc[key]) if callable(value) else value
    (out / "dataset.yml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    return out


def test_problems_of_the_export_keys_name_their_line_and_key(source, tmp_path):
    items = source.instrument.item_codes

    def columns(mapped):
        mapped = dict(mapped)
        mapped["plan99" if "plan99" not in items else "x_99"] = mapped.pop(items[0])
        mapped[items[1]] = "No such column"
        return mapped

    out = _mapped_dataset(source, tmp_path, {
        "columns": columns, "values": {"agreement_x": {"A1": "1"}, "role": {"x": "boss"}}})
    lines = (out / "dataset.yml").read_text(encoding="utf-8").splitlines()
    found = {p.column: p for p in validate_dataset(out)[1] if p.file == "dataset.yml"}

    def line_of(text):
        return next(n for n, line in enumerate(lines, start=1) if line.lstrip().startswith(
            text))

    unknown = next(c for c in found if c.startswith("columns.") and c != f"columns.{items[1]}")
    assert found[unknown].row == line_of(unknown.split(".", 1)[1] + ":")
    assert "is neither an item of instrument" in found[unknown].message
    absent = found[f"columns.{items[1]}"]
    assert absent.row == line_of(f"{items[1]}:")
    assert absent.message.startswith("responses") is False
    assert "has no column 'No such column'" in absent.message
    assert "did you mean" in found["values.agreement_x"].message
    assert found["values.role.x"].message == "'boss' is not a role"
    # the item whose column dataset.yml names wrongly is not reported a second time
    assert not any(p.column == items[1] and p.file != "dataset.yml"
                   for p in validate_dataset(out)[1])


def test_a_provider_name_not_in_the_providers_file(source, tmp_path):
    out = _mapped_dataset(source, tmp_path, {})
    path = out / "google_forms_baseline.csv"
    name = source.providers["name"].iloc[0]
    path.write_text(path.read_text(encoding="utf-8").replace(name, name + "x", 1),
                    encoding="utf-8")
    [problem] = [p for p in validate_dataset(out)[1] if p.column == "Oppilaitos"]
    assert (problem.file, problem.row) == ("google_forms_baseline.csv", 2)
    assert problem.message.startswith(f"provider '{name}x' is not a provider's name in the "
                                      "providers file providers.csv")
    assert problem.message.endswith(f"(did you mean {name!r}?)")


def test_a_wave_may_have_keys_of_its_own(source, tmp_path):
    out = _mapped_dataset(source, tmp_path, {})
    # the follow-up's export, re-saved with item codes as headers: its own keys replace the
    # top-level ones (the provider names and value maps of the top level still apply)
    source_path = out / "google_forms_followup.csv"
    frame = pd.read_csv(source_path, dtype=str, keep_default_na=False)
    doc = yaml.safe_load((out / "dataset.yml").read_text(encoding="utf-8"))
    renamed = {header: target for target, header in doc["columns"].items()}
    frame.rename(columns=renamed).to_csv(out / "codes_followup.csv", index=False)
    doc["waves"][1]["responses"] = "codes_followup.csv"
    doc["waves"][1]["columns"] = {}
    doc["waves"][1]["ignore"] = ["Timestamp"]
    (out / "dataset.yml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    pd.testing.assert_frame_equal(answers(load_dataset(out)), answers(source),
                                  check_dtype=False, check_categorical=False)


# --------------------------------------------------------------------------- the command


def strapetsi(*args: str, cwd: Path = PROJ_ROOT, timeout: float = 900
              ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "strapetsi_lib", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_init_command_prints_the_review_and_exits_by_confidence(source, tmp_path):
    exports, _ = write_exports(source, "ms_forms", tmp_path / "exports")
    result = strapetsi("init", *map(str, exports), "--providers", str(source.providers_file),
                       "--out", str(tmp_path / "kysely"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "provider values" in result.stdout and "metadata" in result.stdout
    assert (tmp_path / "kysely" / "mapping.csv").is_file()
    assert validate_dataset(tmp_path / "kysely")[1] == []
    # an export without a role column: init writes what it can and exits 1
    frame = pd.read_excel(exports[0], dtype=str, engine="openpyxl").drop(columns="Tehtäväsi")
    frame.to_excel(tmp_path / "no_role.xlsx", index=False)
    result = strapetsi("init", str(tmp_path / "no_role.xlsx"), "--providers",
                       str(source.providers_file), "--out", str(tmp_path / "other"))
    assert result.returncode == 1
    assert "role" in result.stdout and "missing" in result.stdout
    assert validate_dataset(tmp_path / "other")[1][0] == Problem(
        "no_role.xlsx", None, "role", "required column role is missing")


@pytest.mark.slow
def test_an_export_reaches_reports_with_init_and_run_alone(source, tmp_path):
    """Microsoft Forms' downloads of two waves → `strapetsi init` → `strapetsi run`."""
    exports, _ = write_exports(source, "ms_forms", tmp_path / "downloads")
    shutil.copy(source.providers_file, tmp_path / "downloads" / "providers.csv")
    result = strapetsi("init", *map(str, exports), "--providers",
                       str(tmp_path / "downloads" / "providers.csv"), "--out",
                       str(tmp_path / "survey-2025"))
    assert result.returncode == 0, result.stdout + result.stderr
    result = strapetsi("run", str(tmp_path / "survey-2025"), "--out", str(tmp_path / "reports"),
                       "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    reports = sorted(p.name for p in (tmp_path / "reports").glob("*.html"))
    assert reports == sorted(["index.html", "network.html",
                              *(f"provider_{pid}.html"
                                for pid in source.providers["provider_id"])])
    # each report counts the respondents the source has, wave by wave
    for _, provider in source.providers.iterrows():
        shown = respondent_totals(
            tmp_path / "reports" / f"provider_{provider['provider_id']}.html",
            text("total", provider["language"]))
        counts = (source.responses[source.responses["provider_id"] == provider["provider_id"]]
                  .groupby("wave", observed=False).size())
        assert shown == [str(counts[wave]) for wave in source.wave_ids]


def test_provider_names_without_providers_by_say_what_to_write(source, tmp_path):
    out = _mapped_dataset(source, tmp_path, {"providers_by": "id"})
    found = [p for p in validate_dataset(out)[1] if p.column == "Oppilaitos"]
    name = source.providers["name"].iloc[0]
    assert any(p.message == f"{name!r} is a provider's name, not its business ID: write "
                            "providers_by: name in dataset.yml" for p in found)


def test_header_variants_undo_each_tools_decoration():
    from strapetsi_lib.ingest.matching import header_variants, similarity

    assert header_variants("3. Osaamisen johtaminen - Esihenkilöni tuntee osaamiseni *") == [
        "3. Osaamisen johtaminen - Esihenkilöni tuntee osaamiseni *",
        "Osaamisen johtaminen - Esihenkilöni tuntee osaamiseni", "Esihenkilöni tuntee osaamiseni"]
    assert header_variants("Kehittäminen [Saan palautetta]")[1:] == ["Saan palautetta"]
    assert header_variants("*Tehtävä") == ["*Tehtävä", "Tehtävä"]
    assert header_variants("Q3. Kysymys")[1:] == header_variants("3.1 Kysymys")[1:] == [
        "Kysymys"]
    # a matrix title is no variant: LimeSurvey's Q1[SQ001] never names an item coded Q1
    assert "Q1" not in header_variants("Q1[SQ001]")
    # one word turns a statement around and still scores high: why similar is never taken
    assert similarity("Saan riittävästi palautetta", "En saa riittävästi palautetta") >= 90
