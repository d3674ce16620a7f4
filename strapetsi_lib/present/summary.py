"""The report's first page: who answered, what matters most, and questions for the team.

A leadership team reads the summary first, so every fact in it is taken from the same view
functions the rest of the report shows (:mod:`~strapetsi_lib.present.provider_view`,
:mod:`~strapetsi_lib.present.takehold_view`), with their suppression already applied: nothing is
recomputed here and no group under the minimum size can appear. :func:`summary_facts` gathers the
facts as numbers; :func:`summary_html` words them in the report's language with the templates of
``texts/summary_texts.yml``.

Which findings matter most. Candidates are the clear changes since the baseline and the items
that differ clearly from the network (the report's strengths and areas to develop), both by the
one rule of :func:`~strapetsi_lib.analysis.stats.verdict`: statistically certain after the
Benjamini–Hochberg adjustment and at least ``MIN_CLEAR_EFFECT`` in size. Both are measured on
the same standardised scale (Hedges' g for a change, the difference in network standard
deviations for an item), so they are ranked together by size and the :data:`MAX_FINDINGS`
largest are shown. When there is none, the summary says so only about what was tested: a
provider whose changes or items could not be tested (too few answers) is not told that
nothing changed clearly.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from strapetsi_lib.analysis.stats import NOT_TESTED, is_clear, verdict
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present import provider_view as view
from strapetsi_lib.present import takehold_view as takehold
from strapetsi_lib.present.comparisons import compare_items
from strapetsi_lib.present.i18n import number, percent, text
from strapetsi_lib.present.survey_words import direction_note, role_label, scale_span, theme_name

__all__ = ["Finding", "Summary", "summary_facts", "summary_html"]

#: How many findings the summary names.
MAX_FINDINGS = 3
#: Fewest and most discussion questions.
MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
#: Statuses that mean a practice has taken hold.
TAKEN_HOLD = ("embedded", "adopting")


@dataclass(frozen=True)
class Finding:
    """One finding of the summary.

    ``kind`` is ``change_up``/``change_down`` (a dimension's mean rose or fell clearly since the
    baseline) or ``above_network``/``below_network`` (an item is clearly better or worse than
    the network: a strength or an area to develop); ``subject`` the dimension or item code;
    ``size`` the standardised effect (Hedges' g or the standardised difference, signed);
    ``value`` the change in points or the provider's mean; ``reference`` the network mean for
    an item (NaN for a change); ``wave`` the wave an item's comparison describes (the
    provider's baseline); ``higher_is_better`` whether a rise is an improvement (False for a
    dimension where a lower score is better).
    """

    kind: str
    subject: str
    size: float
    value: float
    reference: float = float("nan")
    wave: str | None = None
    higher_is_better: bool = True

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
    """Items that differ clearly from the network: the report's strengths and areas."""
    strengths, areas = view.strengths_and_areas(prepared, provider_id, wave)
    findings = []
    for kind, items in (("above_network", strengths), ("below_network", areas)):
        findings += [Finding(kind, row.item, float(row.std_diff), float(row.mean),
                             float(row.network_mean), wave) for row in items.itertuples()]
    return findings


def _change_findings(prepared: Prepared, provider_id: str) -> list[Finding]:
    """Dimensions that changed clearly since the baseline (none when not shown)."""
    if not takehold.has_takehold(prepared):
        return []
    findings = []
    for row in takehold.change_rows(prepared, provider_id).itertuples():
        if row.suppressed or pd.isna(row.estimate) or not is_clear(row.p_adjusted,
                                                                     row.hedges_g):
            continue
        kind = "change_up" if row.estimate > 0 else "change_down"
        findings.append(Finding(kind, row.dimension, float(row.hedges_g), float(row.estimate),
                                higher_is_better=prepared.instrument.higher_is_better(
                                    row.dimension)))
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
        number fell, up to :data:`MAX_FINDINGS` findings ordered by standardised size, the
        provider's own themes and their practices' status.
    """
    first, latest = takehold.compared_waves(prepared, provider_id)
    respondents, rates = _response(prepared, provider_id)
    candidates = (_change_findings(prepared, provider_id)
                  + _network_findings(prepared, provider_id, first))
    findings = sorted(candidates, key=lambda f: -abs(f.size))[:MAX_FINDINGS]
    return Summary(provider_id=provider_id, first_wave=first, latest_wave=latest,
                   respondents=respondents, response_rates=rates,
                   roles_fell=_roles_fell(prepared, provider_id, first, latest)
                   if first != latest else [],
                   findings=findings, own_themes=takehold.own_themes(prepared, provider_id),
                   own_practices=own_practices(prepared, provider_id),
                   changes_tested=_changes_tested(prepared, provider_id),
                   items_tested=compare_items(prepared, provider_id, first).any_tested)


# --------------------------------------------------------------------------- words


def _t(key: str, language: str, **values: str) -> str:
    """A summary text with its values HTML-escaped (names and statements come from files)."""
    return text(key, language, **{k: html.escape(str(v)) for k, v in values.items()})


def _subject_name(finding: Finding, prepared: Prepared, language: str) -> str:
    instrument = prepared.instrument
    if finding.kind.startswith("change"):
        return instrument.dimension(finding.subject).name[language]
    return instrument.item(finding.subject).text[language]


def response_sentence(facts: Summary, prepared: Prepared, language: str) -> str:
    """Who answered: respondents and response rate, its change, and the roles that fell."""
    first, latest = facts.first_wave, facts.latest_wave
    n_latest, rate_latest = facts.respondents[latest], facts.response_rates[latest]
    if n_latest is None:
        return _t("summary_too_few", language, n=prepared.min_group_size)
    values = {"wave": prepared.wave_label(latest, language), "n": n_latest}
    rate_first = facts.response_rates[first]
    if rate_latest is None:
        sentence = _t("summary_respondents", language, **values)
    elif first != latest and rate_first is not None:
        key = ("summary_rate_fell" if round(rate_latest, 2) < round(rate_first, 2)
               else "summary_rate_rose" if round(rate_latest, 2) > round(rate_first, 2)
               else "summary_rate_same")
        sentence = _t(key, language, **values, rate=percent(rate_latest, language),
                      rate_before=percent(rate_first, language),
                      wave_before=prepared.wave_label(first, language))
    else:
        sentence = _t("summary_respondents_rate", language, **values,
                      rate=percent(rate_latest, language))
    if facts.roles_fell:
        roles = ", ".join(_t("summary_role_change", language,
                             role=role_label(prepared.instrument, role, language).lower(),
                             before=before,
                             after=after) for role, before, after in facts.roles_fell)
        sentence += " " + _t("summary_roles_fell", language) + " " + roles + "."
    return sentence


def finding_sentence(finding: Finding, prepared: Prepared, language: str) -> str:
    """One finding in words, with the number that makes it a finding."""
    name = _subject_name(finding, prepared, language)
    if finding.kind.startswith("change"):
        # where a lower score is better, a rise is a worsening and a fall an improvement
        key = f"summary_finding_{finding.kind}" + (
            "" if finding.higher_is_better
            else "_worse" if finding.kind == "change_up" else "_better")
        return _t(key, language, dimension=name, amount=number(abs(finding.value), language, 2))
    return _t(f"summary_finding_{finding.kind}", language, statement=name,
              mean=number(finding.value, language),
              network=number(finding.reference, language),
              wave=prepared.wave_label(finding.wave or view.baseline_wave(prepared), language))


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


def practices_sentence(facts: Summary, prepared: Prepared, language: str) -> str:
    """Whether the practices of the provider's own themes took hold."""
    if not takehold.has_practices(prepared) or not prepared.instrument.themes:
        return ""  # no practices, or none belongs to a theme of the provider's own
    if not facts.own_themes:
        return _t("summary_no_own_themes", language)
    themes = ", ".join(theme_name(prepared.instrument, theme, language)
                       for theme in facts.own_themes)
    rows = facts.own_practices
    if rows.empty:
        return _t("summary_own_no_practices", language, themes=themes)
    parts = []
    for row in rows.itertuples():
        name = prepared.instrument.practice(row.practice).name[language]
        status = text(f"status_{row.category}", language).lower()
        parts.append(_t("summary_practice_status", language, practice=name, status=status))
    held = int(rows["category"].isin(TAKEN_HOLD).sum())
    return _t("summary_own_practices", language, themes=themes, held=held,
              total=len(rows)) + " " + "; ".join(parts) + "."


def discussion_questions(facts: Summary, prepared: Prepared, language: str) -> list[str]:
    """Three to five questions for the team, one per finding first, then the response rate,
    the own practices that have not taken hold, and general questions to make up three."""
    questions = []
    for finding in facts.findings:
        name = _subject_name(finding, prepared, language)
        if finding.kind.startswith("change"):  # improved or weakened, whichever way that is
            key = "summary_question_change_up" if finding.better else "summary_question_change_down"
            questions.append(_t(key, language, dimension=name))
        else:
            questions.append(_t(f"summary_question_{finding.kind}", language, statement=name))
    first, latest = facts.first_wave, facts.latest_wave
    before, after = facts.response_rates[first], facts.response_rates[latest]
    if first != latest and before is not None and after is not None \
            and round(after, 2) < round(before, 2):
        questions.append(_t("summary_question_response", language,
                            rate_before=percent(before, language),
                            rate=percent(after, language)))
    for row in facts.own_practices.itertuples():
        if row.category in TAKEN_HOLD or row.category == "too_few_responses":
            continue
        questions.append(_t("summary_question_practice", language,
                            practice=prepared.instrument.practice(row.practice).name[language],
                            status=text(f"status_{row.category}", language).lower()))
    for key in ("summary_question_general_surprise", "summary_question_general_next",
                "summary_question_general_share"):
        if len(questions) >= MIN_QUESTIONS:
            break
        questions.append(_t(key, language))
    return questions[:MAX_QUESTIONS]


def summary_html(facts: Summary, prepared: Prepared, language: str) -> str:
    """The summary's body as HTML (the notebook adds the heading): who answered, the findings,
    the own themes' practices and the discussion questions. Data values are escaped."""
    parts = [f"<p>{response_sentence(facts, prepared, language)}</p>"]
    instrument = prepared.instrument
    intro = _t("summary_findings_intro", language, scale=scale_span(instrument),
               direction=direction_note(instrument, language))
    parts.append(f"<p>{intro}</p>")
    if facts.findings:
        items = "".join(f"<li>{finding_sentence(f, prepared, language)}</li>"
                        for f in facts.findings)
        parts.append(f"<ol class=\"strapetsi-findings\">{items}</ol>")
    else:
        parts.append(f"<p>{no_findings_sentence(facts, language)}</p>")
    practices = practices_sentence(facts, prepared, language)
    if practices:
        parts.append(f"<p>{practices}</p>")
    questions = "".join(f"<li>{q}</li>" for q in discussion_questions(facts, prepared, language))
    parts.append(f"<p><strong>{_t('summary_questions_intro', language)}</strong></p>")
    parts.append(f"<ol class=\"strapetsi-questions\">{questions}</ol>")
    return "<div class=\"strapetsi-summary\">" + "".join(parts) + "</div>"
