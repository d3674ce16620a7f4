"""A deterministic demo network: fictitious providers, survey waves and planted effects.

:func:`generate_demo` writes a dataset folder (see data/README.md) for a packaged instrument
that has a demo plan (``instruments/demos/<id>.yml``: the dataset's name and waves, the roles'
shares and effects, the planted theme effects): it looks like real exports, the first wave as
a Finnish survey tool's CSV (Windows-1252, ``;``, decimal comma), later waves as Excel files
with the Finnish question texts as headers (as the plan names the files). Next to it,
``ground_truth.json`` records everything that was planted, so that tests and analysts can check
that the analysis recovers it. Everything about the instrument (its dimensions, scales,
reverse-keyed items, themes, practices and take-hold rules) is read from the instrument.

The model for a dimension item of respondent *i* at provider *p*, in scale points::

    x = base[d] + provider[p] + role[r]
        + (at follow-up) common[d] + sum of theme effects[d, t] of p's themes + change[p, d]
        + respondent[i] + noise

clipped to the scale and answered as ``floor(x) + Bernoulli(x - floor(x))``, so that the
expected answer equals the clipped ``x`` exactly. Reverse-scored items are written reversed.
Theme effects are planted only for the pairs the plan lists; providers take part in each
theme independently (1 to all but one of the themes, when the instrument has themes).

Practices get a planted category per provider and wave, with penetration, in-use share and
normalisation placed inside that category's region of the instrument's take-hold rules (read
from the instrument); providers in a practice's theme move one category up between waves. With
three waves or more, some practices in use fall out of use at a middle wave and come back at the
next (:data:`DROP_SHARE`; drawn from a random stream of their own, so that a demo of two waves
is the same with or without this).

The plan lists every wave the demo can write; ``waves`` chooses how many of them, from the
first (two by default).

``ground_truth.json`` holds: ``seed``, ``n_providers``, ``waves``, ``min_group_size``,
``dimension_change_by_theme`` (all dimension x theme pairs), ``common_change``,
``dimension_base``, ``<wave>_dimension_means`` per wave (expected reverse-corrected dimension
scores over the wave's respondents, given the drawn providers and roles, clipping included),
``role_effects``, ``sd``, ``provider_effects``, ``practice_status``
(planted population values and the category the rules give them), ``small_groups`` (role
groups below ``min_group_size``) and ``panel_providers`` (providers whose respondent ids persist
across waves; elsewhere follow-up ids are fresh).
"""

from __future__ import annotations

import datetime
import io
import json
import re
from dataclasses import dataclass
from functools import cache
from itertools import product
from pathlib import Path
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import numpy as np
import openpyxl
import pandas as pd
import yaml
from openpyxl.writer.excel import ExcelWriter
from pydantic import BaseModel, ConfigDict, Field
from scipy.special import ndtr

from strapetsi_lib.config import INSTRUMENTS_DIR
from strapetsi_lib.files import load_yaml, write_atomic
from strapetsi_lib.ingest.instrument import DEFAULT_INSTRUMENT, Instrument, load_instrument
from strapetsi_lib.ingest.ytunnus import ytunnus_check_digit

#: Where the packaged instruments' demo plans are.
PLANS_DIR = INSTRUMENTS_DIR / "demos"
MIN_GROUP_SIZE = 5
DONT_KNOW = "En osaa sanoa"
SD = {"provider": 0.25, "provider_change": 0.05, "respondent": 0.45, "item": 0.35,
      "practice_respondent": 0.40}
P_DONT_KNOW, P_EMPTY = 0.03, 0.02
THEME_SHARE, PANEL_RETURN = 0.45, 0.70
#: Category shares of the practices at baseline, lowest first.
BASELINE_PRACTICE_SHARES = (0.30, 0.35, 0.25, 0.10)
#: With three waves or more: the share of practices in use at a middle wave that fall out of
#: use there and come back at the next wave.
DROP_SHARE = 0.12
#: Waves a demo has unless asked for another number (the plan may list more).
DEFAULT_WAVES = 2
XLSX_TIMESTAMP = datetime.datetime(2025, 3, 31, 12, 0, 0)
DONT_KNOW_CODE = _EOS = -1.0  # "en osaa sanoa" in the answer matrices; NaN is an empty cell

# Regions (maakunnat, Åland excluded) with rough weights; Swedish-language ones below.
REGIONS = {
    "Uusimaa": 0.20, "Varsinais-Suomi": 0.09, "Satakunta": 0.04, "Kanta-Häme": 0.03,
    "Pirkanmaa": 0.10, "Päijät-Häme": 0.04, "Kymenlaakso": 0.03, "Etelä-Karjala": 0.025,
    "Etelä-Savo": 0.03, "Pohjois-Savo": 0.05, "Pohjois-Karjala": 0.03, "Keski-Suomi": 0.055,
    "Etelä-Pohjanmaa": 0.04, "Pohjanmaa": 0.035, "Keski-Pohjanmaa": 0.015,
    "Pohjois-Pohjanmaa": 0.08, "Kainuu": 0.015, "Lappi": 0.035,
}
SV_REGIONS = {"Uusimaa": 0.4, "Varsinais-Suomi": 0.2, "Pohjanmaa": 0.4}
FI_KINDS = ("Demo-ammattiopisto", "Kuvitteellinen koulutuskuntayhtymä", "Esimerkkiopisto",
            "Demo-aikuisopisto", "Kuvitteellinen ammattiopisto", "Demo-koulutuskeskus")
FI_PLACES = ("Kallio", "Harju", "Koivu", "Kuusi", "Niemi", "Saari", "Ranta", "Laakso", "Mäki",
             "Joki", "Lampi", "Kivi", "Vaara", "Rinne", "Aho", "Salo", "Metsä", "Pelto", "Kumpu",
             "Kangas", "Lehto", "Honka", "Tammi", "Vuori", "Louhi", "Paasi", "Pihlaja", "Haapa",
             "Leppä", "Saarni", "Virta", "Koski", "Salmi", "Nummi", "Kaisla", "Kataja")
SV_KINDS = ("Demo yrkesinstitut", "Fiktiva utbildningsförbundet", "Exempel yrkesakademi")
SV_PLACES = ("Strand", "Udde", "Holm", "Berg", "Skog", "Vik", "Näs", "Dal", "Sund", "Ås")

_STRICT = ConfigDict(extra="forbid", frozen=True)


class PlanWave(BaseModel):
    """A wave of the demo dataset: its id, its label (fi/sv/en) and its responses file (the
    first wave's a ``.csv``, the others ``.xlsx``)."""

    model_config = _STRICT

    id: str
    label: dict[str, str]
    responses: str = Field(pattern=r"\.(csv|xlsx)$")


class PlanRole(BaseModel):
    """A role's share of the respondents, its effect on every dimension (scale points) and how
    the first wave's CSV writes it."""

    model_config = _STRICT

    role: str
    share: float = Field(gt=0, le=1)
    effect: float
    written: str


class PlanThemeEffect(BaseModel):
    """Extra change of a dimension at providers taking part in a theme (scale points)."""

    model_config = _STRICT

    dimension: str
    theme: str
    effect: float


class DemoPlan(BaseModel):
    """What the demo of one packaged instrument plants (``instruments/demos/<id>.yml``)."""

    model_config = _STRICT

    name: str
    waves: list[PlanWave] = Field(min_length=1)
    dimension_base: tuple[float, float]
    roles: list[PlanRole] = Field(min_length=1)
    theme_effects: list[PlanThemeEffect] = Field(default_factory=list)

    @property
    def wave_ids(self) -> list[str]:
        return [wave.id for wave in self.waves]

    def theme_effect(self, dimension: str, theme: str) -> float:
        return next((e.effect for e in self.theme_effects
                     if (e.dimension, e.theme) == (dimension, theme)), 0.0)


def demo_instruments() -> list[str]:
    """The packaged instruments that have a demo."""
    return sorted(path.stem for path in PLANS_DIR.glob("*.yml"))


@cache
def demo_plan(instrument_id: str, waves: int = DEFAULT_WAVES) -> DemoPlan:
    """The demo plan of a packaged instrument with its first ``waves`` waves (1 up to as many as
    the plan lists), checked against the instrument.

    Raises
    ------
    ValueError
        When the instrument has no demo, its plan names roles, dimensions or themes the
        instrument does not have, or it has fewer waves than asked for.
    """
    path = PLANS_DIR / f"{instrument_id}.yml"
    if not path.is_file():
        raise ValueError(f"instrument {instrument_id!r} has no demo; instruments with a demo: "
                         f"{', '.join(demo_instruments())}")
    plan = DemoPlan.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    instrument = load_instrument(instrument_id)
    if [r.role for r in plan.roles] != instrument.role_codes:
        raise ValueError(f"{path}: roles must be the instrument's, in its order: "
                         f"{', '.join(instrument.role_codes)}")
    for effect in plan.theme_effects:
        if effect.dimension not in instrument.dimension_codes \
                or effect.theme not in instrument.theme_codes:
            raise ValueError(f"{path}: theme effect {effect.dimension} × {effect.theme} names a "
                             "dimension or theme the instrument does not have")
    if not 1 <= waves <= len(plan.waves):
        raise ValueError(f"the demo of {instrument_id} has 1 to {len(plan.waves)} waves, "
                         f"not {waves}")
    return plan.model_copy(update={"waves": plan.waves[:waves]})


@dataclass(frozen=True)
class Simulation:
    """A demo network drawn in memory, before anything is written.

    ``answers`` holds per wave one row per respondent (in ``waves[wave]``'s order) and one
    column per item in the instrument's order: the answer as written, NaN for an empty cell
    and :data:`DONT_KNOW_CODE` for "en osaa sanoa".
    """

    instrument: Instrument
    plan: DemoPlan
    seed: int
    providers: pd.DataFrame
    small: list[int]
    waves: dict[str, pd.DataFrame]
    panel: np.ndarray
    model: dict
    practice: pd.DataFrame
    answers: dict[str, np.ndarray]


def simulate(n_providers: int = 81, seed: int = 2024,
             instrument: str = DEFAULT_INSTRUMENT, waves: int = DEFAULT_WAVES) -> Simulation:
    """Draw a demo network in memory: providers, respondents and their answers.

    Parameters
    ----------
    n_providers
        Number of fictitious providers (at least 4).
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same network.
    instrument
        A packaged instrument with a demo plan (:func:`demo_instruments`).
    waves
        How many of the plan's waves, from the first (1 up to as many as the plan lists).
    """
    if n_providers < 4:
        raise ValueError("the demo network needs at least 4 providers")
    plan = demo_plan(instrument, waves)
    questions = load_instrument(instrument)
    # spawn(5)'s first four streams are spawn(4)'s: the drops' stream changes nothing else
    rng_prov, rng_resp, rng_model, rng_prac, rng_drop = np.random.default_rng(seed).spawn(5)
    providers, small = _make_providers(rng_prov, n_providers, questions)
    respondents, panel = _make_respondents(rng_resp, providers, small, plan)
    model = _dimension_model(rng_model, providers, questions, plan)
    practice = _plan_practices(rng_prac, providers, questions, plan, rng_drop)
    codes = _dimension_item_codes(questions) + _practice_item_codes(questions)
    order = [codes.index(c) for c in questions.item_codes]
    answers = {}
    for w, wave in enumerate(plan.wave_ids):
        drawn = np.column_stack([
            _dimension_answers(rng_model, respondents[wave], model, questions, w),
            _practice_answers(rng_prac, respondents[wave], practice, questions, plan, w),
        ])
        missing = rng_model.random(drawn.shape)
        drawn[missing < P_DONT_KNOW] = _EOS
        drawn[(missing >= P_DONT_KNOW) & (missing < P_DONT_KNOW + P_EMPTY)] = np.nan
        answers[wave] = drawn[:, order]
    return Simulation(questions, plan, seed, providers, small, respondents, panel, model,
                      practice, answers)


def generate_demo(out: str | Path, n_providers: int = 81, seed: int = 2024,
                  instrument: str = DEFAULT_INSTRUMENT, waves: int = DEFAULT_WAVES) -> Path:
    """Write the demo dataset folder and its ``ground_truth.json``.

    Parameters
    ----------
    out
        The dataset folder to write (created if needed; the demo's files in it are replaced).
    n_providers
        Number of fictitious providers.
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives byte-identical files.
    instrument
        A packaged instrument with a demo plan (:func:`demo_instruments`).
    waves
        How many of the plan's waves the dataset has, from the first.

    Returns
    -------
    pathlib.Path
        The dataset folder, holding ``dataset.yml``, ``providers.csv``, one response file per
        wave and ``ground_truth.json``.
    """
    sim = simulate(n_providers, seed, instrument, waves)
    providers = sim.providers
    if not sim.instrument.themes:  # a network without themes has no such column
        providers = providers.drop(columns="themes")
    files = {"dataset.yml": _dataset_yml(sim),
             "providers.csv": providers.to_csv(index=False).encode("utf-8")}
    for number, wave in enumerate(sim.plan.waves):
        write = _first_wave_csv if number == 0 else _later_wave_xlsx
        files[wave.responses] = write(sim.waves[wave.id], sim.answers[wave.id], sim)
    files["ground_truth.json"] = _ground_truth(sim)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():  # everything is built before anything is written
        write_atomic(folder / name, data)
    return folder


# --- providers and respondents -------------------------------------------------------------

def _ytunnus(rng: np.random.Generator, n: int) -> list[str]:
    ids: list[str] = []
    while len(ids) < n:
        first = rng.choice(4, p=[0.3, 0.2, 0.4, 0.1])
        digits = f"{first}{rng.integers(0, 1_000_000):06d}"
        check = ytunnus_check_digit(digits)
        if check is not None and f"{digits}-{check}" not in ids:
            ids.append(f"{digits}-{check}")
    return ids


def _names(rng: np.random.Generator, kinds: tuple, places: tuple, n: int) -> list[str]:
    combos = [f"{k} {p}" for k, p in product(kinds, places)]
    perm = rng.permutation(len(combos))
    return [combos[perm[i % len(combos)]] + ("" if i < len(combos) else f" {i // len(combos) + 1}")
            for i in range(n)]


def _make_providers(rng: np.random.Generator, n: int,
                    instrument: Instrument) -> tuple[pd.DataFrame, list[int]]:
    """Providers table and the positions of the few small providers with small role groups."""
    n_sv = max(1, round(n / 10))
    is_sv = np.zeros(n, bool)
    is_sv[rng.choice(n, n_sv, replace=False)] = True
    names = iter(_names(rng, FI_KINDS, FI_PLACES, n - n_sv))
    sv_names = iter(_names(rng, SV_KINDS, SV_PLACES, n_sv))
    fi_regions = list(rng.permutation(list(REGIONS)))[: n - n_sv]  # every region once, then by size
    fi_regions += list(rng.choice(list(REGIONS), n - n_sv - len(fi_regions),
                                  p=_normalised(REGIONS.values())))
    sv_regions = rng.choice(list(SV_REGIONS), n_sv, p=_normalised(SV_REGIONS.values()))
    small = sorted(rng.choice(n, max(1, min(4, n // 8)), replace=False).tolist())
    staff = np.clip(np.exp(rng.normal(np.log(150), 0.85, n)), 80, 2000).round().astype(int)
    staff[small] = rng.integers(20, 61, len(small))
    codes = instrument.theme_codes
    themes = np.zeros((n, 0), dtype=bool)
    if codes:
        themes = rng.random((n, len(codes))) < THEME_SHARE  # independently per theme
        # with two themes or more: at least one each, and never all
        while len(codes) > 1 and (redraw := (themes.sum(axis=1) == 0)
                                  | themes.all(axis=1)).any():
            themes[redraw] = rng.random((redraw.sum(), len(codes))) < THEME_SHARE
    fi_i = sv_i = 0
    rows = []
    for i, pid in enumerate(_ytunnus(rng, n)):
        if is_sv[i]:
            name, language, region = next(sv_names), "sv", str(sv_regions[sv_i])
            sv_i += 1
        else:
            name, language, region = next(names), "fi", str(fi_regions[fi_i])
            fi_i += 1
        rows.append({"provider_id": pid, "name": name, "language": language, "region": region,
                     "staff_count": int(staff[i]),
                     "themes": ";".join(t for t, on in zip(codes, themes[i], strict=True) if on)})
    return pd.DataFrame(rows), small


def _normalised(weights) -> np.ndarray:
    w = np.asarray(list(weights), float)
    return w / w.sum()


def _role_counts(rng: np.random.Generator, n: int, floor: int, plan: DemoPlan) -> np.ndarray:
    counts = rng.multinomial(n, [role.share for role in plan.roles])
    while counts.min() < floor:  # move respondents from the largest group to the smallest
        counts[counts.argmin()] += 1
        counts[counts.argmax()] -= 1
    return counts


def _make_respondents(rng: np.random.Generator, providers: pd.DataFrame, small: list[int],
                      plan: DemoPlan) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """Respondents per wave (provider and role positions, respondent effect, id) and the panel.

    At panel providers about :data:`PANEL_RETURN` of each role's earlier respondents answer
    again under the same id; elsewhere every follow-up respondent gets a fresh id.
    """
    n = len(providers)
    panel = np.zeros(n, bool)
    panel[rng.permutation(n)[: round(n / 2)]] = True
    staff = providers["staff_count"].to_numpy()
    pool = iter(rng.choice(16**6, size=int(staff.sum() * 2), replace=False))
    waves: dict[str, pd.DataFrame] = {}
    previous = None
    for wave in plan.wave_ids:
        parts = []
        for p in range(n):
            is_small = p in small
            size = round(rng.uniform(0.25, 0.70) * staff[p])
            size = max(size, 8 if is_small else 4 * MIN_GROUP_SIZE)
            counts = _role_counts(rng, size, 1 if is_small else MIN_GROUP_SIZE, plan)
            for r, count in enumerate(counts):
                ids = [f"R-{next(pool):06X}" for _ in range(count)]
                u = rng.normal(0, SD["respondent"], count)
                if previous is not None and panel[p]:
                    before = np.flatnonzero((previous["provider"] == p) & (previous["role"] == r))
                    back = rng.choice(before, min(count, rng.binomial(len(before), PANEL_RETURN)),
                                      replace=False)
                    ids[: len(back)] = previous["respondent_id"].to_numpy()[back]
                    u[: len(back)] = previous["u"].to_numpy()[back]
                parts.append(pd.DataFrame({"provider": p, "role": r, "respondent_id": ids,
                                           "u": u}))
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
        waves[wave] = previous = frame
    return waves, panel


# --- the dimension scales ------------------------------------------------------------------

def _dimension_item_codes(instrument: Instrument) -> list[str]:
    return instrument.scale_item_codes


def _practice_item_codes(instrument: Instrument) -> list[str]:
    return [c for p in instrument.practices for c in (p.use_item, *p.normalisation_items)]


def _dimension_model(rng: np.random.Generator, providers: pd.DataFrame,
                     instrument: Instrument, plan: DemoPlan) -> dict:
    """Draw the dimension bases, common changes, provider intercepts and change noise."""
    dims, themes = instrument.dimension_codes, instrument.theme_codes
    member = np.array([[t in s.split(";") for t in themes] for s in providers["themes"]],
                      float).reshape(len(providers), len(themes))
    effects = np.array([[plan.theme_effect(d, t) for d in dims] for t in themes],
                       float).reshape(len(themes), len(dims))
    common = np.where(rng.random(len(dims)) < 0.5, 0.0,
                      rng.uniform(0.03, 0.10, len(dims)).round(2))
    return {
        "base": rng.uniform(*plan.dimension_base, len(dims)).round(2),
        "role_effects": np.array([role.effect for role in plan.roles]),
        "common": common,
        "intercept": rng.normal(0, SD["provider"], len(providers)),
        "change": member @ effects + rng.normal(0, SD["provider_change"],
                                                (len(providers), len(dims))),
        "effects": effects,
    }


def _latent_means(respondents: pd.DataFrame, model: dict, wave_index: int) -> np.ndarray:
    """Expected latent value per respondent and dimension, before respondent and item noise."""
    p = respondents["provider"].to_numpy()
    roles = model["role_effects"][respondents["role"].to_numpy()]
    mean = model["base"][None, :] + (model["intercept"][p] + roles)[:, None]
    if wave_index > 0:
        mean = mean + model["common"][None, :] + model["change"][p]
    return mean


def _clipped_normal_mean(mean, sd: float, low: float, high: float) -> np.ndarray:
    """E[clip(X, low, high)] for X ~ N(mean, sd²)."""
    mean = np.asarray(mean, float)
    a, b = (low - mean) / sd, (high - mean) / sd
    pdf = lambda z: np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)  # noqa: E731
    return (low * ndtr(a) + high * (1 - ndtr(b)) + mean * (ndtr(b) - ndtr(a))
            + sd * (pdf(a) - pdf(b)))


def _answer(rng: np.random.Generator, x: np.ndarray, low: int, high: int) -> np.ndarray:
    """Clip to the scale and round at random so that E[answer | x] = x."""
    x = np.clip(x, low, high)
    base = np.floor(x)
    return base + (rng.random(x.shape) < x - base)


def _dimension_answers(rng: np.random.Generator, respondents: pd.DataFrame, model: dict,
                       instrument: Instrument, wave_index: int) -> np.ndarray:
    mean = _latent_means(respondents, model, wave_index) + respondents["u"].to_numpy()[:, None]
    columns = []
    for code in _dimension_item_codes(instrument):
        item, scale = instrument.item(code), instrument.scale_of(code)
        x = mean[:, instrument.dimension_codes.index(item.dimension)]
        value = _answer(rng, x + rng.normal(0, SD["item"], len(x)), scale.min, scale.max)
        columns.append(scale.min + scale.max - value if item.reverse else value)
    return np.column_stack(columns)


# --- practices -----------------------------------------------------------------------------

def _category_order(rules: dict) -> list[str]:
    """Practice categories from lowest to highest (the rules list them highest first)."""
    return ["not_in_use"] + [c["category"] for c in reversed(rules["categories"])]


def _classify(pen: float, in_use: float, norm: float, maintained: bool, rules: dict) -> str:
    """The instrument's rule: the first category whose every threshold holds."""
    for rule in rules["categories"]:
        if (pen >= rule.get("penetration_min", 0) and norm >= rule.get("normalisation_min", 0)
                and in_use >= rule.get("in_use_min", 0)
                and (maintained or not rule.get("maintained", False))):
            return rule["category"]
    return "not_in_use"


def _category_targets(rules: dict, low: int, high: int) -> dict[str, tuple[float, float, float]]:
    """(penetration, in_use, normalisation) clearly inside each category's region."""
    by = {c["category"]: c for c in rules["categories"]}
    pen_e, norm_e = by["embedded"]["penetration_min"], by["embedded"]["normalisation_min"]
    pen_a, norm_a = by["adopting"]["penetration_min"], by["adopting"]["normalisation_min"]
    use_t, use_m = by["trying"]["in_use_min"], rules["maintenance_in_use_min"]
    pen = pen_e + 0.4 * (1 - pen_e)
    adopt = (pen_a + pen_e) / 2
    use_floor = max(use_t, use_m)
    return {
        "embedded": (pen, pen + 0.6 * (1 - pen), norm_e + (high - norm_e) / 3),
        "adopting": (adopt, adopt + 0.35 * (1 - adopt), norm_a + 0.8 * (norm_e - norm_a)),
        "trying": (pen_a / 4, use_floor + 0.25 * (1 - use_floor), norm_a - 0.15 * (norm_a - low)),
        "not_in_use": (min(use_t, use_m) * 0.4 / 3, min(use_t, use_m) / 3,
                       low + 0.45 * (norm_a - low)),
    }


def _plan_practices(rng: np.random.Generator, providers: pd.DataFrame,
                    instrument: Instrument, plan: DemoPlan,
                    rng_drop: np.random.Generator) -> pd.DataFrame:
    """Planted category and population values per provider, practice and wave.

    With three waves or more, a practice in use at a middle wave falls out of use there with
    probability :data:`DROP_SHARE` (decided by ``rng_drop`` alone) and is back at its level at
    the next wave, no higher than a category that needs no maintenance.
    """
    if not instrument.practices:
        return pd.DataFrame(columns=["provider", "provider_id", "practice", "wave", "category",
                                     "penetration", "in_use", "normalisation", "_latent"])
    rules = instrument.takehold_rules
    order = _category_order(rules)
    agree = instrument.scale_of(instrument.practices[0].normalisation_items[0])
    targets = _category_targets(rules, agree.min, agree.max)
    sd_norm = float(np.hypot(SD["practice_respondent"], SD["item"]))
    n_waves = len(plan.wave_ids)
    drops = (rng_drop.random((len(providers), len(instrument.practices), n_waves)) < DROP_SHARE
             if n_waves >= 3 else np.zeros((len(providers), len(instrument.practices), n_waves),
                                           bool))
    # the highest category whose rule needs no maintenance (what a practice dropped once can be)
    unmaintained = max(order.index(c["category"]) for c in rules["categories"]
                       if not c.get("maintained", False))
    rows = []
    for p, pid in enumerate(providers["provider_id"]):
        themes = providers.at[p, "themes"].split(";")
        for k, practice in enumerate(instrument.practices):
            level = rng.choice(len(order), p=BASELINE_PRACTICE_SHARES)
            maintained = True
            for w, wave in enumerate(plan.wave_ids):
                if w > 0 and (practice.theme in themes or rng.random() < 0.15):
                    level = min(level + 1, len(order) - 1)
                planted = level
                if 0 < w < n_waves - 1 and drops[p, k, w] and level > 0:
                    planted = 0  # fell out of use at this wave only
                elif not maintained:
                    planted = min(level, unmaintained)
                pen, use, norm = targets[order[planted]]
                use = float(np.clip(use + rng.uniform(-0.03, 0.03) * min(1, use / 0.1), .005, .995))
                pen = min(use, float(np.clip(pen + rng.uniform(-0.03, 0.03) * min(1, pen / 0.1),
                                             0.005, 0.995)))
                latent = norm + rng.uniform(-0.1, 0.1)
                norm = float(_clipped_normal_mean(latent, sd_norm, agree.min, agree.max))
                pen, use, norm = round(pen, 4), round(use, 4), round(norm, 4)
                maintained = maintained and use >= rules["maintenance_in_use_min"]
                category = _classify(pen, use, norm, maintained, rules)
                if category != order[planted]:
                    raise RuntimeError(f"demo cannot place {order[planted]} inside the rules of "
                                       f"{instrument.id}: values give {category}")
                rows.append({"provider": p, "provider_id": pid, "practice": practice.code,
                             "wave": wave, "category": category, "penetration": pen,
                             "in_use": use, "normalisation": norm, "_latent": latent})
    return pd.DataFrame(rows)


def _practice_answers(rng: np.random.Generator, respondents: pd.DataFrame, planted: pd.DataFrame,
                      instrument: Instrument, plan: DemoPlan, wave_index: int) -> np.ndarray:
    """Levels of Use drawn to hit the planted shares; NoMAD items around the planted mean."""
    p = respondents["provider"].to_numpy()
    n = len(p)
    if not instrument.practices:
        return np.empty((n, 0))
    rules = instrument.takehold_rules
    routine, use_level = rules["routine_level"], rules["use_level"]
    planted = planted[planted["wave"] == plan.wave_ids[wave_index]]
    columns = []
    for practice in instrument.practices:
        rows = planted[planted["practice"] == practice.code].set_index("provider")
        pen, use = rows["penetration"].to_numpy()[p], rows["in_use"].to_numpy()[p]
        lou = instrument.scale_of(practice.use_item)
        high, low = np.arange(routine, lou.max + 1), np.arange(lou.min, use_level)
        draw = rng.random(n)
        level = np.where(
            draw < pen, rng.choice(high, n, p=_normalised(0.6 ** np.arange(len(high)))),
            np.where(draw < use, rng.integers(use_level, routine, n),
                     rng.choice(low, n, p=_normalised(0.5 ** np.arange(len(low))))))
        columns.append(level.astype(float))
        latent = rows["_latent"].to_numpy()[p] + rng.normal(0, SD["practice_respondent"], n)
        for code in practice.normalisation_items:
            scale = instrument.scale_of(code)
            columns.append(_answer(rng, latent + rng.normal(0, SD["item"], n),
                                   scale.min, scale.max))
    return np.column_stack(columns)


# --- writing -------------------------------------------------------------------------------

def _dataset_yml(sim: Simulation) -> bytes:
    doc = {
        "name": sim.plan.name,
        "instrument": sim.instrument.id,
        "providers": "providers.csv",
        "waves": [{"id": w.id, "label": w.label, "responses": w.responses}
                  for w in sim.plan.waves],
        "min_group_size": MIN_GROUP_SIZE,
        "report_date": "2026-01-15",
        "contact": {"name": "Demo Tutkija", "email": "tutkija@example.fi"},
        "coordinator": {"name": "Demo Koordinaattori", "email": "koordinaattori@example.fi"},
    }
    head = (f"# Demo network of fictitious providers, written by `strapetsi demo` "
            f"(seed {sim.seed}).\n"
            "# Planted effects are in ground_truth.json.\n")
    return (head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)).encode("utf-8")


def _id_columns(respondents: pd.DataFrame, providers: pd.DataFrame, roles) -> dict:
    return {"respondent_id": respondents["respondent_id"].to_numpy(),
            "provider_id": providers["provider_id"].to_numpy()[respondents["provider"]],
            "role": np.array(roles)[respondents["role"].to_numpy()]}


def _first_wave_csv(respondents: pd.DataFrame, answers: np.ndarray, sim: Simulation) -> bytes:
    """As a Finnish survey tool exports: cp1252, ``;``, Excel's one-decimal numbers ("4,0")."""
    text = np.char.add(np.nan_to_num(answers).astype(np.int64).astype(str), ",0").astype(object)
    text[np.isnan(answers)] = ""
    text[answers == _EOS] = DONT_KNOW
    frame = pd.DataFrame(_id_columns(respondents, sim.providers,
                                     [role.written for role in sim.plan.roles]))
    frame = pd.concat([frame, pd.DataFrame(text, columns=sim.instrument.item_codes)], axis=1)
    return frame.to_csv(sep=";", index=False, lineterminator="\r\n").encode("cp1252")


def _later_wave_xlsx(respondents: pd.DataFrame, answers: np.ndarray, sim: Simulation) -> bytes:
    """Excel with Finnish question texts as headers, numbers as numbers, fixed timestamps.

    openpyxl writes the workbook's frame (styles, relations, properties); the sheet's cells are
    written here directly, as openpyxl would write them (text as inline strings), which is some
    twenty times faster for ~600,000 cells. Zip entries and document properties get fixed times
    so that the bytes are repeatable.
    """
    cells = np.nan_to_num(answers).astype(np.int64).astype(object)
    cells[np.isnan(answers)] = None
    cells[answers == _EOS] = DONT_KNOW
    instrument = sim.instrument
    ids = _id_columns(respondents, sim.providers, instrument.role_codes)
    header = ["respondent_id", "provider_id", "role"] + [
        instrument.item(c).text["fi"] for c in instrument.item_codes]
    rows = [header] + np.column_stack(
        [ids["respondent_id"], ids["provider_id"], ids["role"], cells]).tolist()
    sheet_data = _sheet_data(rows)
    wb = openpyxl.Workbook()
    wb.active.title = "Vastaukset"
    wb.properties.creator = "strapetsi demo"
    wb.properties.created = wb.properties.modified = XLSX_TIMESTAMP
    raw = io.BytesIO()
    ExcelWriter(wb, ZipFile(raw, "w", ZIP_DEFLATED)).save()  # wb.save() would stamp "now"
    fixed = io.BytesIO()
    with ZipFile(raw) as src, ZipFile(fixed, "w", ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename).decode("utf-8")
            if info.filename == "xl/worksheets/sheet1.xml":
                last = f"{_column_letter(len(header) - 1)}{len(rows)}"
                data = re.sub(r'<dimension ref="[^"]*" ?/>', f'<dimension ref="A1:{last}"/>', data)
                data = re.sub(r"<sheetData\s*/>|<sheetData>.*</sheetData>",
                              lambda _: f"<sheetData>{sheet_data}</sheetData>", data, flags=re.S)
            entry = ZipInfo(info.filename, date_time=XLSX_TIMESTAMP.timetuple()[:6])
            entry.compress_type, entry.external_attr = ZIP_DEFLATED, 0o600 << 16
            dst.writestr(entry, data.encode("utf-8"))
    return fixed.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_data(rows: list[list]) -> str:
    """The ``<sheetData>`` XML of the rows; text as inline strings, ``None`` as no cell."""
    letters = [_column_letter(j) for j in range(len(rows[0]))]
    out = []
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for letter, value in zip(letters, row, strict=True):
            if value is None:
                continue
            if isinstance(value, str):
                out.append(f'<c r="{letter}{r}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
            else:
                out.append(f'<c r="{letter}{r}"><v>{value}</v></c>')
        out.append("</row>")
    return "".join(out)


def _ground_truth(sim: Simulation) -> bytes:
    instrument, providers, waves, model = sim.instrument, sim.providers, sim.waves, sim.model
    dims = instrument.dimension_codes
    sd = float(np.hypot(SD["respondent"], SD["item"]))
    agree = instrument.scale_of(_dimension_item_codes(instrument)[0])
    means = {wave: dict(zip(dims, _clipped_normal_mean(_latent_means(frame, model, w), sd,
                                                       agree.min, agree.max).mean(axis=0),
                                    strict=True))
             for w, (wave, frame) in enumerate(waves.items())}
    small_groups = []
    for wave, frame in waves.items():
        counts = frame.groupby(["provider", "role"]).size()
        for (p, r), size in counts[counts < MIN_GROUP_SIZE].items():
            small_groups.append({"provider_id": providers.at[p, "provider_id"], "wave": wave,
                                 "role": instrument.role_codes[r], "n": int(size)})
    pids = providers["provider_id"].tolist()
    truth = {
        "seed": sim.seed,
        "n_providers": len(providers),
        "waves": [{"id": wave.id, "responses": wave.responses,
                   "n_respondents": len(waves[wave.id])} for wave in sim.plan.waves],
        "min_group_size": MIN_GROUP_SIZE,
        "dimension_change_by_theme": [
            {"dimension": d, "theme": t, "effect": float(model["effects"][i, j])}
            for j, d in enumerate(dims) for i, t in enumerate(instrument.theme_codes)],
        "common_change": dict(zip(dims, model["common"].tolist(), strict=True)),
        "dimension_base": dict(zip(dims, model["base"].tolist(), strict=True)),
        **{f"{wave}_dimension_means": {d: round(float(v), 4) for d, v in means[wave].items()}
           for wave in sim.plan.wave_ids},
        "role_effects": {role.role: role.effect for role in sim.plan.roles},
        "sd": SD,
        "provider_effects": dict(zip(pids, model["intercept"].round(4).tolist(), strict=True)),
        "practice_status": sim.practice.drop(columns=["provider", "_latent"]).to_dict("records"),
        "small_groups": small_groups,
        "panel_providers": [pid for pid, on in zip(pids, sim.panel, strict=True) if on],
    }
    return (json.dumps(truth, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
