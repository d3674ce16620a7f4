"""Words and numbers in the report's language.

The words live in the YAML files of ``strapetsi_lib/texts/`` (Finnish, Swedish and English,
following docs/glossary.md; one file per part of the reports, keys unique across files);
code asks for them by key with :func:`text`. Numbers are written the way the
language writes them: Finnish and Swedish (in Finland) use a decimal comma and a space before
``%``; a non-breaking space keeps "62 %" on one line.
"""

from __future__ import annotations

import math
from functools import cache

from strapetsi_lib.config import DEFAULT_MIN_GROUP_SIZE, PACKAGE_DIR, REPORT_LANGUAGES
from strapetsi_lib.files import load_yaml

TEXTS_DIR = PACKAGE_DIR / "texts"
NBSP = "\u00a0"
MINUS = "\u2212"


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    catalogue: dict[str, dict[str, str]] = {}
    for path in sorted(TEXTS_DIR.glob("*.yml")):
        texts = load_yaml(path.read_text(encoding="utf-8")) or {}
        clash = set(texts) & set(catalogue)
        if clash:
            raise ValueError(f"{path}: text keys already defined elsewhere: {sorted(clash)}")
        catalogue.update(texts)
    return catalogue


def check_language(language: str) -> str:
    """Return ``language`` if reports can be written in it, else raise ``ValueError``."""
    if language not in REPORT_LANGUAGES:
        raise ValueError(f"unknown report language {language!r}; use one of {REPORT_LANGUAGES}")
    return language


class Text(str):
    """Words from the texts catalogue: a ``str`` (the filled-in text) that remembers its parts.

    The template comes from ``strapetsi_lib/texts/*.yml`` and is trusted Markdown; the values
    put into it (names, labels, numbers) are data and are never trusted. As a plain string a
    ``Text`` is the filled-in text, which is what tables, headings, captions and alt texts use
    (they escape all of it). :func:`strapetsi_lib.present.display.show_text` instead renders the
    template as Markdown and puts each value in as escaped text, so a name like
    ``<img src=x onerror=...>`` or ``[x](javascript:...)`` reads as written and is never markup.
    A value that is itself a ``Text`` stays trusted Markdown.

    Attributes
    ----------
    template
        The trusted Markdown with ``{name}`` placeholders.
    values
        ``{name: value}`` for the placeholders.
    """

    template: str
    values: dict

    def __new__(cls, template: str, values: dict | None = None) -> Text:
        values = dict(values or {})
        filled = template.format(**values) if values else template
        made = super().__new__(cls, filled)
        made.template, made.values = template, values
        return made


def text(key: str, language: str, /, **values) -> Text:
    """The text ``key`` in ``language``, with ``{placeholders}`` filled from ``values``.

    Parameters
    ----------
    key
        A key of ``texts.yml``.
    language
        ``fi``, ``sv`` or ``en``.
    **values
        Values for the text's placeholders; format numbers with :func:`number` first. They
        are data: shown as written, never as Markdown or HTML (see :class:`Text`).
    """
    check_language(language)
    try:
        template = _catalogue()[key][language]
    except KeyError as exc:
        raise KeyError(f"no text {key!r} in {language} in {TEXTS_DIR}") from exc
    return Text(template, values)


def sentence_start(words: Text) -> Text:
    """``words`` starting with a capital letter, as a sentence does: the template's first
    letter, or the first letter of the value it begins with ("{wave} vastasi …" with the wave
    "kyselykierrokseen Kysely 2025" reads "Kyselykierrokseen Kysely 2025 vastasi …"). Values
    stay data."""
    template, values = words.template, dict(words.values)
    if template.startswith("{") and "}" in template:
        name = template[1:template.index("}")]
        if name in values:
            value = values[name]
            values[name] = (sentence_start(value) if isinstance(value, Text)
                            else str(value)[:1].upper() + str(value)[1:])
            return Text(template, values)
    return Text(template[:1].upper() + template[1:], values)


def join(parts: list[str], separator: str = " ") -> Text:
    """Texts joined by a (code-given, trusted) ``separator``, keeping each part's escaping.

    Parts that are :class:`Text` stay trusted Markdown; other parts are data.
    """
    names = [f"part{i}" for i in range(len(parts))]
    template = separator.replace("{", "{{").replace("}", "}}").join(f"{{{n}}}" for n in names)
    return Text(template, dict(zip(names, parts, strict=True)))


def and_list(parts: list[str], language: str) -> Text:
    """Parts listed as the language lists them: ``a``, ``a ja b``, ``a, b ja c`` (no comma
    before the last, in Finnish, Swedish and English alike). Parts keep their own escaping."""
    return _listed(parts, language, "list_and")


def or_list(parts: list[str], language: str) -> Text:
    """Alternatives listed as the language lists them: ``a tai b``, ``a, b tai c``."""
    return _listed(parts, language, "list_or")


def _listed(parts: list[str], language: str, conjunction: str) -> Text:
    if len(parts) <= 1:
        return join(parts)
    return join([join(parts[:-1], ", "), parts[-1]], f" {text(conjunction, language)} ")


def number(value: float, language: str, decimals: int = 1, signed: bool = False) -> str:
    """Format a number as the language writes it: ``3,4`` in fi/sv, ``3.4`` in en.

    A negative number gets a real minus sign; ``signed=True`` also writes ``+`` for positives
    (for changes). A missing value is written as an en dash.
    """
    check_language(language)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0,0"
    body = f"{abs(rounded):,.{decimals}f}"
    if language in ("fi", "sv"):
        body = body.replace(",", NBSP).replace(".", ",")
    sign = MINUS if rounded < 0 else ("+" if signed and rounded > 0 else "")
    return sign + body


def percent(share: float, language: str, decimals: int = 0) -> str:
    """Format a share (0.62) as a percentage: ``62 %`` in fi/sv, ``62%`` in en."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "\u2013"
    body = number(100 * float(share), language, decimals)
    return f"{body}{NBSP}%" if language in ("fi", "sv") else f"{body}%"


def interval(low: float, high: float, language: str, decimals: int = 1) -> str:
    """Format a confidence interval as ``3,1–3,6``; with a negative end as ``−0,1 … 0,2``.

    A dash between two numbers, one of them with a minus sign, reads as a subtraction, so an
    interval that reaches below zero is written with an ellipsis instead. A missing bound
    (nothing tested, no variation) gives a single dash: there is no interval to show.
    """
    if any(bound is None or math.isnan(bound) for bound in (low, high)):
        return "\u2013"
    low_text, high_text = number(low, language, decimals), number(high, language, decimals)
    if low_text.startswith(MINUS) or high_text.startswith(MINUS):
        return f"{low_text}\u2009\u2026\u2009{high_text}"
    return f"{low_text}\u2013{high_text}"


def too_few(language: str, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> str:
    """The words shown instead of a suppressed figure, e.g. ``alle 5 vastaajaa``."""
    return text("too_few", language, n=min_group_size)


def hidden_label(state: str, language: str,
                 min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> str:
    """The words shown for a member of a breakdown that has no figures, by why it has none.

    ``state`` is one of :func:`strapetsi_lib.analysis.disclosure.member_states`: no answers
    (``0``), too few answers (:func:`too_few`), hidden to protect another group, or hidden for
    either reason (when telling which would give a count away).
    """
    from strapetsi_lib.analysis import disclosure

    if state == disclosure.EMPTY:
        return "0"
    if state == disclosure.SMALL:
        return too_few(language, min_group_size)
    if state == disclosure.PROTECTS:
        return text("hidden_protects", language)
    if state == disclosure.HIDDEN:
        return text("hidden_small_or_protects", language, n=min_group_size)
    raise ValueError(f"a member in state {state!r} has figures to show")


def shown_share(share: float, low: float, high: float, language: str) -> str:
    """A share as published: a percentage, a band where everyone answered alike
    (:func:`strapetsi_lib.analysis.disclosure.share_band`: "at least 90 %", "at most 20 %"),
    or a dash where it is hidden."""
    if low is not None and not math.isnan(low):
        if low > 0:
            return text("share_at_least", language, share=percent(low, language))
        return text("share_at_most", language, share=percent(high, language))
    return percent(share, language)


def percent_range(low: float, high: float, language: str) -> str:
    """A range of shares with the per cent sign once: ``25–70 %`` (fi, sv), ``25–70%`` (en);
    one value when both ends print alike."""
    low_text, high_text = percent(low, language), percent(high, language)
    if low_text == high_text:
        return low_text
    return f"{number(100 * float(low), language, 0)}\u2013{high_text}"


#: Numbers one to ten in words, as Finnish and Swedish write small counts in running text
#: ("viidellä kuudesta osa-alueesta", "fem av sex delområden"); Finnish by case: nominative,
#: adessive (-lla, "on five"), elative (-sta, "of six"). Larger counts are written in digits.
_NUMBER_WORDS = {
    ("fi", "nominative"): ("yksi", "kaksi", "kolme", "neljä", "viisi", "kuusi", "seitsemän",
                           "kahdeksan", "yhdeksän", "kymmenen"),
    ("fi", "adessive"): ("yhdellä", "kahdella", "kolmella", "neljällä", "viidellä", "kuudella",
                         "seitsemällä", "kahdeksalla", "yhdeksällä", "kymmenellä"),
    ("fi", "elative"): ("yhdestä", "kahdesta", "kolmesta", "neljästä", "viidestä", "kuudesta",
                        "seitsemästä", "kahdeksasta", "yhdeksästä", "kymmenestä"),
    ("sv", "nominative"): ("ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio",
                           "tio"),
    ("en", "nominative"): ("one", "two", "three", "four", "five", "six", "seven", "eight",
                           "nine", "ten"),
}


def count_word(n: int, language: str, case: str = "nominative") -> str | None:
    """A count from one to ten in words (Finnish in ``case``: ``nominative``, ``adessive`` or
    ``elative``; Swedish in the neuter, as "ett delområde"); ``None`` for other counts, which
    are written in digits (the caller then chooses a wording that needs no case ending)."""
    check_language(language)
    words = _NUMBER_WORDS.get((language, case if language == "fi" else "nominative"))
    if words is None:
        raise ValueError(f"no number words in {language} {case}")
    return words[n - 1] if 1 <= n <= len(words) else None


#: Finnish and Swedish put å, ä and ö after z (and å first of them); this key sorts them so.
_NORDIC_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})  # after z


def name_order(name: str) -> str:
    """The key that sorts names as a Finnish or Swedish reader looks them up: case ignored, å,
    ä and ö after z (``sorted(names, key=name_order)``)."""
    return " ".join(str(name).split()).casefold().translate(_NORDIC_ORDER)


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def date_text(day, language: str) -> str:
    """A date as the language writes it: ``15.1.2026`` (fi, sv), ``15 January 2026`` (en)."""
    check_language(language)
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day}.{day.month}.{day.year}"
