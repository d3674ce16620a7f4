"""The words a report takes from its instrument and dataset: titles, the survey's name, the
scale, which way is better, role and theme names.

A report speaks of the survey it was made from: its titles and opening words are the
instrument's own (its ``report_texts``) or plain ones built from the instrument's ``title``
(:func:`survey_text`), a follow-up report's title names the years of its waves
(:func:`period`), and every sentence, axis and alternative text that states the scale states
the instrument's (:func:`scale_span`), saying which way is better where a dimension declares
that a lower score is the better one (:func:`best_note`, :func:`direction_note`). Nothing here
names an item, a scale or a dimension of any instrument.
"""

from __future__ import annotations

import re

from strapetsi_lib.ingest.instrument import Instrument
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import Text, and_list, text

__all__ = ["agreeing_is_better", "best_note", "change_note", "direction_note",
           "item_higher_is_better", "items_note",
           "period", "report_title", "role_label", "scale_labels", "scale_sides", "scale_span",
           "statement_text", "survey_text", "theme_name", "wave_phrase", "wave_short_label",
           "wave_span", "wave_years", "waves_named"]

#: A year as wave labels write it ("Seuranta 2025", "Kevät 2026").
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


def survey_text(instrument: Instrument, key: str, language: str, /, default: str | None = None,
                **values) -> Text:
    """The instrument's own words for ``key`` (its ``report_texts``), else the package's.

    Parameters
    ----------
    instrument
        The report's instrument.
    key
        A key of the instrument's ``report_texts`` (see
        :data:`strapetsi_lib.ingest.instrument_spec.REPORT_TEXT_PLACEHOLDERS`).
    language
        The report's language.
    default
        The package's text used when the instrument has none (``survey_<key>`` unless given);
        it may use ``{survey}``, the instrument's title.
    **values
        The placeholders' values.

    Returns
    -------
    Text
        The words. An instrument's text is data, as its item texts are: it is shown as written,
        never read as Markdown.
    """
    own = instrument.report_texts.get(key)
    if own is not None:
        return Text("{words}", {"words": own[language].format(**values)})
    return text(default or f"survey_{key}", language, survey=instrument.title[language],
                **values)


def period(prepared: Prepared, language: str) -> str:
    """The years the report covers, from the first and the latest wave's labels: ``2024–2025``
    (``2025`` when both name the same year). Where a label names no year, the two labels
    themselves: ``Syksy – Kevät``."""
    first = prepared.wave_label(prepared.wave_ids[0], language)
    latest = prepared.wave_label(prepared.wave_ids[-1], language)
    years = [_YEAR.search(label) for label in (first, latest)]
    if all(years):
        start, end = (match.group(0) for match in years)
        return start if start == end else f"{start}\u2013{end}"
    return f"{first} \u2013 {latest}"


def wave_years(prepared: Prepared, language: str) -> dict[str, str] | None:
    """Each wave's year as its label names it (``{"baseline": "2024", ...}``), or None unless
    every wave's label names a year and no two the same: only then does a year alone tell
    the waves apart."""
    years = {}
    for wave in prepared.wave_ids:
        match = _YEAR.search(prepared.wave_label(wave, language))
        if match is None:
            return None
        years[wave] = match.group(0)
    return years if len(set(years.values())) == len(years) else None


def wave_short_label(prepared: Prepared, wave: str, language: str) -> str:
    """A wave's name where room is short (a figure's axis): its year when the years tell the
    waves apart (:func:`wave_years`), else its label."""
    years = wave_years(prepared, language)
    return years[wave] if years else prepared.wave_label(wave, language)


def wave_span(prepared: Prepared, before: str, after: str, language: str) -> str:
    """Two waves compared, short: their years (``2024–2025``) where the years tell the waves
    apart, else their labels (``Syksy – Kevät``)."""
    first, last = (wave_short_label(prepared, w, language) for w in (before, after))
    return f"{first}\u2013{last}" if wave_years(prepared, language) else f"{first} \u2013 {last}"


#: The forms a wave takes in a sentence (Finnish cases; Swedish writes one form and the
#: sentence its preposition): answered *to* it, figures *from* it, a share *in* it.
WAVE_FORMS = ("to", "from", "in")


def wave_phrase(prepared: Prepared, wave: str, language: str, form: str) -> str:
    """A wave as running text names it: the survey round and the dataset's own label for it
    ("kyselykierrokseen Kysely 2024", "enkätomgången Kysely 2024").

    The label is the dataset's free text, so it is never inflected nor called a baseline or a
    follow-up: the head noun before it takes the case the sentence needs, and the label
    follows as a name, capitalised as the dataset writes it.

    Parameters
    ----------
    form
        One of :data:`WAVE_FORMS` (the Finnish case: illative, elative, inessive). A sentence
        that begins with it is started with a capital letter by
        :func:`~strapetsi_lib.present.i18n.sentence_start`.
    """
    if form not in WAVE_FORMS:
        raise ValueError(f"form must be one of {WAVE_FORMS}, got {form!r}")
    return str(text(f"wave_label_{form}", language, wave=prepared.wave_label(wave, language)))


def waves_named(prepared: Prepared, waves: list[str], language: str) -> Text:
    """Survey rounds in running text, as a sentence says *in* them: the head noun in the
    singular or plural and the dataset's labels joined as the language joins them
    ("kyselykierroksella Kysely 2024", "kyselykierroksilla Kysely 2024 ja Kysely 2025",
    "enkätomgångarna Kysely 2024 och Kysely 2025")."""
    labels = [prepared.wave_label(wave, language) for wave in waves]
    return text("waves_named_one" if len(labels) == 1 else "waves_named_many", language,
                waves=and_list(labels, language))


def report_title(prepared: Prepared, provider: str, language: str) -> Text:
    """A provider report's title: a baseline-only report's, or the follow-up's with its years."""
    instrument = prepared.instrument
    if len(prepared.wave_ids) > 1:
        return survey_text(instrument, "provider_title_followup", language, provider=provider,
                           period=period(prepared, language))
    return survey_text(instrument, "provider_title", language, provider=provider)


def scale_span(instrument: Instrument) -> str:
    """The dimensions' scale as a range: ``1–5``."""
    return instrument.score_scale.span()


def scale_labels(instrument: Instrument, language: str) -> dict[str, str]:
    """The scale's ends and their labels, for a sentence: ``low``, ``high``, ``low_label``,
    ``high_label`` (labels in lower case, as they read inside a sentence)."""
    scale = instrument.score_scale

    def inside(label: str) -> str:
        return label[:1].lower() + label[1:]

    return {"low": str(scale.min), "high": str(scale.max),
            "low_label": inside(scale.label(scale.min, language)),
            "high_label": inside(scale.label(scale.max, language))}


def scale_sides(instrument: Instrument, language: str) -> dict[str, str]:
    """How the sentences quote the answers either side of the dimensions' scale's middle:
    ``low_side`` and ``high_side`` ("eri mieltä", "samaa mieltä"), the scale's own words
    (:meth:`~strapetsi_lib.ingest.instrument.Scale.side`), so a report says "agree" only of a
    scale whose answers are agreement."""
    scale = instrument.score_scale
    return {"low_side": scale.side("low", language), "high_side": scale.side("high", language)}


def _lower_names(instrument: Instrument, language: str) -> Text:
    return and_list([instrument.dimension(code).name[language]
                     for code in instrument.lower_is_better], language)


def best_note(instrument: Instrument, language: str) -> Text:
    """Which end of the scale is best: ``5 = paras``, or with a dimension where a lower score
    is better ``6 = paras; Kuormitus: 1 = paras``."""
    scale = instrument.score_scale
    if not instrument.lower_is_better:
        return text("scale_best", language, high=scale.max)
    return text("scale_best_mixed", language, high=scale.max, low=scale.min,
                lower=_lower_names(instrument, language))


def _mixed(key: str, instrument: Instrument, language: str, **values) -> Text:
    """``key``'s ``_mixed_one`` or ``_mixed_many`` form, naming the lower-is-better areas."""
    form = "one" if len(instrument.lower_is_better) == 1 else "many"
    return text(f"{key}_mixed_{form}", language, lower=_lower_names(instrument, language),
                **values)


def direction_note(instrument: Instrument, language: str) -> Text:
    """Which way is better, as a clause: ``suurempi luku on aina parempi``, or naming the
    dimensions where a lower score is better."""
    if not instrument.lower_is_better:
        return text("direction_higher", language)
    return _mixed("direction", instrument, language)


def change_note(instrument: Instrument, language: str) -> Text:
    """What a positive change means, as a clause (an improvement, except where a lower score
    is better)."""
    if not instrument.lower_is_better:
        return text("change_positive", language)
    return _mixed("change_positive", instrument, language)


def items_note(instrument: Instrument, language: str) -> Text | None:
    """How the statements of dimensions where a lower score is better read in the answers'
    chart; ``None`` when there are none."""
    if not instrument.lower_is_better:
        return None
    return _mixed("items_lower", instrument, language, **scale_sides(instrument, language))


def statement_text(instrument: Instrument, item: str, language: str) -> str:
    """A statement's wording as a report lists it outside the chart of answers: a
    reverse-keyed (negatively worded) statement says that its mean is reversed, so that a
    high mean beside "we have no time for it" is not read as agreement (in the words of the
    scale's high side, :func:`scale_sides`); one of a dimension where a lower score is better
    says so, so that a low mean is not read as a weakness."""
    wording = instrument.item(item).text[language]
    if instrument.item(item).reverse:
        return str(text("statement_reversed", language, statement=wording,
                        **scale_sides(instrument, language)))
    if not item_higher_is_better(instrument, item):
        return str(text("statement_lower_better", language, statement=wording))
    return wording


def item_higher_is_better(instrument: Instrument, item: str) -> bool:
    """Whether a higher mean of a statement, or agreeing with it, is the better answer: its
    dimension's direction (a statement in no dimension reads higher as better)."""
    dimension = instrument.item(item).dimension
    return dimension is None or instrument.higher_is_better(dimension)


def agreeing_is_better(instrument: Instrument, item: str) -> bool:
    """Whether the high side of a statement's answers, as given (not reversed), is the better
    answer: its mean's direction (:func:`item_higher_is_better`), turned round for a
    reverse-keyed (negatively worded) statement, whose mean is of the reversed answers."""
    return item_higher_is_better(instrument, item) != instrument.item(item).reverse


def role_label(instrument: Instrument, role: str, language: str) -> str:
    """A role's name in the report's language (the instrument's declaration)."""
    return instrument.role(role).label[language]


def theme_name(instrument: Instrument, theme: str, language: str) -> str:
    """A development theme's name in the report's language (the instrument's declaration)."""
    return instrument.theme(theme).name[language]
