"""The development-discussion section of a provider report: words and a table.

Selects one provider's rows of the prepared ``discussion_shares`` table (computed by
:func:`strapetsi_lib.analysis.devdisc.discussion_shares`, hidden groups already decided) and
puts them into the report's language. Nothing is computed here.
"""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.devdisc import ALL_STAFF
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import hidden_label, or_list, sentence_start, shown_share, text
from strapetsi_lib.present.survey_words import role_label, wave_phrase, wave_short_label

TABLE = "discussion_shares"


def has_discussions(prepared: Prepared) -> bool:
    """Whether the instrument declares the development-discussion item the section needs."""
    return prepared.instrument.development_discussion is not None and TABLE in prepared.tables


def discussion_rows(prepared: Prepared, provider_id: str, wave: str) -> pd.DataFrame:
    """One provider's rows of the table at a wave, by role and all staff (index), as decided
    by the disclosure layer (NaN answers where hidden)."""
    rows = prepared.rows(TABLE, provider_id)
    return rows[rows["wave"] == wave].set_index("role").reindex(
        [*prepared.instrument.role_codes, ALL_STAFF])


def discussion_intro(prepared: Prepared, language: str) -> str:
    """What was asked and how the table reads."""
    instrument = prepared.instrument
    spec = instrument.development_discussion
    # the template quotes the statement and ends the sentence itself
    statement = instrument.item(spec.item).text[language].rstrip(".")
    scale = instrument.scale_of(spec.item)
    agreeing = or_list([text("quoted", language, words=scale.label(value, language))
                        for value in spec.agreeing], language)
    return text("devdisc_text", language, statement=statement, agreeing=agreeing,
                min_group=prepared.min_group_size)


def discussion_sentence(prepared: Prepared, provider_id: str, wave: str, language: str,
                        earlier_wave: str | None = None) -> str:
    """The all-staff share of a wave in one sentence that names the wave, with the share of an
    earlier wave (the baseline) beside it where that may be shown; or why it is not shown."""
    everyone = discussion_rows(prepared, provider_id, wave).loc[ALL_STAFF]
    if pd.isna(everyone["answers"]):
        return text("devdisc_too_few", language, min_group=prepared.min_group_size)
    earlier = ""
    if earlier_wave is not None and earlier_wave != wave:
        before = discussion_rows(prepared, provider_id, earlier_wave).loc[ALL_STAFF]
        if pd.notna(before["answers"]):
            earlier = text("devdisc_earlier", language,
                           wave=wave_short_label(prepared, earlier_wave, language),
                           share=_share(before, language))
    words = text("devdisc_sentence", language, share=_share(everyone, language),
                 answers=int(everyone["answers"]), earlier=earlier,
                 wave=wave_phrase(prepared, wave, language, "in"))
    return sentence_start(words)


def _share(row, language: str) -> str:
    """A row's share as the report writes it: a percentage, a band, or a dash."""
    return shown_share(row.share, row.share_low, row.share_high, language)


def discussion_table(prepared: Prepared, provider_id: str, wave: str,
                     language: str) -> pd.DataFrame:
    """Answers and the share who agree, per role and for all staff; hidden groups in words.

    Each hidden role says why it is hidden (:func:`~strapetsi_lib.present.i18n.hidden_label`);
    a role without answers reads 0, unless the total is hidden too.
    """
    mgs = prepared.min_group_size
    rows = discussion_rows(prepared, provider_id, wave)
    labels = [role_label(prepared.instrument, role, language)
              for role in prepared.instrument.role_codes]
    labels.append(text("devdisc_all_staff", language))
    return pd.DataFrame({
        text("devdisc_role", language): labels,
        text("devdisc_answers", language): [str(int(row.answers)) if pd.notna(row.answers)
                                            else hidden_label(row.state, language, mgs)
                                            for row in rows.itertuples()],
        text("devdisc_share", language): [_share(row, language) for row in rows.itertuples()],
    })
