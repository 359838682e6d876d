"""Read YAML into plain data while keeping the line of every key, for errors that name lines."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

__all__ = ["YamlDocument", "YamlPath", "format_path", "parse_yaml"]

YamlPath = tuple[str | int, ...]
"""A location in the document: mapping keys and list indexes from the root."""


@dataclass
class YamlDocument:
    """Plain data read from YAML, with the 1-based line of every key and list item.

    Attributes:
        data: the document as dicts, lists and scalars (None for an empty document).
        lines: path → line where that key (or list item) starts.
        duplicates: paths of keys given twice in one mapping (the last value is kept).
    """

    data: object = None
    lines: dict[YamlPath, int] = field(default_factory=dict)
    duplicates: list[YamlPath] = field(default_factory=list)

    def line_of(self, path: YamlPath) -> int | None:
        """Return the line of `path`, or of its nearest ancestor present in the document."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def format_path(path: YamlPath) -> str:
    """Return `path` as `audiences.vip.to[1]`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document with safe types, recording the line of every key.

    Raises:
        yaml.YAMLError: the text is not valid YAML (`problem_mark` holds the line).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        document = YamlDocument(lines={(): 1})
        if node is not None:
            document.data = _convert(loader, node, (), document)
        return document
    finally:
        loader.dispose()


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: YamlPath, doc: YamlDocument) -> object:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                key = str(key)
            child = (*path, key)
            if key in result:
                doc.duplicates.append(child)
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(loader, value_node, child, doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            child = (*path, index)
            doc.lines.setdefault(child, item_node.start_mark.line + 1)
            items.append(_convert(loader, item_node, child, doc))
        return items
    return loader.construct_object(node, deep=True)
