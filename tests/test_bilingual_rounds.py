"""One survey round answered on several forms (a Finnish and a Swedish one): one wave of
several files in ``dataset.yml``, one ``+``-joined EXPORT argument of ``strapetsi init``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import survey_layouts as layouts
import yaml
from run_folder import respondent_totals

from strapetsi_lib.config import PROJ_ROOT
from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.dataset import load_dataset, validate_dataset
from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.ingest.survey_export import InitError, propose, write_dataset_folder
from strapetsi_lib.present.i18n import text

LABEL = {"fi": "Kysely 2024", "sv": "Enkät 2024", "en": "Survey 2024"}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A small demo network (4 providers, one of them Swedish-speaking), loaded."""
    folder = generate_demo(tmp_path_factory.mktemp("demo"), n_providers=4, seed=3)
    return load_dataset(folder)


def forms(source, folder: Path) -> tuple[Path, Path]:
    """The first wave as the Finnish and the Swedish Microsoft Forms form export it."""
    folder.mkdir(parents=True, exist_ok=True)
    wave = source.wave_ids[0]
    return (layouts.ms_forms(source, wave, folder / "kysely_fi.xlsx", form="fi"),
            layouts.ms_forms(source, wave, folder / "enkat_sv.xlsx", form="sv"))


def answers(frame: pd.DataFrame) -> pd.DataFrame:
    """Provider, role and every answer, in a fixed order (the files' order differs)."""
    frame = frame.drop(columns=["respondent_id", "wave"])
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_a_round_on_two_forms_is_one_wave_of_two_files(source, tmp_path):
    fi, sv = forms(source, tmp_path / "exports")
    proposal = propose([[fi, sv]], source.providers_file)
    assert [w.wave_id for w in proposal.waves] == ["baseline", "baseline"]
    assert [w.language for w in proposal.waves] == ["fi", "sv"]
    assert proposal.round_years() == [2024]  # Microsoft Forms' start times
    write_dataset_folder(proposal, tmp_path / "ds", [LABEL])
    spec = yaml.safe_load((tmp_path / "ds" / "dataset.yml").read_text(encoding="utf-8"))
    (wave,) = spec["waves"]
    assert wave["label"] == LABEL
    # the forms' headers differ: each file has its own column map
    assert [f["file"] for f in wave["responses"]] == ["kysely_fi.xlsx", "enkat_sv.xlsx"]
    assert [f["columns"]["provider_id"] for f in wave["responses"]] == [
        "Koulutuksen järjestäjä", "Din organisation"]
    loaded = load_dataset(tmp_path / "ds")
    first = source.responses[source.responses["wave"] == source.wave_ids[0]]
    pd.testing.assert_frame_equal(answers(loaded.responses), answers(first))
    assert loaded.responses["respondent_id"].is_unique
    assert loaded.waves[0].files == ((tmp_path / "ds" / "kysely_fi.xlsx").resolve(),
                                     (tmp_path / "ds" / "enkat_sv.xlsx").resolve())

    # a problem in the second file's map is located at its line and key
    text_yml = (tmp_path / "ds" / "dataset.yml").read_text(encoding="utf-8")
    (tmp_path / "ds" / "dataset.yml").write_text(
        text_yml.replace("provider_id: Din organisation", "provider_id: Din organisatio"),
        encoding="utf-8")
    problems = validate_dataset(tmp_path / "ds")[1]
    located = [p for p in problems if p.file == "dataset.yml"]
    assert [p.column for p in located] == ["waves[1].responses[2].columns.provider_id"]
    assert "enkat_sv.xlsx has no column 'Din organisatio'" in located[0].message
    assert "did you mean 'Din organisation'" in located[0].message


def test_two_forms_given_as_two_waves_stop_with_how_to_join_them(source, tmp_path):
    fi, sv = forms(source, tmp_path / "exports")
    with pytest.raises(InitError) as caught:
        propose([fi, sv], source.providers_file)
    message = str(caught.value)
    assert "\n" not in message
    assert "Finnish and Swedish" in message
    assert "kysely_fi.xlsx+enkat_sv.xlsx" in message


def test_the_year_comes_from_the_file_name_without_timestamps(source, tmp_path):
    export = layouts.spss(source, source.wave_ids[0], tmp_path / "kysely_2023.sav")
    assert propose([export], source.providers_file).round_years() == [2023]


def test_respondent_ids_must_differ_across_a_waves_files(source, tmp_path):
    folder = tmp_path / "ds"
    shutil.copytree(source.path, folder)
    baseline = folder / "responses_baseline.csv"
    lines = baseline.read_text(encoding="cp1252").splitlines(keepends=True)
    half = len(lines) // 2
    (folder / "part_a.csv").write_text("".join(lines[:half]), encoding="cp1252")
    # the second file repeats the first file's last respondent on its first line
    (folder / "part_b.csv").write_text("".join([lines[0], lines[half - 1], *lines[half:]]),
                                       encoding="cp1252")
    spec = (folder / "dataset.yml").read_text(encoding="utf-8")
    (folder / "dataset.yml").write_text(
        spec.replace("responses: responses_baseline.csv", "responses: [part_a.csv, part_b.csv]"),
        encoding="utf-8")
    repeated = lines[half - 1].split(";")[0]
    assert validate_dataset(folder)[1] == [Problem(
        "part_b.csv", 2, "respondent_id",
        f"respondent_id {repeated!r} is also in part_a.csv (line {half}); the files of wave "
        "baseline must not share respondent ids")]
    # without the repeat, the wave is both files' respondents
    (folder / "part_b.csv").write_text("".join([lines[0], *lines[half:]]), encoding="cp1252")
    loaded = load_dataset(folder)
    assert (loaded.responses["wave"] == "baseline").sum() == len(lines) - 1


def test_a_file_named_twice_in_one_wave_is_a_problem(source, tmp_path):
    folder = tmp_path / "ds"
    shutil.copytree(source.path, folder)
    spec = (folder / "dataset.yml").read_text(encoding="utf-8")
    (folder / "dataset.yml").write_text(spec.replace(
        "responses: responses_baseline.csv",
        "responses: [responses_baseline.csv, responses_baseline.csv]"), encoding="utf-8")
    problems = [str(p) for p in validate_dataset(folder)[1]]
    assert any("waves[1].responses[2]: wave 1 names the responses file "
               "responses_baseline.csv twice" in p for p in problems), problems


def strapetsi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "strapetsi_lib", *args], cwd=PROJ_ROOT,
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_two_forms_of_one_round_reach_reports(source, tmp_path):
    """Finnish and Swedish Microsoft Forms downloads of one round → init → validate → run."""
    fi, sv = forms(source, tmp_path / "downloads")
    result = strapetsi("init", f"{fi}+{sv}", "--providers", str(source.providers_file),
                       "--out", str(tmp_path / "kysely-2024"))
    assert result.returncode == 0, result.stdout + result.stderr
    spec = yaml.safe_load((tmp_path / "kysely-2024" / "dataset.yml").read_text("utf-8"))
    assert [w["label"] for w in spec["waves"]] == [LABEL]
    result = strapetsi("validate", str(tmp_path / "kysely-2024"))
    assert result.returncode == 0, result.stdout
    result = strapetsi("run", str(tmp_path / "kysely-2024"), "--out",
                       str(tmp_path / "reports"), "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    first = source.responses[source.responses["wave"] == source.wave_ids[0]]
    for _, provider in source.providers.iterrows():
        shown = respondent_totals(
            tmp_path / "reports" / f"provider_{provider['provider_id']}.html",
            text("total", provider["language"]))
        assert shown == [str((first["provider_id"] == provider["provider_id"]).sum())]
