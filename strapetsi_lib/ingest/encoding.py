"""Decide a text file's encoding from the evidence in its bytes.

Survey tools export UTF-8 (often with a byte-order mark), Excel "CSV" on Finnish Windows is
Windows-1252, and some tools write UTF-16 with a byte-order mark. The rule, applied to every CSV
file of a dataset (the providers file too):

1. A UTF-16 byte-order mark: UTF-16.
2. Valid UTF-8 throughout (with or without BOM): UTF-8.
3. Otherwise, if the file holds **at least one valid UTF-8 multibyte sequence** (``ä`` written
   as the two bytes C3 A4, a BOM, ...), it is a UTF-8 file with bytes that do not belong: an
   error naming the ``line:column`` of each bad byte (the first :data:`MAX_BAD_BYTES`, then a
   count of the rest). It is never re-decoded as Windows-1252, which would silently garble
   every correct ``ä`` in it ("EtelÃ¤-Pohjanmaa").
4. Otherwise (every byte above 127 stands alone, as in Windows-1252, where ``ä`` is one byte
   E4): Windows-1252. A Windows-1252 text almost never holds a valid UTF-8 multibyte sequence
   by chance: that needs a letter such as ``Ä``/``ä`` directly followed by one to three of the
   symbols 0x80–0xBF (``€``, ``–``, ``”``, a no-break space, ``°``, ...).
5. Bytes that are not Windows-1252 either (0x81, 0x8D, 0x8F, 0x90, 0x9D): an error naming each.

Lines are counted as an editor counts them (1 is the first line); columns are characters from
the start of the line, 1 the first.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

#: How many bad bytes a problem list names, before it counts the rest.
MAX_BAD_BYTES = 10

_ESCAPED = re.compile("[\udc80-\udcff]")           # a byte surrogateescape could not decode
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")  # a character from a valid sequence
_NOT_CP1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


class UnreadableFile(ValueError):
    """A file that cannot be turned into a table at all; the message says why."""


@dataclass(frozen=True)
class BadByte:
    """One byte the chosen encoding cannot decode, where a person finds it in an editor."""

    line: int
    column: int
    byte: int

    def describe(self, utf8: bool) -> str:
        """What is wrong with the byte, and how to fix it."""
        if utf8:
            as_cp1252 = bytes([self.byte]).decode("cp1252", errors="replace")
            return (f"byte 0x{self.byte:02X} is not UTF-8, while the rest of the file is UTF-8 "
                    f"(in Windows-1252 it would be {as_cp1252!r}): correct the character and "
                    "save the file as UTF-8")
        return (f"byte 0x{self.byte:02X} is neither UTF-8 nor Windows-1252: correct the "
                "character and save the file as UTF-8")


class UndecodableText(UnreadableFile):
    """Bytes that cannot be decoded; ``bad`` locates the first :data:`MAX_BAD_BYTES` of them.

    ``utf8`` says whether the file was judged UTF-8 (rule 3 of the module) and ``count`` is the
    number of bad bytes in all.
    """

    def __init__(self, bad: list[BadByte], count: int, utf8: bool):
        self.bad = bad
        self.count = count
        self.utf8 = utf8
        kind = "UTF-8 with bytes that are not UTF-8" if utf8 else "neither UTF-8 nor Windows-1252"
        first = bad[0] if bad else BadByte(0, 0, 0)
        super().__init__(f"cannot read the text: it is {kind} ({count} bad byte(s), the first "
                         f"on line {first.line}, column {first.column})")


def decode_text(data: bytes) -> str:
    """Decode a text export by the rule in this module's docstring.

    Raises
    ------
    UndecodableText
        Locating the bytes that do not belong, when the text is UTF-8 with bad bytes or neither
        UTF-8 nor Windows-1252.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"cannot read the text as UTF-16 (byte {exc.start})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    if _MULTIBYTE.search(escaped):
        _raise_bad(escaped, lambda byte: True, utf8=True)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        _raise_bad(escaped, lambda byte: byte in _NOT_CP1252, utf8=False)
    raise AssertionError("unreachable")  # _raise_bad always raises


def _raise_bad(escaped: str, is_bad, utf8: bool) -> None:
    """Locate the bad bytes of a surrogate-escaped text and raise :class:`UndecodableText`."""
    positions = [m.start() for m in _ESCAPED.finditer(escaped)
                 if is_bad(ord(m.group()) - 0xDC00)]
    bad = []
    for position in positions[:MAX_BAD_BYTES]:
        line_start = escaped.rfind("\n", 0, position) + 1
        bad.append(BadByte(escaped.count("\n", 0, position) + 1, position - line_start + 1,
                           ord(escaped[position]) - 0xDC00))
    raise UndecodableText(bad, len(positions), utf8)
