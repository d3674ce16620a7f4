"""Every report text exists in Finnish, Swedish and English with the same placeholders."""

from __future__ import annotations

import string

import pytest
import yaml

from strapetsi_lib.config import REPORT_LANGUAGES
from strapetsi_lib.present.i18n import TEXTS_DIR

FILES = sorted(TEXTS_DIR.glob("*.yml"))


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields of a ``str.format`` template (``{{`` escapes are not fields)."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def entries():
    for path in FILES:
        for key, texts in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            yield pytest.param(path.name, key, texts, id=f"{path.stem}:{key}")


def test_placeholders_are_parsed():
    assert placeholders("{n} vastaajaa, {rate} {{literal}}") == {"n", "rate"}
    assert placeholders("ei paikkamerkkejä") == set()


def test_there_are_text_files():
    assert len(FILES) >= 3


@pytest.mark.parametrize(("file", "key", "texts"), list(entries()))
def test_text_exists_in_every_language_with_same_placeholders(file, key, texts):
    assert isinstance(texts, dict), f"{file}: {key} is not a language table"
    assert set(texts) == set(REPORT_LANGUAGES), f"{file}: {key} has languages {sorted(texts)}"
    for language in REPORT_LANGUAGES:
        assert isinstance(texts[language], str) and texts[language].strip(), (
            f"{file}: {key} is empty in {language}")
    expected = placeholders(texts["en"])
    for language in REPORT_LANGUAGES:
        assert placeholders(texts[language]) == expected, (
            f"{file}: {key} in {language} has placeholders {sorted(placeholders(texts[language]))}"
            f", en has {sorted(expected)}")


#: (above, level, below) and the sentence a native editor wrote for each, in Finnish and Swedish.
COMPARISON_SENTENCES = [
    ((1, 0, 0), "tulos on 1 osa-alueella parempi kuin verkoston keskiarvo.",
     "ligger 1 delområde över nätverkets medelvärde."),
    ((0, 6, 0), "tulos on 6 osa-alueella sama kuin verkoston keskiarvo.",
     "ligger 6 delområden i nivå med nätverkets medelvärde."),
    ((0, 0, 2), "tulos on 2 osa-alueella heikompi kuin verkoston keskiarvo.",
     "ligger 2 delområden under nätverkets medelvärde."),
    ((1, 5, 0), "tulos on 1 osa-alueella parempi ja 5 osa-alueella sama kuin verkoston "
     "keskiarvo.", "ligger 1 delområde över nätverkets medelvärde och 5 i nivå med det."),
    ((4, 0, 2), "tulos on 4 osa-alueella parempi ja 2 osa-alueella heikompi kuin verkoston "
     "keskiarvo.", "ligger 4 delområden över nätverkets medelvärde och 2 under det."),
    ((0, 3, 1), "tulos on 3 osa-alueella sama ja 1 osa-alueella heikompi kuin verkoston "
     "keskiarvo.", "ligger 3 delområden i nivå med nätverkets medelvärde och 1 under det."),
    ((2, 3, 1), "tulos on 2 osa-alueella parempi, 3 osa-alueella sama ja 1 osa-alueella "
     "heikompi kuin verkoston keskiarvo.",
     "ligger 2 delområden över nätverkets medelvärde, 3 i nivå med det och 1 under det."),
]


@pytest.mark.parametrize(("counts", "finnish", "swedish"), COMPARISON_SENTENCES)
def test_comparison_with_the_network_lists_only_sides_with_areas(counts, finnish, swedish):
    from strapetsi_lib.present.display import text_html
    from strapetsi_lib.present.provider_view import comparison_sentence

    def plain(language: str) -> str:
        return text_html(comparison_sentence(*counts, language)).replace("<p>", "").replace(
            "</p>", "").strip()

    assert plain("fi") == "Kun luvut pyöristetään yhteen desimaaliin, " + finnish
    assert plain("sv") == "Avrundat till en decimal " + swedish
    assert " 0 " not in plain("en")
