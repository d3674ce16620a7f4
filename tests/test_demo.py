"""The demo network: deterministic, shaped like real exports, and its planted effects recoverable.

The format checks read the default 81-provider network's raw files. The statistical checks load
a smaller network (same seed) with :func:`strapetsi_lib.load_dataset`, because reading the
follow-up Excel file dominates the run time; it is still big enough to recover every planted
effect within sampling error.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.ingest.instrument import load_instrument

INSTRUMENT = load_instrument("competence_management_v1")
ROLES = tuple(INSTRUMENT.role_codes)
THEMES = tuple(INSTRUMENT.theme_codes)
FILES = ("dataset.yml", "providers.csv", "responses_baseline.csv", "responses_followup.xlsx",
         "ground_truth.json")
N_STATS = 40  # providers in the network whose tidy tables are checked against the ground truth
PLANTED = {
    ("competence_development", "competence"): 0.5,
    ("competence_assessment", "competence"): 0.4,
    ("knowledge_based_management", "quality"): 0.4,
    ("co_learning", "pedagogy"): 0.35,
    ("strategic_planning", "future"): 0.3,
}
FI_ROLE_LABELS = {"johto", "opettaja", "tukihenkilöstö", "muu"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo") / "demo")


@pytest.fixture(scope="module")
def truth(demo) -> dict:
    return json.loads((demo / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def providers(demo) -> pd.DataFrame:
    return pd.read_csv(demo / "providers.csv", dtype=str, encoding="utf-8")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """(dataset, ground truth) of a smaller network, read with the workbench's own reader."""
    load_dataset = pytest.importorskip("strapetsi_lib.ingest.dataset").load_dataset
    path = generate_demo(tmp_path_factory.mktemp("stats") / "demo", n_providers=N_STATS)
    return load_dataset(path), json.loads((path / "ground_truth.json").read_text("utf-8"))


# --- determinism ---------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    first = generate_demo(tmp_path / "a", n_providers=12, seed=7)
    second = generate_demo(tmp_path / "b", n_providers=12, seed=7)
    other = generate_demo(tmp_path / "c", n_providers=12, seed=8)
    assert first == tmp_path / "a"
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    for name in FILES[1:]:
        assert (first / name).read_bytes() != (other / name).read_bytes(), name
    assert sorted(p.name for p in first.iterdir()) == sorted(FILES)  # no temporary files left


def test_three_waves_keep_the_first_two_and_plant_practices_dropped_and_back(tmp_path):
    two = generate_demo(tmp_path / "two", n_providers=12, seed=7)
    three = generate_demo(tmp_path / "three", n_providers=12, seed=7, waves=3)
    spec = (three / "dataset.yml").read_text(encoding="utf-8")
    assert "responses_followup2.xlsx" in spec and "Seuranta 2026" in spec
    # the providers and who answered the baseline do not depend on how many waves follow
    assert (two / "providers.csv").read_bytes() == (three / "providers.csv").read_bytes()
    baseline = [pd.read_csv(folder / "responses_baseline.csv", sep=";", encoding="cp1252",
                            dtype=str) for folder in (two, three)]
    assert baseline[0].iloc[:, :3].equals(baseline[1].iloc[:, :3])
    truth = json.loads((three / "ground_truth.json").read_text(encoding="utf-8"))
    paths: dict[tuple[str, str], list[str]] = {}
    for row in truth["practice_status"]:
        paths.setdefault((row["provider_id"], row["practice"]), []).append(row["category"])
    assert all(len(path) == 3 for path in paths.values())
    dropped = [path for path in paths.values()
               if path[0] != "not_in_use" and path[1] == "not_in_use" and path[2] != "not_in_use"]
    assert dropped  # in use, fallen out of use, and back
    assert not any(path[2] == "embedded" for path in dropped)  # embedded needs maintenance
    with pytest.raises(ValueError, match="1 to 3 waves"):
        generate_demo(tmp_path / "four", n_providers=12, seed=7, waves=4)


def test_excel_file_carries_fixed_timestamps(demo):
    with zipfile.ZipFile(demo / "responses_followup.xlsx") as archive:
        core = archive.read("docProps/core.xml").decode()
        assert {info.date_time for info in archive.infolist()} == {(2025, 3, 31, 12, 0, 0)}
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core) == [
        "2025-03-31T12:00:00Z"] * 2


# --- providers -----------------------------------------------------------------------------

def _check_digit(first7: str) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(first7, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {0: 0, 1: None}.get(remainder, 11 - remainder)


def test_provider_ids_are_valid_business_ids(providers):
    ids = providers["provider_id"]
    assert len(providers) == 81 and ids.is_unique
    assert ids.str.fullmatch(r"\d{7}-\d").all()
    assert all(_check_digit(pid[:7]) == int(pid[8]) for pid in ids)
    assert ids.str.startswith("0").sum() >= 5  # leading zeros survive only if read as text


def test_providers_look_like_the_network(providers):
    sv = providers["language"] == "sv"
    assert set(providers["language"]) == {"fi", "sv"}
    assert 0.07 <= sv.mean() <= 0.13
    assert set(providers.loc[sv, "region"]) <= {"Uusimaa", "Varsinais-Suomi", "Pohjanmaa"}
    assert providers["region"].nunique() >= 15
    assert not providers["region"].str.contains("Ahvenanmaa|Åland").any()
    assert providers["name"].str.contains("Demo|Kuvitteellinen|Esimerkki|Fiktiva|Exempel").all()
    assert providers["name"].is_unique
    staff = providers["staff_count"].astype(int)
    assert staff.min() >= 20 and staff.max() <= 2000
    assert staff.min() < 60 and staff.max() > 600
    assert staff.median() < 300 < staff.mean() + 100  # skewed: most providers small or medium
    themes = providers["themes"].str.split(";")
    assert themes.map(len).between(1, 3).all()
    assert set(themes.explode()) == set(THEMES)
    for theme in THEMES:
        assert 0.3 <= themes.map(lambda t, theme=theme: theme in t).mean() <= 0.65


def test_waves_have_realistic_sizes_and_roles(truth, demo):
    assert [w["id"] for w in truth["waves"]] == ["baseline", "followup"]
    for wave in truth["waves"]:
        assert 6000 <= wave["n_respondents"] <= 12000
    baseline = pd.read_csv(demo / "responses_baseline.csv", sep=";", encoding="cp1252", dtype=str,
                           usecols=["role"])
    shares = baseline["role"].value_counts(normalize=True)
    assert 0.05 <= shares["johto"] <= 0.14 and 0.5 <= shares["opettaja"] <= 0.68
    assert 0.18 <= shares["tukihenkilöstö"] <= 0.3 and 0.04 <= shares["muu"] <= 0.12


# --- the files as survey tools export them -------------------------------------------------

def test_baseline_csv_is_a_finnish_survey_export(demo):
    raw = (demo / "responses_baseline.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0].split(";") == ["respondent_id", "provider_id", "role", *INSTRUMENT.item_codes]
    table = pd.read_csv(demo / "responses_baseline.csv", sep=";", encoding="cp1252", dtype=str,
                        keep_default_na=False)
    assert set(table["role"]) == FI_ROLE_LABELS
    assert table["respondent_id"].str.fullmatch(r"R-[0-9A-F]{6}").all()
    answers = table[INSTRUMENT.item_codes].to_numpy().ravel()
    assert set(answers) - {"", "En osaa sanoa"} <= {f"{v},0" for v in range(8)}
    assert 0.02 <= np.mean(answers == "En osaa sanoa") <= 0.04
    assert 0.01 <= np.mean(answers == "") <= 0.03


def test_followup_excel_has_finnish_question_texts_and_numbers(demo):
    book = openpyxl.load_workbook(demo / "responses_followup.xlsx", read_only=True)
    rows = book.active.iter_rows(min_row=1, max_row=30, values_only=True)
    header = list(next(rows))
    assert header == ["respondent_id", "provider_id", "role",
                      *(INSTRUMENT.item(c).text["fi"] for c in INSTRUMENT.item_codes)]
    body = list(rows)
    book.close()
    assert {row[2] for row in body} <= set(ROLES)
    values = [v for row in body for v in row[3:]]
    assert {type(v) for v in values} <= {int, str, type(None)}
    assert any(isinstance(v, int) for v in values)
    assert {v for v in values if isinstance(v, str)} <= {"En osaa sanoa"}
    with zipfile.ZipFile(demo / "responses_followup.xlsx") as archive:
        assert b"<t>En osaa sanoa</t>" in archive.read("xl/worksheets/sheet1.xml")


def test_dataset_yml_follows_the_contract(demo):
    import yaml

    doc = yaml.safe_load((demo / "dataset.yml").read_text("utf-8"))
    assert doc["name"] == "demo-2024" and doc["instrument"] == "competence_management_v1"
    assert doc["providers"] == "providers.csv" and doc["min_group_size"] == 5
    assert [(w["id"], w["responses"]) for w in doc["waves"]] == [
        ("baseline", "responses_baseline.csv"), ("followup", "responses_followup.xlsx")]
    assert doc["waves"][1]["label"] == {"fi": "Seuranta 2025", "sv": "Uppföljning 2025",
                                        "en": "Follow-up 2025"}


# --- ground truth --------------------------------------------------------------------------

def test_ground_truth_lists_every_planted_effect(truth, providers):
    assert truth["seed"] == 2024 and truth["n_providers"] == 81 and truth["min_group_size"] == 5
    pairs = {(e["dimension"], e["theme"]): e["effect"] for e in truth["dimension_change_by_theme"]}
    assert set(pairs) == {(d, t) for d in INSTRUMENT.dimension_codes for t in THEMES}
    assert {k: v for k, v in pairs.items() if v != 0} == PLANTED
    assert set(truth["provider_effects"]) == set(providers["provider_id"])
    assert set(truth["panel_providers"]) < set(providers["provider_id"])
    assert 0.4 <= len(truth["panel_providers"]) / 81 <= 0.6
    for value in truth["baseline_dimension_means"].values():
        assert 2.5 < value < 4.0


def _rule_category(status: dict, maintained: bool, rules: dict) -> str:
    for rule in rules["categories"]:
        if (status["penetration"] >= rule.get("penetration_min", 0)
                and status["normalisation"] >= rule.get("normalisation_min", 0)
                and status["in_use"] >= rule.get("in_use_min", 0)
                and (maintained or not rule.get("maintained", False))):
            return rule["category"]
    return "not_in_use"


def test_practice_status_follows_the_instrument_rules(truth, providers):
    rules = INSTRUMENT.takehold_rules
    status = pd.DataFrame(truth["practice_status"])
    assert len(status) == 81 * len(INSTRUMENT.practices) * 2
    for (_, _), group in status.groupby(["provider_id", "practice"]):
        maintained = True
        for row in group.sort_values("wave").to_dict("records"):  # baseline < followup
            maintained = maintained and row["in_use"] >= rules["maintenance_in_use_min"]
            assert _rule_category(row, maintained, rules) == row["category"]
    assert set(status["category"]) == {"embedded", "adopting", "trying", "not_in_use"}
    # Providers in a practice's theme move up; the others mostly stay.
    order = {"not_in_use": 0, "trying": 1, "adopting": 2, "embedded": 3}
    wide = status.assign(level=status["category"].map(order)).pivot_table(
        index=["provider_id", "practice"], columns="wave", values="level").reset_index()
    theme_of = {p.code: p.theme for p in INSTRUMENT.practices}
    themes = providers.set_index("provider_id")["themes"].str.split(";")
    inside = [theme_of[pr] in themes[pid] for pid, pr in zip(wide["provider_id"],
                                                                 wide["practice"], strict=True)]
    step = wide["followup"] - wide["baseline"]
    assert (step >= 0).all()
    assert step[inside].mean() > 0.8 and step[~np.array(inside)].mean() < 0.3


def test_small_groups_are_few_and_recorded(truth, demo):
    small_providers = {g["provider_id"] for g in truth["small_groups"]}
    assert 3 <= len(small_providers) <= 5
    baseline = pd.read_csv(demo / "responses_baseline.csv", sep=";", encoding="cp1252", dtype=str,
                           usecols=["provider_id", "role"])
    counts = baseline.groupby(["provider_id", "role"]).size()
    labels = dict(zip(ROLES, ["johto", "opettaja", "tukihenkilöstö", "muu"], strict=True))
    recorded = {(g["provider_id"], labels[g["role"]]): g["n"] for g in truth["small_groups"]
                if g["wave"] == "baseline"}
    assert counts[counts < 5].to_dict() == recorded


# --- planted effects recovered from the tidy tables ----------------------------------------

def _dimension_scores(responses: pd.DataFrame) -> pd.DataFrame:
    """Reverse-corrected dimension scores: mean of answered items, at least half answered."""
    scores = responses[["respondent_id", "provider_id", "wave", "role"]].copy()
    for dim in INSTRUMENT.dimension_codes:
        items = INSTRUMENT.dimension_items(dim)
        values = pd.DataFrame({
            i.code: (6 - responses[i.code]) if i.reverse else responses[i.code] for i in items})
        enough = values.notna().sum(axis=1) >= len(items) / 2
        scores[dim] = values.mean(axis=1).where(enough)
    return scores


def _ols_hc1(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and heteroskedasticity-robust (HC1) standard errors."""
    bread = np.linalg.inv(x.T @ x)
    coef = bread @ x.T @ y
    resid = y - x @ coef
    n, k = x.shape
    cov = bread @ (x.T * resid**2) @ x @ bread * n / (n - k)
    return coef, np.sqrt(np.diag(cov))


def test_loaded_tables_have_the_expected_shape(loaded):
    dataset, truth = loaded
    responses = dataset.responses
    sizes = responses.groupby("wave", observed=True).size()
    assert sizes.to_dict() == {w["id"]: w["n_respondents"] for w in truth["waves"]}
    assert set(responses["role"]) == set(ROLES)
    for code in INSTRUMENT.item_codes:
        assert 0.03 <= responses[code].isna().mean() <= 0.07, code


def test_baseline_dimension_means_match_the_ground_truth(loaded):
    dataset, truth = loaded
    scores = _dimension_scores(dataset.responses)
    baseline = scores[scores["wave"] == "baseline"]
    for dim, planted in truth["baseline_dimension_means"].items():
        values = baseline[dim].dropna()
        se = values.std() / np.sqrt(len(values))
        assert abs(values.mean() - planted) < 3 * se, (dim, values.mean(), planted, se)


def _theme_regression(dataset) -> dict:
    """Per dimension: provider change regressed on the four theme indicators."""
    scores = _dimension_scores(dataset.responses)
    means = scores.groupby(["provider_id", "wave"], observed=True)[
        INSTRUMENT.dimension_codes].mean()
    change = means.xs("followup", level="wave") - means.xs("baseline", level="wave")
    themes = dataset.providers.set_index("provider_id").loc[change.index, "themes"]
    x = np.column_stack([np.ones(len(change))]
                        + [themes.str.split(";").map(lambda t, th=th: th in t).to_numpy(float)
                           for th in THEMES])
    return {dim: _ols_hc1(change[dim].to_numpy(), x) for dim in INSTRUMENT.dimension_codes}


def test_theme_effects_are_recovered(loaded):
    dataset, truth = loaded
    fits = _theme_regression(dataset)
    for entry in truth["dimension_change_by_theme"]:
        coef, se = fits[entry["dimension"]]
        j = 1 + THEMES.index(entry["theme"])
        assert abs(coef[j] - entry["effect"]) < 3 * se[j], (entry, coef[j], se[j])
    for dim, common in truth["common_change"].items():
        coef, se = fits[dim]
        assert abs(coef[0] - common) < 3 * se[0], (dim, coef[0], common)


def test_development_discussions_show_no_theme_effect(loaded):
    dataset, truth = loaded
    coef, se = _theme_regression(dataset)["development_discussions"]
    assert all(e["effect"] == 0 for e in truth["dimension_change_by_theme"]
               if e["dimension"] == "development_discussions")
    assert (np.abs(coef[1:]) < 3 * se[1:]).all() and (np.abs(coef[1:]) < 0.15).all()


def test_practice_shares_match_the_planted_values(loaded):
    dataset, truth = loaded
    rules = INSTRUMENT.takehold_rules
    responses = dataset.responses
    planted = pd.DataFrame(truth["practice_status"]).set_index(["provider_id", "practice", "wave"])
    z = {"penetration": [], "in_use": [], "normalisation": []}
    for practice in INSTRUMENT.practices:
        use = responses[practice.use_item]
        frame = pd.DataFrame({
            "provider_id": responses["provider_id"], "wave": responses["wave"].astype(str),
            "penetration": (use >= rules["routine_level"]).where(use.notna()),
            "in_use": (use >= rules["use_level"]).where(use.notna()),
            "normalisation": responses[list(practice.normalisation_items)].mean(axis=1)})
        for (pid, wave), group in frame.groupby(["provider_id", "wave"]):
            target = planted.loc[(pid, practice.code, wave)]
            for key in z:
                values = group[key].dropna().astype(float)
                if key == "normalisation":
                    se = values.std() / np.sqrt(len(values))
                else:
                    se = np.sqrt(target[key] * (1 - target[key]) / len(values))
                z[key].append((values.mean() - target[key]) / se)
    for key, values in z.items():
        values = np.asarray(values)
        assert abs(values.mean()) < 0.25 and 0.75 < values.std() < 1.3, (key, values.mean(),
                                                                            values.std())


def test_panel_providers_keep_respondent_ids(loaded):
    dataset, truth = loaded
    responses = dataset.responses
    panel = set(truth["panel_providers"])
    for pid, group in responses.groupby("provider_id"):
        before = set(group.loc[group["wave"] == "baseline", "respondent_id"])
        after = set(group.loc[group["wave"] == "followup", "respondent_id"])
        if pid in panel:
            assert 0.4 <= len(before & after) / len(before) <= 0.85, pid
        else:
            assert not before & after, pid
    assert responses.groupby("wave", observed=True)["respondent_id"].apply(
        lambda s: s.is_unique).all()


def test_loaded_small_groups_match_the_record(loaded):
    dataset, truth = loaded
    counts = dataset.responses.groupby(["provider_id", "wave", "role"], observed=True).size()
    small = {k: int(v) for k, v in counts[counts < truth["min_group_size"]].items()}
    assert small == {(g["provider_id"], g["wave"], g["role"]): g["n"]
                     for g in truth["small_groups"]}
    assert small
