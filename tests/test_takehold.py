"""Take-hold: change per provider, network models, theme effects and practice status.

The recovery checks run on the full 81-provider demo network, generated once per module with
:func:`strapetsi_lib.ingest.demo.generate_demo` and read with :func:`load_dataset`. The coverage
check
draws many small networks from the same generative model in memory
(``benchmarks/coverage.py``); a test here checks that the in-memory network equals what
``load_dataset`` reads from ``generate_demo``'s files.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from strapetsi_lib.analysis.stats import change_test
from strapetsi_lib.analysis.takehold import (
    classify_practice,
    dimension_change,
    mixed_models,
    practice_status,
    prepared_tables,
    theme_effects,
)
from strapetsi_lib.ingest.dataset import Dataset, Wave, load_dataset
from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.present import i18n
from strapetsi_lib.present.stats_view import rule_text

INSTRUMENT = load_instrument("competence_management_v1")
RULES = INSTRUMENT.takehold_rules
MGS = 5
ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    """benchmarks/coverage.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("coverage_benchmark",
                                                  ROOT / "benchmarks" / "coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(dataset, ground truth) of the default demo network: 81 providers, seed 2024."""
    path = generate_demo(tmp_path_factory.mktemp("takehold") / "demo")
    return load_dataset(path), json.loads((path / "ground_truth.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def effects(demo):
    return theme_effects(demo[0])


def _rule(category: str) -> dict:
    return next(c for c in RULES["categories"] if c["category"] == category)


def make_dataset(rows: list[dict], waves=("baseline", "followup"), themes=None) -> Dataset:
    """A dataset held in memory: ``rows`` give ids and any item answers, the rest is missing."""
    frame = pd.DataFrame(rows)
    for code in INSTRUMENT.item_codes:
        if code not in frame:
            frame[code] = np.nan
    frame[INSTRUMENT.item_codes] = frame[INSTRUMENT.item_codes].astype(float)
    frame["wave"] = pd.Categorical(frame["wave"], categories=list(waves), ordered=True)
    frame = frame[["respondent_id", "provider_id", "wave", "role", *INSTRUMENT.item_codes]]
    ids = list(dict.fromkeys(frame["provider_id"]))
    providers = pd.DataFrame({
        "provider_id": ids, "name": ids, "language": "fi", "region": "Uusimaa",
        "staff_count": pd.array([100] * len(ids), dtype="Int64"),
        "themes": [(themes or {}).get(p, "") for p in ids]})
    here = Path("/in-memory")
    return Dataset(here, "in-memory", INSTRUMENT,
                   [Wave(w, {"fi": w, "sv": w, "en": w}, here / f"{w}.csv") for w in waves],
                   MGS, providers, frame.reset_index(drop=True), here / "providers.csv")


# --------------------------------------------------------------------------- the simulation


def test_in_memory_simulation_is_the_demo_model(tmp_path):
    bench = _benchmark()
    path = generate_demo(tmp_path / "small", n_providers=8, seed=11)
    loaded = load_dataset(path)
    simulated = bench.simulate_dataset(8, 11)
    pd.testing.assert_frame_equal(simulated.responses, loaded.responses)
    pd.testing.assert_frame_equal(simulated.providers, loaded.providers)


@pytest.mark.slow
def test_theme_effect_intervals_cover_planted_effects_at_about_nominal_rate():
    # 40 networks of 20 providers: small enough for a few seconds each, small enough that the
    # small-sample correction matters (the plain cluster sandwich covers about 0.87 here).
    bench = _benchmark()
    results = bench.run(replicates=40, n_providers=20, first_seed=100)
    # most fits give an interval; the others have a side with too few providers for usable
    # degrees of freedom (MIN_USABLE_DF) and say so
    missing = results["covered"].isna()
    assert missing.mean() < 0.15
    assert (results.loc[missing, "reason"] == "too_few_providers").all()
    planted = results[results["effect"] > 0]
    # the 95 % intervals cover at about the nominal rate, the wider adjusted ones more often
    assert 0.92 <= results["covered95"].mean() <= 0.98
    assert 0.90 <= planted["covered95"].mean() <= 0.99
    assert results["covered"].mean() >= results["covered95"].mean()
    # and the estimates are unbiased for the planted effects, within simulation error
    bias = (planted["estimate"] - planted["effect"]).mean()
    assert abs(bias) < 0.02


# --------------------------------------------------------------------------- theme effects


@pytest.mark.slow
def test_theme_effects_has_the_public_columns(effects, demo):
    dataset, _ = demo
    for column in ("dimension", "theme", "estimate", "ci_low", "ci_high", "p_value",
                   "p_adjusted", "n_providers_in_theme", "n_providers_other"):
        assert column in effects
    assert len(effects) == len(INSTRUMENT.dimension_codes) * 4
    assert (effects["n_providers_in_theme"] + effects["n_providers_other"]
            == len(dataset.providers)).all()


@pytest.mark.slow
def test_every_planted_theme_effect_is_found(effects, demo):
    truth = pd.DataFrame(demo[1]["dimension_change_by_theme"])
    merged = effects.merge(truth, on=["dimension", "theme"], validate="one_to_one")
    planted = merged[merged["effect"] >= 0.3]
    assert len(planted) == 5
    assert (planted["p_adjusted"] < 0.05).all(), planted
    assert ((planted["ci_low"] <= planted["effect"])
            & (planted["effect"] <= planted["ci_high"])).all(), planted


@pytest.mark.slow
def test_nothing_is_flagged_where_nothing_was_planted(effects, demo):
    truth = pd.DataFrame(demo[1]["dimension_change_by_theme"])
    merged = effects.merge(truth, on=["dimension", "theme"], validate="one_to_one")
    null = merged[merged["effect"] == 0]
    assert len(null) == 19
    assert (null["p_adjusted"] >= 0.05).all(), null[null["p_adjusted"] < 0.05]


# --------------------------------------------------------------------------- mixed models


@pytest.mark.slow
def test_mixed_models_track_the_network_change(demo):
    dataset, truth = demo
    table = mixed_models(dataset)
    assert list(table["dimension"]) == INSTRUMENT.dimension_codes
    assert (table["term"] == "wave change").all()
    assert (table["n_providers"] == 81).all() and table["converged"].all()
    # The planted provider SD is 0.25; the estimate should be near it on 81 providers.
    assert table["provider_sd"].between(0.18, 0.33).all()
    # The estimand is the mean change of the providers; the planted model's change of the
    # respondents' mean differs from it only by the weighting, well within 0.05 here.
    expected = pd.Series({d: truth["followup_dimension_means"][d]
                          - truth["baseline_dimension_means"][d]
                          for d in INSTRUMENT.dimension_codes})
    got = table.set_index("dimension")["estimate"]
    assert (got - expected).abs().max() < 0.05
    quiet = table.set_index("dimension").loc["development_discussions"]  # nothing planted
    assert quiet["ci_low"] <= 0 <= quiet["ci_high"]


# --------------------------------------------------------------------------- change per provider


def test_paired_test_at_panel_providers_and_welch_elsewhere(demo):
    dataset, truth = demo
    table = dimension_change(dataset)
    panel = table["provider_id"].isin(truth["panel_providers"])
    assert (table.loc[~panel, "n_paired"] == 0).all()
    assert (table.loc[~panel, "test"] == "Welch t").all()
    rule = (table["n_paired"] >= MGS) & (2 * table["n_paired"] > table["n_after"])
    assert ((table["test"] == "paired t") == rule).all()
    assert (table.loc[panel, "test"] == "paired t").mean() > 0.6

    # One panel provider in detail: the numbers are change_test's on the linked respondents.
    row = table[panel & (table["test"] == "paired t")].iloc[0]
    scores = dataset.responses[dataset.responses["provider_id"] == row["provider_id"]]
    from strapetsi_lib.analysis.scores import dimension_scores
    wide = dimension_scores(scores, INSTRUMENT).pivot(index="respondent_id", columns="wave",
                                                      values=row["dimension"]).dropna()
    expected = change_test(wide["baseline"], wide["followup"], paired=True)
    assert row["n_paired"] == len(wide)
    assert row["estimate"] == pytest.approx(expected["estimate"])
    assert row["ci95_low"] == pytest.approx(expected["ci_low"])
    assert row["p_value"] == pytest.approx(expected["p_value"])


def test_change_is_adjusted_within_each_provider(demo):
    table = dimension_change(demo[0])
    shown = table[~table["suppressed"]]
    assert (shown["p_adjusted"] >= shown["p_value"] - 1e-12).all()
    one = shown[shown["provider_id"] == shown["provider_id"].iloc[0]]
    from strapetsi_lib.analysis.stats import bh_adjust
    assert np.allclose(one["p_adjusted"], bh_adjust(one["p_value"]))


def _change_rows(provider: str, n_before: int, n_after: int, same_people: bool = False):
    rows = []
    for wave, n, shift in (("baseline", n_before, 0.0), ("followup", n_after, 1.0)):
        for i in range(n):
            rid = f"{provider}-{i}" if same_people else f"{provider}-{wave}-{i}"
            answer = 2.0 + shift + (i % 3)
            rows.append({"respondent_id": rid, "provider_id": provider, "wave": wave,
                         "role": "teacher",
                         **{item.code: 6.0 - answer if item.reverse else answer
                            for item in INSTRUMENT.items if item.dimension is not None}})
    return rows


def test_change_is_suppressed_where_a_wave_has_too_few_respondents():
    dataset = make_dataset(_change_rows("A", 8, MGS - 1) + _change_rows("B", MGS, MGS)
                           + _change_rows("C", 9, 9, same_people=True))
    table = dimension_change(dataset).set_index(["provider_id", "dimension"])
    dim = INSTRUMENT.dimension_codes[0]
    a, b, c = (table.loc[(p, dim)] for p in "ABC")
    assert a["suppressed"] and math.isnan(a["estimate"]) and math.isnan(a["p_value"])
    # A's follow-up has too few respondents to be one of its waves: nothing is compared
    assert (a["wave_before"], a["wave_after"], a["n_after"]) == ("baseline", "baseline", 0)
    forced = dimension_change(dataset, compared=("baseline", "followup")).set_index(
        ["provider_id", "dimension"]).loc[("A", dim)]
    assert forced["suppressed"] and math.isnan(forced["estimate"])
    assert forced["n_after"] == MGS - 1
    assert not b["suppressed"] and b["test"] == "Welch t"
    assert b["estimate"] == pytest.approx(1.0)
    assert not c["suppressed"] and c["test"] == "paired t" and c["n_paired"] == 9
    assert c["estimate"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- practice status


def test_practice_status_recovers_the_planted_categories(demo):
    dataset, truth = demo
    table = practice_status(dataset)
    for column in ("provider_id", "practice", "category", "penetration", "penetration_ci_low",
                   "penetration_ci_high", "normalisation", "n", "in_use", "maintained", "rule"):
        assert column in table
    assert len(table) == 81 * len(INSTRUMENT.practices)
    planted = pd.DataFrame(truth["practice_status"])
    planted = planted[planted["wave"] == dataset.wave_ids[-1]]
    merged = table.merge(planted, on=["provider_id", "practice"], suffixes=("", "_planted"),
                         validate="one_to_one")
    judged = merged[merged["category"] != "too_few_responses"]
    assert len(judged) >= 0.95 * len(merged)
    # Measured 481 of 486 (99.0 %); the misses sit next to a threshold by sampling chance.
    agreement = (judged["category"] == judged["category_planted"]).mean()
    assert agreement >= 0.97
    assert ((judged["penetration_ci_low"] <= judged["penetration"])
            & (judged["penetration"] <= judged["penetration_ci_high"])).all()
    assert (table["rule"].str.split(":").str[0] == table["category"]).all()


def _practice_rows(provider, uses, nomad, wave="followup", prefix=""):
    practice = INSTRUMENT.practices[0]
    return [{"respondent_id": f"{prefix}{provider}-{wave}-{i}", "provider_id": provider,
             "wave": wave, "role": "teacher", practice.use_item: use,
             **dict.fromkeys(practice.normalisation_items, nomad)}
            for i, use in enumerate(uses)]


def test_practice_status_computes_shares_and_maintenance_from_answers():
    routine, use = RULES["routine_level"], RULES["use_level"]
    embedded = _rule("embedded")
    # 10 answers, 6 at routine or above: penetration exactly at the embedded threshold.
    uses = [routine] * 6 + [use] + [0] * 3
    assert 6 / 10 == embedded["penetration_min"]
    nomad = embedded["normalisation_min"]
    rows = (_practice_rows("A", uses, nomad, "baseline") + _practice_rows("A", uses, nomad)
            + _practice_rows("B", [0] * 10, 2.0, "baseline") + _practice_rows("B", uses, nomad)
            + _practice_rows("C", uses[: MGS - 1], nomad, "baseline")
            + _practice_rows("C", uses[: MGS - 1], nomad))
    table = practice_status(make_dataset(rows), all_waves=True)
    first = INSTRUMENT.practices[0].code
    latest = table[(table["practice"] == first) & (table["wave"] == "followup")]
    latest = latest.set_index("provider_id")
    assert latest.loc["A", "penetration"] == 0.6 and latest.loc["A", "in_use"] == 0.7
    assert latest.loc["A", "normalisation"] == nomad and latest.loc["A", "n"] == 10
    assert latest.loc["A", "maintained"] and latest.loc["A", "category"] == "embedded"
    # B was not in use at the baseline, so the practice is not maintained: adopting at most.
    assert not latest.loc["B", "maintained"] and latest.loc["B", "category"] == "adopting"
    assert latest.loc["C", "category"] == "too_few_responses" and latest.loc["C", "n"] == 4
    # practices nobody answered are too_few_responses with no numbers
    other = table[(table["practice"] != first) & (table["wave"] == "followup")]
    assert (other["category"] == "too_few_responses").all() and (other["n"] == 0).all()
    assert other["penetration"].isna().all()


def test_practice_status_latest_wave_only_by_default():
    rows = _practice_rows("A", [4] * 6, 4.0, "baseline") + _practice_rows("A", [4] * 6, 4.0)
    table = practice_status(make_dataset(rows))
    assert set(table["wave"]) == {"followup"}
    assert len(table) == len(INSTRUMENT.practices)


# --------------------------------------------------------------------------- classify_practice


def _classify(pen=0.0, in_use=0.0, norm=1.0, maintained=True, n=50):
    return classify_practice(pen, in_use, norm, maintained, n, RULES, MGS)[0]


def test_categories_at_their_thresholds():
    emb, ado, tri = _rule("embedded"), _rule("adopting"), _rule("trying")
    pe, ne = emb["penetration_min"], emb["normalisation_min"]
    pa, na = ado["penetration_min"], ado["normalisation_min"]
    ut = tri["in_use_min"]
    below = 1e-6
    # exactly at the thresholds
    assert _classify(pe, 1.0, ne) == "embedded"
    assert _classify(pa, 1.0, na) == "adopting"
    assert _classify(0.0, ut, 1.0) == "trying"
    # just below each threshold drops to the next category
    assert _classify(pe - below, 1.0, ne) == "adopting"
    assert _classify(pe, 1.0, ne - below) == "adopting"
    assert _classify(pa - below, 1.0, na) == "trying"
    assert _classify(pa, 1.0, na - below) == "trying"
    assert _classify(0.0, ut - below, 1.0) == "not_in_use"
    assert _classify(pa, ut - below, na - below) == "not_in_use"
    # embedded needs maintenance; without it the practice is only being adopted
    assert _classify(pe, 1.0, ne, maintained=False) == "adopting"
    # a mean that is the threshold on paper but lost a bit in floating point still reaches it
    assert _classify(pe, 1.0, ne - 1e-12) == "embedded"
    # normalisation unknown: only rules that do not need it can hold
    assert _classify(1.0, 1.0, math.nan) == "trying"


def test_too_few_responses_below_min_group_size():
    emb = _rule("embedded")
    args = (1.0, 1.0, emb["normalisation_min"], True)
    assert classify_practice(*args, MGS - 1, RULES, MGS) == ("too_few_responses",
                                                            f"too_few_responses: n<{MGS}")
    assert classify_practice(*args, MGS, RULES, MGS)[0] == "embedded"


def test_rule_string_states_the_instruments_thresholds():
    emb = _rule("embedded")
    category, rule = classify_practice(1.0, 1.0, 5.0, True, 50, RULES, MGS)
    assert category == "embedded"
    assert rule == (f"embedded: penetration>={emb['penetration_min']:g}, "
                    f"normalisation>={emb['normalisation_min']:g}, maintained")
    assert classify_practice(0, 0, 1, True, 50, RULES, MGS)[1].startswith("not_in_use: none of")


def test_thresholds_come_from_the_instrument():
    stricter = RULES.as_dict()
    stricter["categories"][0]["penetration_min"] = 0.9
    assert classify_practice(0.8, 1.0, 5.0, True, 50, RULES, MGS)[0] == "embedded"
    assert classify_practice(0.8, 1.0, 5.0, True, 50, stricter, MGS)[0] == "adopting"
    instrument = dataclasses.replace(INSTRUMENT, takehold_rules=stricter)
    assert "90\u00a0%" in rule_text("embedded", instrument, "fi", MGS)
    unknown = {**RULES, "categories": [{"category": "embedded", "sustainability_min": 3}]}
    with pytest.raises(ValueError, match="sustainability_min"):
        classify_practice(1.0, 1.0, 5.0, True, 50, unknown, MGS)


# --------------------------------------------------------------------------- texts and prepare


GLOSSARY_STATUS = {
    "embedded": ("Vakiintunut", "Etablerad", "Embedded"),
    "adopting": ("Käyttöönotossa", "Under införande", "Being adopted"),
    "trying": ("Kokeilussa", "På försök", "Being tried"),
    "not_in_use": ("Ei käytössä", "Inte i bruk", "Not in use"),
    "too_few_responses": ("Liian vähän vastauksia", "För få svar", "Too few responses"),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_status_words_follow_the_glossary_and_rules_are_written_out(language):
    position = ("fi", "sv", "en").index(language)
    for code, words in GLOSSARY_STATUS.items():
        assert i18n.text(f"status_{code}", language) == words[position]
    text = rule_text("embedded", INSTRUMENT, language, MGS)
    emb = _rule("embedded")
    assert i18n.percent(emb["penetration_min"], language) in text
    assert i18n.number(emb["normalisation_min"], language) in text
    assert i18n.percent(RULES["maintenance_in_use_min"], language) in text
    assert i18n.text("status_too_few_responses", language) in rule_text(
        "too_few_responses", INSTRUMENT, language, MGS)


def test_every_takehold_text_has_all_languages():
    import yaml
    texts = yaml.safe_load((ROOT / "strapetsi_lib/texts/takehold_texts.yml").read_text("utf-8"))
    for key, value in texts.items():
        assert key.startswith(("status_", "takehold_")), key
        assert set(value) == {"fi", "sv", "en"}, key
    assert "selvä muutos" in i18n.text("takehold_change_clear_up", "fi", dimension="x",
                                       amount="0,3", ci="0,1–0,5")
    unclear = i18n.text("takehold_change_unclear", "fi", dimension="x", change="+0,1",
                        ci="−0,1–0,3")
    assert "selvä muutos" not in unclear and "ei selvää muutosta" in unclear


@pytest.mark.slow
def test_prepared_tables_on_one_and_two_waves(tmp_path):
    rows = _change_rows("A", 6, 6) + _change_rows("B", 6, 6)
    one = make_dataset([r for r in rows if r["wave"] == "baseline"], waves=("baseline",))
    assert prepared_tables(one) == {}
    tables = prepared_tables(_benchmark().simulate_dataset(6, 3))
    assert {"dimension_change", "mixed_models", "theme_effects",
            "practice_status"} <= set(tables)
    assert all(isinstance(t, pd.DataFrame) and len(t) for t in tables.values())


def test_cr2_satterthwaite_equals_the_full_dummy_regression():
    # The within (demeaned) computation must equal CR2 and the Bell–McCaffrey degrees of
    # freedom computed by brute force on the regression with one dummy per cluster.
    from strapetsi_lib.analysis.network_models import _cr2_satterthwaite
    rng = np.random.default_rng(5)
    sizes = [3, 5, 8, 4, 12, 6, 9]
    groups = np.repeat(np.arange(len(sizes)), sizes)
    n = len(groups)
    x = np.column_stack([rng.normal(size=n), (rng.random(n) < 0.5) * 1.0,
                         np.isin(groups, [1, 4, 5]) * (rng.random(n) < 0.5)])
    y = x @ [0.3, -0.2, 0.5] + rng.normal(size=len(sizes))[groups] + rng.normal(size=n)
    dummies = (groups[:, None] == np.arange(len(sizes))).astype(float)
    full = np.column_stack([x, dummies])
    bread = np.linalg.pinv(full.T @ full)
    resid = y - full @ (bread @ full.T @ y)
    hat = full @ bread @ full.T
    meat = np.zeros((full.shape[1],) * 2)
    vectors = []
    contrast = np.zeros(full.shape[1])
    contrast[2] = 1.0
    for g in range(len(sizes)):
        idx = groups == g
        values, vectors_g = np.linalg.eigh(np.eye(idx.sum()) - hat[np.ix_(idx, idx)])
        inv_root = np.where(values > 1e-10, 1 / np.sqrt(np.clip(values, 1e-10, None)), 0.0)
        adjust = vectors_g @ np.diag(inv_root) @ vectors_g.T
        score = full[idx].T @ adjust @ resid[idx]
        meat += np.outer(score, score)
        vectors.append((np.eye(n) - hat)[:, idx] @ adjust @ full[idx] @ bread @ contrast)
    variance = (bread @ meat @ bread)[2, 2]
    gram = np.array([[a @ b for b in vectors] for a in vectors])
    df = np.trace(gram) ** 2 / (gram**2).sum()

    frame = pd.DataFrame(np.column_stack([y, x]))
    within = (frame - frame.groupby(groups).transform("mean")).to_numpy()
    fit = np.linalg.lstsq(within[:, 1:], within[:, 0], rcond=None)[0]
    se, dfs = _cr2_satterthwaite(within[:, 1:], within[:, 0] - within[:, 1:] @ fit, groups, [2])
    assert se[0] == pytest.approx(math.sqrt(variance), rel=1e-8)
    assert dfs[0] == pytest.approx(df, rel=1e-8)


@pytest.mark.slow
def test_three_waves_compare_the_first_with_the_latest():
    two = _benchmark().simulate_dataset(12, 21)
    responses = two.responses
    middle = responses[responses["wave"] == "baseline"].assign(
        respondent_id=lambda f: f["respondent_id"] + "-m")
    three_waves = ("baseline", "middle", "followup")
    frame = pd.concat([responses[responses["wave"] == "baseline"], middle.assign(wave="middle"),
                       responses[responses["wave"] == "followup"]], ignore_index=True)
    frame["wave"] = pd.Categorical(frame["wave"].astype(str), categories=three_waves,
                                   ordered=True)
    three = Dataset(two.path, two.name, INSTRUMENT,
                    [Wave(w, {"fi": w, "sv": w, "en": w}, two.path / w) for w in three_waves],
                    MGS, two.providers, frame, two.path / "providers.csv")
    before, after = theme_effects(two), theme_effects(three)
    assert np.allclose(before["estimate"], after["estimate"], atol=0.03, equal_nan=True)
    change = dimension_change(three)
    assert (change["wave_before"] == "baseline").all()
    assert (change["wave_after"] == "followup").all()
    pd.testing.assert_series_equal(change["estimate"], dimension_change(two)["estimate"])
    mixed = mixed_models(three)
    assert mixed["estimate"].notna().all()
