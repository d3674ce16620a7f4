"""Where each key of a YAML file is, so that a problem can name its line.

The workbench's own YAML files are checked by pydantic models, whose errors name a key path such
as ``("items", 8, "text")``. :class:`YamlLines` records the line of every key and list entry of
a file, finds the line of a path (or of its nearest enclosing entry when the key itself is
missing) and writes a path as a person reads it (``items[9].text``: list entries counted from
1, as a person counts them; a number that is a mapping key, such as a scale value, as written).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from strapetsi_lib.errors import Problem

KeyPath = tuple[str | int, ...]


@dataclass
class YamlLines:
    """The lines of a YAML document's keys, and the keys written twice.

    Attributes
    ----------
    file
        The file's name, as problems name it.
    lines
        Line (1-based) per key path.
    sequences
        The paths whose value is a list (their integer parts are entry numbers).
    problems
        One per key written twice in a mapping (YAML would silently keep the last).
    """

    file: str
    lines: dict[KeyPath, int] = field(default_factory=dict)
    sequences: set[KeyPath] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def of(cls, node: yaml.Node | None, file: str) -> YamlLines:
        """Record the lines of a composed document (``yaml.compose``; ``None`` when empty)."""
        found = cls(file)
        if node is not None:
            found._walk(node, ())
        return found

    def _walk(self, node: yaml.Node, path: KeyPath) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = _key(key_node.value)
                if key in seen:
                    self.problems.append(Problem(
                        self.file, key_node.start_mark.line + 1, self.text((*path, key)),
                        f"key {key} is written twice; only the last is read"))
                seen.add(key)
                self._walk(value_node, (*path, key))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            self.sequences.add(path)
            for index, item in enumerate(node.value):
                self._walk(item, (*path, index))

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, else of its nearest enclosing entry (the document's is
        ``None``)."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path) if path else None

    def text(self, path: KeyPath) -> str | None:
        """``items[9].text`` for ``("items", 8, "text")``; ``scales.agreement.labels.4`` for a
        number that is a mapping key."""
        text = ""
        for position, part in enumerate(path):
            if isinstance(part, int) and path[:position] in self.sequences:
                text += f"[{part + 1}]"
            else:
                text += f".{part}" if text else str(part)
        return text or None

    def problem(self, path: KeyPath, message: str) -> Problem:
        """A problem at ``path`` (its line and its key as a person reads it)."""
        return Problem(self.file, self.line(path), self.text(path), message)


def _key(text: str) -> str | int:
    """A mapping key as the parsed YAML has it: ``4:`` is the number 4 (a scale value)."""
    return int(text) if text.lstrip("-").isdigit() else text
