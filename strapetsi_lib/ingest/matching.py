"""Match texts written by survey tools to the instrument's: exactly, by the tools' header
conventions, or by similarity with a score.

Survey tools decorate a question's text when they write it as a column header:

- numbering: ``3. Text``, ``3.1 Text``, ``Q3. Text`` (Webropol, LimeSurvey's full headings);
- matrix questions: ``Title - statement`` (Webropol, Microsoft Forms' older exports) and
  ``Title [statement]`` (Google Forms grids, LimeSurvey's full headings);
- required questions: an asterisk before or after the text;
- case, spaces, Unicode form and punctuation.

:func:`header_variants` undoes these, :func:`match_key` reduces a text to letters, digits and
single spaces, and :func:`similarity` scores two texts from 0 to 100 (rapidfuzz's normalised
Indel similarity of their match keys), so that one changed word in a long statement still scores
about 90 while an unrelated text scores far below :data:`SIMILAR`. A similar text is a proposal
for a person to check, never a match taken silently: one word can turn a statement around.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

from rapidfuzz import fuzz, process

from strapetsi_lib.ingest.instrument import normalise_header

T = TypeVar("T")

#: The smallest similarity (0–100) at which a text is proposed or suggested as "did you mean".
SIMILAR = 70

_NUMBERING = re.compile(r"^(?:[A-Za-z]{0,2}\d+(?:[.)]\d+)*[.):]?|\d+[a-z]?[.)])\s+")
_ASTERISK = re.compile(r"^\*+\s*|\s*\*+$")
_BRACKETED = re.compile(r"^(?P<title>.*?)\s*\[(?P<statement>[^\[\]]+)\]$")
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
_NOT_WORD = re.compile(r"[^\w]+")


def match_key(text: str) -> str:
    """The text as letters, digits and single spaces, case-folded (see :func:`normalise_header`)."""
    return _NOT_WORD.sub(" ", normalise_header(text)).strip()


def header_variants(header: str) -> list[str]:
    """The header and what it says without each survey tool's decoration, longest first.

    ``3. Osaamisen johtaminen - Esihenkilöni tuntee osaamiseni *`` gives the header itself,
    ``Osaamisen johtaminen - Esihenkilöni tuntee osaamiseni`` and ``Esihenkilöni tuntee
    osaamiseni``; ``Kehittäminen [Saan palautetta]`` gives ``Saan palautetta``. A matrix's
    title is never a variant: it is the same in every column of the matrix.
    """
    text = str(header).strip()
    bare = _ASTERISK.sub("", text).strip()
    bare = _NUMBERING.sub("", bare).strip()
    bare = _ASTERISK.sub("", bare).strip()
    variants = [text, bare]
    bracketed = _BRACKETED.match(bare)
    if bracketed:
        variants.append(bracketed["statement"])
    # "Title - statement": the statement is what follows a dash; a title or a statement may
    # hold a dash itself, so what follows each dash is a variant
    for dash in _DASH.finditer(bare):
        variants.append(bare[dash.end():])
    seen, unique = set(), []
    for variant in variants:
        variant = variant.strip()
        if variant and variant not in seen:
            seen.add(variant)
            unique.append(variant)
    return unique


def similarity(first: str, second: str) -> int:
    """How alike two texts are, 0–100, compared by their match keys."""
    return round(fuzz.ratio(match_key(first), match_key(second)))


def keyed(texts: Mapping[str, T]) -> dict[str, T]:
    """``texts`` keyed by match key (the first text of a key wins)."""
    out: dict[str, T] = {}
    for text, value in texts.items():
        out.setdefault(match_key(text), value)
    return out


def convention_match(header: str, choices: Mapping[str, T]) -> T | None:
    """The choice a header names once the survey tools' decoration is taken off, if any.

    Parameters
    ----------
    header
        The header as written.
    choices
        Values by match key (see :func:`keyed`).
    """
    for variant in header_variants(header):
        found = choices.get(match_key(variant))
        if found is not None:
            return found
    return None


def similar(queries: Iterable[str], choices: Mapping[str, T], limit: int = 3,
            cutoff: int = SIMILAR) -> list[tuple[T, int, str]]:
    """The choices most like any of the query texts, best first.

    Parameters
    ----------
    queries
        Texts to look for (e.g. a header's :func:`header_variants`).
    choices
        Values (hashable) by match key (see :func:`keyed`).
    limit
        Most distinct values returned.
    cutoff
        Smallest similarity returned.

    Returns
    -------
    list of (value, score, matched key)
        One entry per value, with its best score.
    """
    best: dict[T, tuple[T, int, str]] = {}
    keys = list(choices)
    if not keys:
        return []
    for query in queries:
        for key, score, _ in process.extract(match_key(query), keys, scorer=fuzz.ratio,
                                             limit=limit * 3, score_cutoff=cutoff):
            value, score = choices[key], round(score)
            if value not in best or score > best[value][1]:
                best[value] = (value, score, key)
    return sorted(best.values(), key=lambda entry: -entry[1])[:limit]


def did_you_mean(queries: Iterable[str], choices: Mapping[str, str], kind: str = "") -> str:
    """`` (did you mean 'X'?)`` naming the choice most like the queries, or ``""``.

    ``choices`` maps a match key to the text to show; ``kind`` goes before it (``"column "``).
    """
    found = similar(queries, choices, limit=1)
    return f" (did you mean {kind}{found[0][0]!r}?)" if found else ""
