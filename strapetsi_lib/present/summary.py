"""The report's first page: who answered, where the provider stands, what matters most, and
questions for the team.

A leadership team reads the summary first, so every fact in it is taken from the same view
functions the rest of the report shows (:mod:`~strapetsi_lib.present.provider_view`,
:mod:`~strapetsi_lib.present.takehold_view`, :mod:`~strapetsi_lib.present.trajectory_view`),
with their suppression already applied: nothing is recomputed here and no group under the
minimum size can appear. :func:`summary_facts` gathers the facts as numbers; :func:`summary_html`
words them in the report's language with the templates of ``texts/summary_texts.yml``.

The latest wave leads: who answered it, the provider's quartile among the network's providers
per dimension at it (:func:`position_sentence`), and the findings.

Which findings matter most. Candidates are the clear changes since the baseline and the items
that differ clearly from the network at the latest wave (the report's strengths and areas to
develop), both by the one rule of :func:`~strapetsi_lib.analysis.stats.verdict`: statistically
certain after the Benjamini–Hochberg adjustment and at least ``MIN_CLEAR_EFFECT`` in size. Both
are measured on the same standardised scale (Hedges' g for a change, the difference in network
standard deviations for an item), so they are ranked together by size and the
:data:`MAX_FINDINGS` largest are shown. A change is told together with where the dimension
stands now ("improved clearly, yet still in the lowest quartile"); a practice's status together
with its path ("being adopted; out of use in between"). When there is no finding, the summary
says so only about what was tested: a provider whose changes or items could not be tested (too
few answers) is not told that nothing changed clearly.

Questions for the team come from the provider's own findings, each naming the number it rests
on, and no two from one template in a report: each kind of question has a few wordings
(``summary_ask_<kind>_<k>``), used in turn; a finding left without a wording of its own is left
out rather than asked again in the same words.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

from strapetsi_lib.analysis.stats import NOT_TESTED, is_clear, verdict
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present import provider_view as view
from strapetsi_lib.present import takehold_view as takehold
from strapetsi_lib.present.comparisons import compare_items
from strapetsi_lib.present.i18n import and_list, count_word, number, percent, text
from strapetsi_lib.present.precision import CHANGE_DECIMALS, EFFECT_DECIMALS, MEAN_DECIMALS
from strapetsi_lib.present.survey_words import (
    direction_note,
    item_higher_is_better,
    role_label,
    scale_sides,
    scale_span,
    wave_phrase,
)

__all__ = ["Finding", "Question", "Summary", "discussion_questions", "summary_facts",
           "summary_html"]

#: How many findings the summary names, unless there are more clear changes: every clear
#: change is named, and strengths and areas fill the places left (the rest are counted).
MAX_FINDINGS = 3
#: Fewest and most discussion questions.
MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
#: Statuses that mean a practice has taken hold.
TAKEN_HOLD = ("embedded", "adopting")
#: The wordings of each kind of question (``summary_ask_<kind>_<k>``, k from 1).
ASK_WORDINGS = {"better": 3, "worse": 3, "strength": 3, "area": 3, "response": 1,
                "practice": 2, "dropped": 1, "position_low": 1, "position_high": 1}
#: The lowest and the highest quartile (analysis.stats.quartile_of: 1 to 4).
LOWEST, HIGHEST = 1, 4


@dataclass(frozen=True)
class Finding:
    """One finding of the summary.

    ``kind`` is ``change_up``/``change_down`` (a dimension's mean rose or fell clearly since the
    baseline) or ``above_network``/``below_network`` (an item is clearly better or worse than
    the network: a strength or an area to develop); ``subject`` the dimension or item code;
    ``size`` the standardised effect (Hedges' g or the standardised difference, signed);
    ``value`` the change in points or the provider's mean; ``reference`` the network mean for
    an item (NaN for a change); ``wave`` the wave an item's comparison describes (the
    provider's latest); ``higher_is_better`` whether a rise is an improvement (False for a
    dimension, or an item of a dimension, where a lower score is better). A change also
    carries where its dimension stands at the latest wave, ``quartile`` (1 lowest to 4
    highest) and ``percentile``, and its ``percentile_before`` at the baseline (None where not
    ranked); an item, ``reverse`` for a negatively worded statement.
    """

    kind: str
    subject: str
    size: float
    value: float
    reference: float = float("nan")
    wave: str | None = None
    higher_is_better: bool = True
    quartile: int | None = None
    percentile: float | None = None
    percentile_before: float | None = None
    reverse: bool = False
    #: A change since the previous wave (three waves or more): the change in points as shown,
    #: its Hedges' g and whether it is clear; ``step_only`` when only that change is clear
    #: (the finding's ``value`` and ``size`` are then the step's).
    step: float | None = None
    step_size: float | None = None
    step_clear: bool = False
    step_only: bool = False

    @property
    def better(self) -> bool:
        """Whether the finding is good news: an improvement or a strength."""
        if self.kind.startswith("change"):
            return (self.kind == "change_up") == self.higher_is_better
        return self.kind == "above_network"


@dataclass(frozen=True)
class Summary:
    """The facts of one provider's summary, as numbers (suppressed values are NaN/None)."""

    provider_id: str
    first_wave: str
    latest_wave: str
    respondents: dict[str, int | None]
    response_rates: dict[str, float | None]
    roles_fell: list[tuple[str, int, int]]
    findings: list[Finding]
    own_themes: list[str]
    own_practices: pd.DataFrame = field(repr=False)
    #: Whether any change since the baseline was tested (None: the dataset has one wave), and
    #: whether any item was compared with the network.
    changes_tested: bool | None = None
    items_tested: bool = True
    #: The provider's place per dimension at the latest wave (``dimension, percentile,
    #: quartile``; NaN where not ranked).
    places: pd.DataFrame = field(repr=False, default_factory=lambda: pd.DataFrame(
        columns=["dimension", "percentile", "quartile"]))
    #: The waves at which an own practice that had been in use was out of use, by practice
    #: (three waves or more; waves with too few answers tell nothing).
    dropped: dict[str, list[str]] = field(default_factory=dict)
    #: The strengths and areas of the report's list that the findings leave out.
    more_items: int = 0
    #: The wave before the latest (three waves or more; None otherwise): the summary also says
    #: what changed since it.
    previous_wave: str | None = None


class Question(NamedTuple):
    """A discussion question: the wording it takes (``summary_ask_<kind>_<k>``, or a general
    question's key) and its words, the fact with its number first."""

    wording: str
    words: str


def _response(prepared: Prepared, provider_id: str) -> tuple[dict, dict]:
    """Respondents and response rate per wave; None where the total is under the minimum."""
    rates = prepared.rows("response_rates", provider_id).set_index("wave")
    respondents, shares = {}, {}
    for wave in prepared.wave_ids:
        n = int(rates.loc[wave, "n"]) if wave in rates.index else 0
        shown = n >= prepared.min_group_size
        respondents[wave] = n if shown else None
        rate = rates.loc[wave, "response_rate"] if wave in rates.index else float("nan")
        shares[wave] = float(rate) if shown and pd.notna(rate) else None
    return respondents, shares


def _roles_fell(prepared: Prepared, provider_id: str, first: str, latest: str) -> list:
    """Roles shown at both waves whose number of respondents fell, as (role, before, after)."""
    before = view.role_counts(prepared, provider_id, first)
    after = view.role_counts(prepared, provider_id, latest)
    return [(role, int(before[role]), int(after[role]))
            for role in prepared.instrument.role_codes
            if pd.notna(before[role]) and pd.notna(after[role]) and after[role] < before[role]]


def _network_findings(prepared: Prepared, provider_id: str, wave: str) -> list[Finding]:
    """Items that differ clearly from the network at a wave: the report's strengths and areas."""
    strengths, areas = view.strengths_and_areas(prepared, provider_id, wave)
    instrument = prepared.instrument
    findings = []
    for kind, items in (("above_network", strengths), ("below_network", areas)):
        findings += [Finding(kind, row.item, float(row.std_diff), float(row.mean),
                             float(row.network_mean), wave,
                             higher_is_better=item_higher_is_better(instrument, row.item),
                             reverse=instrument.item(row.item).reverse)
                     for row in items.itertuples()]
    return findings


def _places(prepared: Prepared, provider_id: str, wave: str) -> pd.DataFrame:
    """The provider's percentile and quartile per dimension at a wave (NaN where not ranked)."""
    return view.provider_place(prepared, provider_id, wave).reset_index()


def _change_findings(prepared: Prepared, provider_id: str) -> list[Finding]:
    """Dimensions that changed clearly since the baseline or, with three waves or more, since
    the previous wave (none when not shown), each with where it stands at the latest wave and
    stood at the baseline, and its change since the previous wave."""
    if not takehold.has_takehold(prepared):
        return []
    first, latest = takehold.compared_waves(prepared, provider_id)
    now = _places(prepared, provider_id, latest).set_index("dimension")
    before = _places(prepared, provider_id, first).set_index("dimension")
    steps = (takehold.change_rows(prepared, provider_id, since_previous=True)
             .set_index("dimension") if takehold.has_previous_change(prepared, provider_id)
             else None)
    findings = []
    for row in takehold.change_rows(prepared, provider_id).itertuples():
        step = steps.loc[row.dimension] if steps is not None else None
        step_shown = step is not None and not step["suppressed"] and pd.notna(step["estimate"])
        step_clear = step_shown and bool(is_clear(step["p_adjusted"], step["hedges_g"]))
        clear = not row.suppressed and pd.notna(row.estimate) and is_clear(row.p_adjusted,
                                                                          row.hedges_g)
        if not clear and not step_clear:
            continue
        value, size = ((row.estimate, row.hedges_g) if clear
                       else (step["estimate"], step["hedges_g"]))
        quartile, percentile = now.loc[row.dimension, ["quartile", "percentile"]]
        earlier = before.loc[row.dimension, "percentile"]
        findings.append(Finding(
            "change_up" if value > 0 else "change_down", row.dimension, float(size),
            float(value), higher_is_better=prepared.instrument.higher_is_better(row.dimension),
            quartile=None if pd.isna(quartile) else int(quartile),
            percentile=None if pd.isna(percentile) else float(percentile),
            percentile_before=None if pd.isna(earlier) else float(earlier),
            step=float(step["estimate"]) if step_shown else None,
            step_size=float(step["hedges_g"]) if step_shown else None,
            step_clear=step_clear, step_only=not clear))
    return findings


def _changes_tested(prepared: Prepared, provider_id: str) -> bool | None:
    """Whether any of the provider's changes was tested; None without a second wave."""
    if not takehold.has_takehold(prepared):
        return None
    rows = takehold.change_rows(prepared, provider_id)
    return bool((verdict(rows["p_adjusted"], rows["hedges_g"]) != NOT_TESTED).any())


def own_practices(prepared: Prepared, provider_id: str) -> pd.DataFrame:
    """The status rows of the practices that belong to the provider's own themes."""
    if not takehold.has_practices(prepared):
        return pd.DataFrame(columns=["practice", "theme", "category", "penetration"])
    rows = takehold.practice_rows(prepared, provider_id)
    mine = rows["theme"].isin(takehold.own_themes(prepared, provider_id))
    return rows[mine].reset_index(drop=True)


def _dropped(prepared: Prepared, provider_id: str, practices: pd.DataFrame) -> dict:
    """The waves at which each own practice, in use before and again now, was out of use
    (:func:`~strapetsi_lib.present.takehold_view.dropped_waves`; three waves or more)."""
    return {code: waves for code in practices["practice"]
            if (waves := takehold.dropped_waves(prepared, provider_id, code))}


def summary_facts(prepared: Prepared, provider_id: str) -> Summary:
    """Gather the facts of a provider's summary from the report's view functions.

    Parameters
    ----------
    prepared
        The dataset's prepared tables.
    provider_id
        The provider's Y-tunnus.

    Returns
    -------
    Summary
        Respondents and response rate at the provider's baseline and latest wave (None where
        suppressed; :mod:`strapetsi_lib.analysis.waves`), the roles shown at both waves whose
        number fell, its place per dimension at the latest wave, the findings ordered by
        standardised size (every clear change, and the largest strengths and areas, compared
        at the latest wave, up to :data:`MAX_FINDINGS` findings in all), how many strengths
        and areas are left out, the provider's own themes, their practices' status and the
        waves any of them was out of use.
    """
    first, latest = takehold.compared_waves(prepared, provider_id)
    respondents, rates = _response(prepared, provider_id)
    changes = _change_findings(prepared, provider_id)
    items = sorted(_network_findings(prepared, provider_id, latest), key=lambda f: -abs(f.size))
    # every clear change is told; strengths and areas fill the places left
    shown_items = items[:max(0, MAX_FINDINGS - len(changes))]
    findings = sorted(changes + shown_items, key=lambda f: -abs(f.size))
    practices = own_practices(prepared, provider_id)
    return Summary(provider_id=provider_id, first_wave=first, latest_wave=latest,
                   respondents=respondents, response_rates=rates,
                   roles_fell=_roles_fell(prepared, provider_id, first, latest)
                   if first != latest else [],
                   findings=findings, own_themes=takehold.own_themes(prepared, provider_id),
                   own_practices=practices,
                   changes_tested=_changes_tested(prepared, provider_id),
                   items_tested=compare_items(prepared, provider_id, latest).any_tested,
                   places=_places(prepared, provider_id, latest),
                   dropped=_dropped(prepared, provider_id, practices),
                   more_items=len(items) - len(shown_items),
                   previous_wave=takehold.previous_wave(prepared, provider_id))


# --------------------------------------------------------------------------- words


def _t(key: str, language: str, **values: str) -> str:
    """A summary text with its values HTML-escaped (names and statements come from files)."""
    return text(key, language, **{k: html.escape(str(v)) for k, v in values.items()})


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def _dimension(prepared: Prepared, code: str, language: str) -> str:
    return prepared.instrument.dimension(code).name[language]


def response_sentence(facts: Summary, prepared: Prepared, language: str) -> str:
    """Who answered the latest wave, how the response rate changed since the baseline, and the
    roles whose number fell."""
    first, latest = facts.first_wave, facts.latest_wave
    n_latest, rate_latest = facts.respondents[latest], facts.response_rates[latest]
    if n_latest is None:
        return _t("summary_too_few", language, n=prepared.min_group_size)
    values = {"wave": wave_phrase(prepared, latest, language, "to"), "n": n_latest}
    rate_first = facts.response_rates[first]
    if rate_latest is None:
        sentence = _capital(_t("summary_respondents", language, **values))
    elif first != latest and rate_first is not None:
        shown_before, shown_now = round(100 * rate_first), round(100 * rate_latest)
        key = ("summary_rate_fell" if shown_now < shown_before
               else "summary_rate_rose" if shown_now > shown_before else "summary_rate_same")
        sentence = _capital(_t("summary_respondents", language, **values)) + " " + _t(
            key, language, rate=percent(rate_latest, language),
            rate_number=number(100 * rate_latest, language, 0),
            rate_before_number=number(100 * rate_first, language, 0))
    else:
        sentence = _capital(_t("summary_respondents_rate", language, **values,
                               rate=percent(rate_latest, language)))
    since_previous = _rate_since_previous(facts, prepared, language)
    if since_previous:
        sentence += " " + since_previous
    if facts.roles_fell:
        # the groups' names as a list after a colon: a name from the instrument cannot be
        # inflected ("opettaja (380 → 234)")
        roles = [_t("summary_role_change", language,
                    role=role_label(prepared.instrument, role, language).lower(),
                    before=before, after=after) for role, before, after in facts.roles_fell]
        key = "summary_roles_fell_one" if len(roles) == 1 else "summary_roles_fell"
        sentence += " " + text(key, language, roles=and_list(roles, language))
    return sentence


def _rate_since_previous(facts: Summary, prepared: Prepared, language: str) -> str:
    """With three waves or more, how the response rate changed since the previous wave
    ("" when there is none, or either rate is hidden)."""
    previous, latest = facts.previous_wave, facts.latest_wave
    if previous is None or facts.response_rates.get(previous) is None \
            or facts.response_rates[latest] is None:
        return ""
    before, now = facts.response_rates[previous], facts.response_rates[latest]
    shown_before, shown_now = round(100 * before), round(100 * now)
    key = ("summary_rate_previous_fell" if shown_now < shown_before
           else "summary_rate_previous_rose" if shown_now > shown_before
           else "summary_rate_previous_same")
    return _t(key, language, wave=prepared.wave_label(previous, language),
              rate_before=percent(before, language), rate=percent(now, language))


def _quartile_words(quartile: int, language: str) -> str:
    return text(f"summary_quartile_{quartile}", language)


def position_sentence(facts: Summary, prepared: Prepared, language: str) -> str:
    """Where the provider stands among the network's providers at the latest wave: the
    quartile of every ranked dimension in words ("lowest quartile on all six areas"), or a
    short list by quartile from the highest down (HTML); "" when no dimension is ranked."""
    places = facts.places.dropna(subset=["quartile"])
    if places.empty:
        return ""
    wave = wave_phrase(prepared, facts.latest_wave, language, "in")
    quartiles = sorted(set(places["quartile"].astype(int)), reverse=True)
    total = len(prepared.instrument.dimension_codes)
    if len(quartiles) == 1 and len(places) == total and total > 1:
        count = count_word(total, language, "adessive") or str(total)
        return "<p>" + _capital(_t("summary_position_all", language, wave=wave,
                                   quartile=_quartile_words(quartiles[0], language),
                                   count=count)) + "</p>"
    parts = []
    for quartile in quartiles:
        names = [_dimension(prepared, d, language)
                 for d in places.loc[places["quartile"] == quartile, "dimension"]]
        parts.append(text("summary_position_part", language,
                          quartile=_quartile_words(quartile, language),
                          dimensions=and_list([html.escape(n) for n in names], language)))
    items = "".join(f"<li>{part}</li>" for part in parts)
    return (f"<p>{_capital(_t('summary_position', language, wave=wave))}</p>"
            f"<ul class=\"strapetsi-position\">{items}</ul>")


def _percentile_words(finding: Finding, language: str) -> str:
    """``persentiili 19 → 35`` (baseline and latest) or ``persentiili 35``."""
    now = number(finding.percentile, language, 0)
    if finding.percentile_before is None:
        return text("summary_percentile", language, percentile=now)
    return text("summary_percentile_moved", language, percentile=now,
                before=number(finding.percentile_before, language, 0))


def _position_clause(finding: Finding, language: str) -> str:
    """Where a changed dimension stands now: "yet still in the lowest quartile" after an
    improvement there (and "still in the highest" after a decline), otherwise "and is now
    in …"; "" where it is not ranked."""
    if finding.quartile is None:
        return ""
    contrast = (finding.better and finding.quartile == LOWEST) or (
        not finding.better and finding.quartile == HIGHEST)
    return text("summary_position_contrast" if contrast else "summary_position_plain",
                language, quartile=_quartile_words(finding.quartile, language),
                percentile=_percentile_words(finding, language))


def _reversed_flavour(finding: Finding) -> str:
    """For a negatively worded statement, which way its agreement goes: ``more`` agree with it
    than in the network, or ``fewer`` (its mean is reversed: a higher mean is fewer
    agreeing)."""
    return "fewer" if (finding.value > finding.reference) else "more"


def effect_size(g: float, language: str) -> str:
    """The standardised size that makes a change clear, as the change table names it:
    ``Hedgesin g = 0,45``."""
    return str(text("summary_effect_size", language,
                    g=number(g, language, EFFECT_DECIMALS)))


def _step_sentence(finding: Finding, facts: Summary, prepared: Prepared, language: str) -> str:
    """The change since the previous wave beside a clear change since the baseline (three
    waves or more), clear or not; "" without one."""
    if finding.step is None or finding.step_only or facts.previous_wave is None:
        return ""
    key = "summary_step_clear" if finding.step_clear else "summary_step"
    return " " + _t(key, language, wave=prepared.wave_label(facts.previous_wave, language),
                    change=number(finding.step, language, CHANGE_DECIMALS, signed=True),
                    size=effect_size(finding.step_size, language))


def finding_sentence(finding: Finding, facts: Summary, prepared: Prepared, language: str) -> str:
    """One finding in words, with the numbers that make it a finding: a change with its size
    (Hedges' g), where its dimension stands now and its change since the previous wave; a
    statement with its mean beside the network's (a negatively worded one saying whether more
    or fewer agree with it than in the network, one of a dimension where a lower score is
    better saying so)."""
    if finding.kind.startswith("change"):
        # where a lower score is better, a rise is a worsening and a fall an improvement
        key = f"summary_finding_{finding.kind}" + (
            "" if finding.higher_is_better
            else "_worse" if finding.kind == "change_up" else "_better")
        if finding.step_only:
            key = "summary_finding_step_" + ("better" if finding.better else "worse")
        moved = text("summary_mean_rose" if finding.value > 0 else "summary_mean_fell",
                     language, amount=number(abs(finding.value), language, CHANGE_DECIMALS))
        return _t(key, language, dimension=_dimension(prepared, finding.subject, language),
                  amount=number(abs(finding.value), language, CHANGE_DECIMALS),
                  moved=moved, size=effect_size(finding.size, language),
                  wave=prepared.wave_label(facts.previous_wave or facts.first_wave, language),
                  position=_position_clause(finding, language)) + _step_sentence(
                      finding, facts, prepared, language)
    key = f"summary_finding_{finding.kind}" + (
        f"_reversed_{_reversed_flavour(finding)}" if finding.reverse
        else "" if finding.higher_is_better else "_lower_better")
    return _t(key, language, statement=prepared.instrument.item(finding.subject).text[language],
              mean=number(finding.value, language, MEAN_DECIMALS),
              network=number(finding.reference, language, MEAN_DECIMALS),
              wave=prepared.wave_label(finding.wave or facts.latest_wave, language),
              **scale_sides(prepared.instrument, language))


def more_items_sentence(facts: Summary, language: str) -> str:
    """How many strengths and areas the findings leave out, and where they are ("" when
    none is)."""
    if not facts.more_items:
        return ""
    key = "summary_more_items_one" if facts.more_items == 1 else "summary_more_items"
    return _t(key, language, n=count_word(facts.more_items, language) or str(facts.more_items),
              section=text("strengths_heading", language))


def no_findings_sentence(facts: Summary, language: str) -> str:
    """What the summary says without findings: for changes and for items, that none is clear
    where they were tested, and that they could not be tested where they were not."""
    parts = []
    if facts.changes_tested is not None:
        parts.append(_t("summary_no_clear_changes" if facts.changes_tested
                        else "summary_changes_not_tested", language))
    parts.append(_t("summary_no_clear_items" if facts.items_tested
                    else "summary_items_not_tested", language))
    return " ".join(parts)


def _ours(facts: Summary, language: str) -> dict[str, str]:
    """The provider's own theme or themes, as the practice sentences name them (``ours``:
    "oman kehittämiskokonaisuutemme", "våra egna utvecklingshelheter")."""
    return {"ours": str(text("summary_ours_one" if len(facts.own_themes) == 1
                             else "summary_ours_many", language))}


def _status_words(facts: Summary, row, prepared: Prepared, language: str) -> str:
    """A practice's status in the list, with the waves it was out of use in between."""
    status = text(f"status_{row.category}", language).lower()
    dropped = facts.dropped.get(row.practice)
    if dropped:
        status = text("summary_status_dropped", language, status=status,
                      waves=", ".join(prepared.wave_label(w, language) for w in dropped))
    return str(status)


def practices_sentence(facts: Summary, prepared: Prepared, language: str) -> str:
    """Whether the practices of the provider's own themes took hold: how many of them, each
    with its status (and its path where it was out of use in between)."""
    if not takehold.has_practices(prepared) or not prepared.instrument.themes:
        return ""  # no practices, or none belongs to a theme of the provider's own
    if not facts.own_themes:
        return _t("summary_no_own_themes", language)
    rows = facts.own_practices
    if rows.empty:
        return _capital(_t("summary_own_no_practices", language, **_ours(facts, language)))
    names = {row.practice: prepared.instrument.practice(row.practice).name[language]
             for row in rows.itertuples()}
    if len(rows) == 1:
        row = next(rows.itertuples())
        return _capital(_t(f"summary_own_only_practice_{row.category}", language,
                  **_ours(facts, language), practice=names[row.practice],
                  dropped=(text("summary_only_dropped", language,
                                waves=", ".join(prepared.wave_label(w, language)
                                                for w in facts.dropped[row.practice]))
                           if row.practice in facts.dropped else "")))
    held, total = int(rows["category"].isin(TAKEN_HOLD).sum()), len(rows)
    key = ("summary_own_practices_both" if held == total == 2
           else "summary_own_practices_all" if held == total
           else "summary_own_practices_none" if held == 0
           else "summary_own_practices_one" if held == 1 else "summary_own_practices")
    # "kaikki viisi toimintatapaa", but "viidestä toimintatavasta neljä"
    case = "nominative" if held == total else "elative"
    counts = {"held": count_word(held, language) or str(held),
              "total": count_word(total, language, case) or str(total)}
    parts = [_t("summary_practice_status", language, practice=names[row.practice],
                status=_status_words(facts, row, prepared, language))
             for row in rows.itertuples()]
    opening = _t(key, language, **_ours(facts, language), **counts)
    return _capital(opening) + " " + "; ".join(parts) + "."


# --------------------------------------------------------------------------- questions


class _Asker:
    """Hands out each kind's wordings in turn, so that no wording is used twice."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def ask(self, kind: str, fact: str, language: str) -> Question | None:
        """The question of ``fact`` in the next wording of ``kind``; None when every wording
        of the kind is already used."""
        k = self.used.get(kind, 0) + 1
        if k > ASK_WORDINGS[kind]:
            return None
        self.used[kind] = k
        wording = f"summary_ask_{kind}_{k}"
        return Question(wording, f"{fact} {_t(wording, language)}")


def _finding_question(finding: Finding, prepared: Prepared, language: str,
                      asker: _Asker) -> Question | None:
    """The question of a finding: the fact with its number, then a wording of its kind."""
    if finding.kind.startswith("change"):
        name = _dimension(prepared, finding.subject, language)
        moved = text("summary_mean_rose" if finding.value > 0 else "summary_mean_fell", language,
                     amount=number(abs(finding.value), language, CHANGE_DECIMALS))
        fact = _t("summary_fact_better" if finding.better else "summary_fact_worse", language,
                  dimension=name, moved=moved)
        return asker.ask("better" if finding.better else "worse", fact, language)
    key = (f"summary_fact_reversed_{_reversed_flavour(finding)}" if finding.reverse
           else "summary_fact_strength" if finding.better else "summary_fact_area")
    fact = _t(key, language, statement=prepared.instrument.item(finding.subject).text[language],
              mean=number(finding.value, language, MEAN_DECIMALS),
              network=number(finding.reference, language, MEAN_DECIMALS),
              **scale_sides(prepared.instrument, language))
    return asker.ask("strength" if finding.better else "area", fact, language)


def _position_questions(facts: Summary, prepared: Prepared, language: str,
                        asker: _Asker) -> tuple[Question | None, Question | None]:
    """A question on the lowest-ranked dimension in the lowest quartile and one on the
    highest-ranked in the highest, each with its percentile; dimensions the findings already
    ask about are passed over."""
    asked = {f.subject for f in facts.findings}
    places = facts.places.dropna(subset=["quartile"])
    places = places[~places["dimension"].isin(asked)]
    out = []
    for quartile, kind, pick in ((LOWEST, "position_low", "idxmin"),
                                 (HIGHEST, "position_high", "idxmax")):
        candidates = places[places["quartile"] == quartile]
        if candidates.empty:
            out.append(None)
            continue
        row = candidates.loc[getattr(candidates["percentile"], pick)()]
        fact = _t(f"summary_fact_{kind}", language,
                  dimension=_dimension(prepared, row["dimension"], language),
                  percentile=number(row["percentile"], language, 0))
        out.append(asker.ask(kind, fact, language))
    return out[0], out[1]


def _practice_questions(facts: Summary, prepared: Prepared, language: str,
                        asker: _Asker) -> list[Question]:
    """Questions on the own practices: those out of use in between first, then those not
    yet taken hold, each with the share that decides its next status."""
    questions = []
    rows = facts.own_practices
    instrument = prepared.instrument
    rules = instrument.takehold_rules if instrument.practices else {}
    for row in rows.itertuples():
        if row.practice not in facts.dropped:
            continue
        fact = _t("summary_fact_dropped", language,
                  practice=instrument.practice(row.practice).name[language],
                  status=text(f"status_{row.category}", language).lower(),
                  waves=", ".join(prepared.wave_label(w, language)
                                  for w in facts.dropped[row.practice]))
        questions.append(asker.ask("dropped", fact, language))
    for row in rows.itertuples():
        if row.category in TAKEN_HOLD or row.category == takehold.TOO_FEW \
                or row.practice in facts.dropped:
            continue
        # the share its next status asks for: in use for one not in use, routine use above
        measure, level = (("in_use", rules["use_level"]) if row.category == takehold.NOT_IN_USE
                          else ("penetration", rules["routine_level"]))
        fact = _capital(_t(f"summary_fact_practice_{row.category}", language,
                  practice=instrument.practice(row.practice).name[language],
                  **_ours(facts, language),
                  share=takehold.measure_text(measure, getattr(row, measure), prepared,
                                              language),
                  label=instrument.use_scale.label(level, language)))
        questions.append(asker.ask("practice", fact, language))
    return [q for q in questions if q is not None]


def questions(facts: Summary, prepared: Prepared, language: str) -> list[Question]:
    """Three to five questions for the team, each with the fact and number it rests on, no
    wording twice: one per finding first, then the response rate, the dimension ranked
    lowest, the own practices that were out of use in between or have not taken hold, the
    dimension ranked highest, and general questions (which rest on no number) only to make
    up three."""
    asker = _Asker()
    asked = [_finding_question(f, prepared, language, asker) for f in facts.findings]
    first, latest = facts.first_wave, facts.latest_wave
    before, after = facts.response_rates[first], facts.response_rates[latest]
    if first != latest and before is not None and after is not None \
            and round(100 * after) < round(100 * before):
        fact = _t("summary_fact_response", language,
                  rate_before_number=number(100 * before, language, 0),
                  rate_number=number(100 * after, language, 0))
        asked.append(asker.ask("response", fact, language))
    low, high = _position_questions(facts, prepared, language, asker)
    asked += [low, *_practice_questions(facts, prepared, language, asker), high]
    chosen = [q for q in asked if q is not None][:MAX_QUESTIONS]
    for key in ("summary_question_general_surprise", "summary_question_general_next",
                "summary_question_general_share"):
        if len(chosen) >= MIN_QUESTIONS:
            break
        chosen.append(Question(key, _t(key, language)))
    return chosen


def discussion_questions(facts: Summary, prepared: Prepared, language: str) -> list[str]:
    """The words of :func:`questions`."""
    return [q.words for q in questions(facts, prepared, language)]


def summary_html(facts: Summary, prepared: Prepared, language: str) -> str:
    """The summary's body as HTML (the notebook adds the heading): who answered, where the
    provider stands, the findings, the own themes' practices and the discussion questions.
    Data values are escaped."""
    parts = [f"<p>{response_sentence(facts, prepared, language)}</p>"]
    if facts.respondents[facts.latest_wave] is None:
        # too few answers in every wave: nothing else to tell or ask about
        return "<div class=\"strapetsi-summary\">" + "".join(parts) + "</div>"
    parts.append(position_sentence(facts, prepared, language))
    instrument = prepared.instrument
    intro = _t("summary_findings_intro", language, scale=scale_span(instrument),
               direction=direction_note(instrument, language))
    parts.append(f"<p>{intro}</p>")
    if facts.findings:
        items = "".join(f"<li>{finding_sentence(f, facts, prepared, language)}</li>"
                        for f in facts.findings)
        parts.append(f"<ol class=\"strapetsi-findings\">{items}</ol>")
        more = more_items_sentence(facts, language)
        if more:
            parts.append(f"<p>{more}</p>")
    else:
        parts.append(f"<p>{no_findings_sentence(facts, language)}</p>")
    practices = practices_sentence(facts, prepared, language)
    if practices:
        parts.append(f"<p>{practices}</p>")
    asked = "".join(f"<li>{q}</li>" for q in discussion_questions(facts, prepared, language))
    parts.append(f"<p><strong>{_t('summary_questions_intro', language)}</strong></p>")
    parts.append(f"<ol class=\"strapetsi-questions\">{asked}</ol>")
    return "<div class=\"strapetsi-summary\">" + "".join(parts) + "</div>"
