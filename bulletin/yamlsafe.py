"""The one place where YAML is read.

YAML is composed into nodes (libyaml's C parser when present, about eight times
faster than the pure-Python one) and turned into plain Python values here, so
that every value keeps the line it came from. Only the standard scalar, sequence
and mapping tags are accepted; anchors may not be reused (alias bombs), duplicate
keys and non-text keys are errors, nesting is bounded, and an impossible
calendar date is an error with its line rather than an escaped ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem, Severity

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 32
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_TYPE_NAMES = {
    _STD + "int": "the number",
    _STD + "float": "the number",
    _STD + "bool": "the boolean",
    _STD + "null": "nothing (null)",
    _STD + "timestamp": "the date",
}

KeyPath = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """Loaded YAML: the value, and the file line of every key and value in it."""

    value: Any
    value_lines: dict[KeyPath, int] = field(default_factory=dict)
    key_lines: dict[KeyPath, int] = field(default_factory=dict)
    # Plain (unquoted) scalars that YAML 1.1 read as something other than text:
    # path -> (the text as written, what it became), for "quote it" hints.
    retyped: dict[KeyPath, tuple[str, str]] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int:
        """The line of the value at ``path``, else of its key, else of the nearest parent."""
        while True:
            if path in self.value_lines:
                return self.value_lines[path]
            if path in self.key_lines:
                return self.key_lines[path]
            if not path:
                return 1
            path = path[:-1]

    def key_line(self, path: KeyPath) -> int:
        return self.key_lines.get(path) or self.line(path)


class Unreadable:
    """Stands for a value that could not be read; its problem is already reported."""

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = Unreadable()


def load_yaml(text: str, path: str, first_line: int = 1) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse one YAML document. ``first_line`` is the file line where ``text`` starts.

    Returns the document, or None with the problems that stopped it.
    """
    offset = first_line - 1
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, path, offset)]
    except yaml.reader.ReaderError as exc:
        line = offset + text.count("\n", 0, max(exc.position, 0)) + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        return None, [Problem(path, line, Severity.ERROR, f"invalid YAML: control character {char} is not allowed")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, offset + 1, Severity.ERROR, f"invalid YAML: {exc}")]
    except RecursionError:
        return None, [Problem(path, offset + 1, Severity.ERROR, "invalid YAML: nesting is too deep")]
    doc = YamlDoc(value=None)
    if node is None:
        return doc, []
    builder = _Builder(doc, offset, path)
    doc.value = builder.build(node, (), 0)
    return doc, builder.problems


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, path: str, offset: int) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    if exc.context and "quoted scalar" in exc.context and exc.context_mark:
        mark = exc.context_mark  # where the unclosed quote opens, not where the file ends
    line = offset + (mark.line + 1 if mark else 1)
    lines = text.split("\n")
    bad_line = lines[mark.line] if mark and mark.line < len(lines) else ""
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    message = f"invalid YAML: {problem}" if problem else "invalid YAML"
    if context and "expected a single document" in context:
        message = "invalid YAML: a second '---' document inside the front matter"
    elif "exceeded maximum nesting depth" in problem:
        message = "invalid YAML: nesting is too deep"
    elif "\t" in bad_line[: (mark.column + 1) if mark else None]:
        message += " (YAML does not allow tabs for indentation; use spaces)"
    elif "mapping values are not allowed" in problem:
        message += " (put a value that contains ': ' in quotes)"
    elif context and "while scanning a quoted scalar" in context:
        message += " (a quoted value is not closed)"
    elif context:
        message += f" ({context})"
    return Problem(path, line, Severity.ERROR, message)


class _Builder:
    def __init__(self, doc: YamlDoc, offset: int, path: str) -> None:
        self.doc = doc
        self.offset = offset
        self.path = path
        self.seen: set[int] = set()
        self.constructor = SafeConstructor()
        self.problems: list[Problem] = []

    def nearest_key_line(self, path: KeyPath) -> int | None:
        """The line of the closest key at or above ``path`` (aliases share their anchor's node and line)."""
        while path:
            if path in self.doc.key_lines:
                return self.doc.key_lines[path]
            path = path[:-1]
        return None

    def fail(self, line: int, message: str) -> Unreadable:
        self.problems.append(Problem(self.path, line, Severity.ERROR, message))
        return UNREADABLE

    def line(self, node: Node) -> int:
        return self.offset + node.start_mark.line + 1

    def build(self, node: Node, path: KeyPath, depth: int) -> Any:
        if id(node) in self.seen:
            line = self.nearest_key_line(path) or self.line(node)
            return self.fail(line, "YAML aliases (*name) are not allowed; repeat the value instead")
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            return self.fail(self.line(node), f"YAML is nested more than {MAX_DEPTH} levels deep")
        self.doc.value_lines[path] = self.line(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _STD + "seq":
                return self.fail(self.line(node), f"YAML tag {_show_tag(node.tag)} is not allowed")
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _STD + "map":
                return self.fail(self.line(node), f"YAML tag {_show_tag(node.tag)} is not allowed")
            return self.mapping(node, path, depth)
        return self.fail(self.line(node), "unsupported YAML node")

    def scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        if node.tag not in _SCALAR_TAGS:
            return self.fail(self.line(node), f"YAML tag {_show_tag(node.tag)} is not allowed")
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            name = ".".join(str(p) for p in path) + ": " if path else ""
            if node.tag == _STD + "timestamp":
                reason = str(exc) if "range" in str(exc) else "not a valid date, time or offset"
                return self.fail(self.line(node), f"{name}'{node.value}' is not a real date: {reason}")
            return self.fail(self.line(node), f"{name}cannot read '{node.value}': {exc}")
        if not node.style and node.tag != _STD + "str" and node.value != "":
            self.doc.retyped[path] = (node.value, f"{_TYPE_NAMES.get(node.tag, 'a')} {_describe(value)}")
        return value

    def mapping(self, node: MappingNode, path: KeyPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STD + "str":
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a list or mapping"
                if key_node.tag == _STD + "merge":
                    self.fail(self.line(key_node), "YAML merge keys (<<) are not allowed")
                else:
                    self.fail(self.line(key_node), f"key {shown!r} must be text (put it in quotes)")
                continue
            key = key_node.value
            if key in first:
                self.fail(self.line(key_node), f"duplicate key '{key}' (first at line {first[key]})")
                continue
            first[key] = self.line(key_node)
            self.doc.key_lines[(*path, key)] = self.line(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result


def _show_tag(tag: str) -> str:
    return "'!!" + tag[len(_STD) :] + "'" if tag.startswith(_STD) else repr(tag)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
