"""A network whose design cannot identify an effect still gets every report (issue 10.1).

When every provider takes part in exactly one theme, the theme indicators add up to one, so the
theme difference-in-differences cannot be told apart from the network's overall change. The
models must say so ("cannot be estimated from this network", with the reason) instead of
raising, and every report must still be written.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from strapetsi_lib.analysis.network_models import (
    MIN_USABLE_DF,
    NOT_IDENTIFIED,
    TOO_FEW_PROVIDERS,
    estimable_columns,
    theme_effects,
    theme_effects_by_provider,
    usable_df,
)
from strapetsi_lib.ingest.dataset import load_dataset
from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.present import network_view
from strapetsi_lib.present.i18n import text

THEMES = tuple(load_instrument("competence_management_v1").theme_codes)


def test_estimable_columns_finds_the_confounded_ones():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=20), rng.normal(size=20)
    # column 2 = column 3 + column 4: those three are not estimable, columns 0 and 1 are
    c, d = rng.normal(size=20), rng.normal(size=20)
    exog = np.column_stack([a, b, c + d, c, d])
    estimable, basis = estimable_columns(exog)
    assert estimable.tolist() == [True, True, False, False, False]
    assert np.linalg.matrix_rank(exog[:, basis]) == len(basis) == 4
    assert {0, 1} <= set(basis.tolist())
    full, every = estimable_columns(exog[:, [0, 1, 3]])
    assert full.all() and every.tolist() == [0, 1, 2]


def one_theme_each(path):
    """Rewrite a dataset's providers so that every provider takes part in exactly one theme."""
    providers = pd.read_csv(path / "providers.csv", dtype=str, keep_default_na=False)
    providers["themes"] = [THEMES[i % len(THEMES)] for i in range(len(providers))]
    providers.to_csv(path / "providers.csv", index=False)
    return path


@pytest.fixture(scope="module")
def one_theme_dataset(tmp_path_factory):
    path = generate_demo(tmp_path_factory.mktemp("one_theme") / "demo", n_providers=8, seed=5)
    return load_dataset(one_theme_each(path))


def test_one_theme_per_provider_gives_reasons_not_a_crash(one_theme_dataset):
    effects = theme_effects(one_theme_dataset)
    assert len(effects) == 6 * len(THEMES)
    assert effects["estimate"].isna().all()
    assert set(effects["reason"]) == {NOT_IDENTIFIED}
    results = network_view.theme_results(_prepared_like(effects), "fi")
    summary = network_view.theme_summary(results, "fi")
    assert text("stats_reason_not_identified", "fi") in summary
    for _, table in network_view.theme_tables(results, "fi"):
        verdicts = table[text("takehold_col_verdict", "fi")]
        assert (verdicts == text("stats_reason_not_identified", "fi")).all()


def test_a_theme_with_one_participant_is_too_few(one_theme_dataset):
    dataset = copy.copy(one_theme_dataset)
    dataset.providers = one_theme_dataset.providers.copy()
    # two themes shared by all but one provider, the others taken by nobody
    dataset.providers["themes"] = ["quality" if i else "pedagogy"
                                   for i in range(len(dataset.providers))]
    effects = theme_effects(dataset)
    assert set(effects["reason"]) == {TOO_FEW_PROVIDERS}



def _coverage_benchmark():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "coverage.py"
    spec = importlib.util.spec_from_file_location("coverage_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_usable_degrees_of_freedom_start_at_the_threshold():
    assert MIN_USABLE_DF == 4
    assert usable_df(4.0) and not usable_df(4.0 - 1e-9) and not usable_df(float("nan"))


def test_a_theme_with_too_few_providers_for_a_usable_df_cannot_be_estimated():
    # two providers in a theme gave 1.3 degrees of freedom and an interval of -2.13 ... 2.30 on
    # a 1-5 scale; now the theme "cannot be estimated" with the reason, in both analyses
    dataset = _coverage_benchmark().simulate_dataset(30, 3)
    dataset.providers = dataset.providers.copy()
    themes = ["pedagogy;quality" if i < 2 else ("pedagogy", "competence", "")[i % 3]
              for i in range(len(dataset.providers))]
    dataset.providers["themes"] = themes
    for effects in (theme_effects(dataset), theme_effects_by_provider(dataset)):
        quality = effects[effects["theme"] == "quality"]
        assert (quality["n_providers_in_theme"] == 2).all()
        assert quality["estimate"].isna().all()
        assert set(quality["reason"]) == {TOO_FEW_PROVIDERS}
        pedagogy = effects[effects["theme"] == "pedagogy"]
        assert pedagogy["estimate"].notna().all() and (pedagogy["df"] >= MIN_USABLE_DF).all()
        assert pedagogy["effect_size"].notna().all()


def _prepared_like(effects: pd.DataFrame):
    """The few Prepared members theme_results reads, around an in-memory table."""
    from strapetsi_lib.ingest.instrument import load_instrument

    class _Prepared:
        instrument = load_instrument("competence_management_v1")
        tables = {"theme_effects": effects}

        def __getitem__(self, name):
            return self.tables[name]

    return _Prepared()


@pytest.mark.slow
def test_every_report_is_written_when_no_theme_is_identified(tmp_path):
    from strapetsi_lib.prepare import prepare_tables
    from strapetsi_lib.render.parameters import run_network_report, run_provider_report

    path = one_theme_each(generate_demo(tmp_path / "demo", n_providers=8, seed=5))
    prepared = prepare_tables(load_dataset(path), force=True)
    assert prepared["theme_effects"]["reason"].eq(NOT_IDENTIFIED).all()
    provider_id = prepared["providers"]["provider_id"].iloc[0]
    provider = run_provider_report(prepared, provider_id, tmp_path / "out")
    assert provider.html.exists()
    network = run_network_report(prepared, tmp_path / "out", "fi")
    html = network.html.read_text(encoding="utf-8")
    assert "ei voida arvioida tästä verkostosta" in html


def test_equal_weight_sensitivity_check_agrees_on_planted_effects(one_theme_dataset):
    dataset = _coverage_benchmark().simulate_dataset(30, 3)
    main, equal = theme_effects(dataset), theme_effects_by_provider(dataset)
    assert (main[["dimension", "theme"]] == equal[["dimension", "theme"]]).all().all()
    planted = main["estimate"] > 0.25
    assert planted.sum() >= 3
    assert (equal.loc[planted, "estimate"] > 0.15).all()
    assert (equal.loc[~planted, "estimate"].abs() < 0.15).all()
    # the same design problem gives the same reason, not an exception
    none = theme_effects_by_provider(one_theme_dataset)
    assert set(none["reason"]) == {NOT_IDENTIFIED}
