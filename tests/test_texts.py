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
