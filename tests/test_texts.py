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


#: (above, level, below) and the sentence a native editor wrote for each, in Finnish and Swedish
#: (counts in words, the areas named once; every area on one side says "all").
COMPARISON_SENTENCES = [
    ((1, 0, 0), "Verkoston keskiarvoon verrattuna tulos on parempi yhdellä osa-alueella.",
     "Ett delområde ligger över nätverkets medelvärde."),
    ((0, 6, 0), "Tulos on kaikilla kuudella osa-alueella sama kuin verkoston keskiarvo.",
     "Alla sex delområden ligger i nivå med nätverkets medelvärde."),
    ((0, 0, 2), "Verkoston keskiarvoon verrattuna tulos on heikompi kahdella osa-alueella.",
     "Två delområden ligger under nätverkets medelvärde."),
    ((1, 5, 0), "Verkoston keskiarvoon verrattuna tulos on parempi yhdellä osa-alueella ja "
     "sama viidellä.", "Ett delområde ligger över nätverkets medelvärde och fem i nivå med det."),
    ((4, 0, 2), "Verkoston keskiarvoon verrattuna tulos on parempi neljällä osa-alueella ja "
     "heikompi kahdella.", "Fyra delområden ligger över nätverkets medelvärde och två under det."),
    ((0, 0, 6), "Tulos on verkoston keskiarvoa heikompi kaikilla kuudella osa-alueella.",
     "Alla sex delområden ligger under nätverkets medelvärde."),
    ((2, 3, 1), "Verkoston keskiarvoon verrattuna tulos on parempi kahdella osa-alueella, sama "
     "kolmella ja heikompi yhdellä.",
     "Två delområden ligger över nätverkets medelvärde, tre i nivå med det och ett under det."),
]


@pytest.mark.parametrize(("counts", "finnish", "swedish"), COMPARISON_SENTENCES)
def test_comparison_with_the_network_lists_only_sides_with_areas(counts, finnish, swedish):
    from strapetsi_lib.present.display import text_html
    from strapetsi_lib.present.provider_view import comparison_sentence

    def plain(language: str) -> str:
        sentence = comparison_sentence(*counts, language, all_areas=sum(counts) == 6)
        return text_html(sentence).replace("<p>", "").replace("</p>", "").strip()

    assert plain("fi") == finnish
    assert plain("sv") == swedish
    assert " 0 " not in plain("en")


def _code_text() -> str:
    """The library's and the notebooks' source, where texts are asked for by key."""
    from strapetsi_lib.config import PACKAGE_DIR

    sources = [*PACKAGE_DIR.rglob("*.py"), *(PACKAGE_DIR.parent / "notebooks").glob("*.py")]
    return "\n".join(path.read_text(encoding="utf-8") for path in sources)


def _built_key_patterns(code: str) -> list:
    """Keys the code builds: an f-string whose literal parts are a key's words
    (``f"summary_finding_{kind}"``, ``f"{key}_mixed_{form}"``) matches the keys it can make."""
    import re

    patterns = []
    for body in re.findall(r"\bf\"([^\"\n]*\{[^\"\n]*)\"", code):
        parts = re.split(r"\{[^}]*\}", body)
        literal = "".join(parts)
        if len(literal) >= 4 and re.fullmatch(r"[a-z0-9_]+", literal):
            patterns.append(re.compile("[a-z0-9_]*".join(map(re.escape, parts))))
    return patterns


def test_every_text_key_is_used():
    """A key no code, notebook or instrument mechanism asks for is a text nobody reads, and an
    editor may keep polishing (or trusting) words that contradict the reports: each is asked
    for by name, built by an f-string, or is a key a named constant is the stem of
    (``"takehold_change_clear"`` + ``_up``)."""
    import re

    code = _code_text()
    patterns = _built_key_patterns(code)
    keys = [key for path in FILES
            for key in (yaml.safe_load(path.read_text(encoding="utf-8")) or {})]
    literals = set(re.findall(r"[\"']([a-z0-9_]+)[\"']", code))
    stems = literals - set(keys)
    unused = [key for key in keys
              if key not in literals
              and not any(pattern.fullmatch(key) for pattern in patterns)
              and not any(re.fullmatch(re.escape(stem) + r"_[a-z]+", key)
                          for stem in stems if "_" in stem)]
    assert unused == []


def test_unused_key_check_finds_an_unused_key(tmp_path):
    """The check above can fail: a key named nowhere is reported."""
    import re

    code = _code_text()
    assert "strengths_text" not in set(re.findall(r"[\"']([a-z0-9_]+)[\"']", code))
    assert not any(p.fullmatch("no_such_text_key_xyz") for p in _built_key_patterns(code))
