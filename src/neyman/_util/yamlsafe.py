"""Hardened YAML: ``yaml.safe_load`` plus the limits a config file from anywhere needs.

``yaml.safe_load`` never executes anything, but on its own it accepts documents that are
wrong or dangerous to use: a repeated key silently keeps the last value; a "billion laughs"
tree of aliases is small on disk but expands to ~10^9 nodes as soon as anything walks or
prints it; ``[[[[...]]]]`` nested ten thousand deep ends in ``RecursionError``; invalid
UTF-8 or a timestamp such as ``2026-13-45`` raise non-YAML exceptions. :func:`load_yaml`
turns each of those into a one-line :class:`~neyman.errors.ConfigError` naming the file,
the key and the line, and bounds the work done before refusing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from neyman.errors import ConfigError, short

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_YAML_BYTES", "load_yaml"]

#: largest document read, in bytes
MAX_YAML_BYTES = 1_000_000
#: deepest nesting of mappings and sequences
MAX_DEPTH = 100
#: most nodes the document may expand to, counting every alias use as a full copy
MAX_NODES = 100_000

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _LimitError(Exception):
    """Raised inside the loader; turned into ConfigError with the source name."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class _HardenedLoader(yaml.SafeLoader):
    """SafeLoader that bounds nesting depth and refuses duplicate mapping keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                msg = f"nesting deeper than {MAX_DEPTH} levels at line {mark.line + 1}"
                raise _LimitError(msg)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            ident = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if ident in seen:
                msg = (
                    f"duplicate key '{short(key_node.value, 80)}' at line {line} (first at line "
                    f"{seen[ident]}); YAML would silently keep only the last value, remove one"
                )
                raise _LimitError(msg, key=str(key_node.value))
            seen[ident] = line
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: Node, limit: int) -> int:
    """Number of nodes ``root`` expands to (aliases counted in full), stopping past ``limit``."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        if not children_done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes[id(c)] for c in children)
        sizes[id(node)] = min(total, limit + 1)
    return sizes[id(root)]


def _read(source: str | bytes | os.PathLike[str]) -> tuple[str, str]:
    """The document's text and a name for messages."""
    if isinstance(source, os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_YAML_BYTES:
                msg = f"{path}: {size} bytes is larger than the {MAX_YAML_BYTES}-byte limit for a config"
                raise ConfigError(msg, path=str(path))
            data = path.read_bytes()
        except OSError as exc:
            msg = f"cannot read config {path}: {exc.strerror or exc}"
            raise ConfigError(msg, path=str(path)) from None
        name = str(path)
    else:
        data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
        name = "<config>"
    if len(data) > MAX_YAML_BYTES:
        msg = (
            f"{name}: {len(data)} bytes is larger than the {MAX_YAML_BYTES}-byte limit for a config"
        )
        raise ConfigError(msg, path=name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = (
            f"{name}: not valid UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "save the file as UTF-8"
        )
        raise ConfigError(msg, path=name) from None
    return text, name


def load_yaml(source: str | bytes | os.PathLike[str]) -> Any:
    """Parse one YAML document safely and within bounds.

    Parameters
    ----------
    source : str, bytes or path-like
        The document's text (``str``/``bytes``) or a file to read (``pathlib.Path``).

    Returns
    -------
    object
        What ``yaml.safe_load`` returns (mappings, lists, scalars; nothing executed).

    Raises
    ------
    neyman.errors.ConfigError
        Unreadable file, more than ``MAX_YAML_BYTES`` bytes, invalid UTF-8, invalid YAML,
        a duplicate key (``error.key``), nesting deeper than ``MAX_DEPTH``, aliases that
        expand to more than ``MAX_NODES`` nodes, or a scalar Python cannot hold (a
        timestamp such as ``2026-13-45``).

    Examples
    --------
    >>> load_yaml("a: 1\\nb: [x, y]")
    {'a': 1, 'b': ['x', 'y']}
    >>> load_yaml("a: 1\\na: 2")
    Traceback (most recent call last):
    ...
    neyman.errors.ConfigError: <config>: duplicate key 'a' at line 2 (first at line 1); YAML would silently keep only the last value, remove one
    """
    text, name = _read(source)
    loader: _HardenedLoader | None = None
    try:
        loader = _HardenedLoader(text)  # the reader already refuses control characters
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, MAX_NODES)
        if size > MAX_NODES:
            msg = (
                f"{name}: the document expands to more than {MAX_NODES} values (aliases "
                "counted in full: a 'billion laughs' document?); write the values out"
            )
            raise ConfigError(msg, path=name)
        return loader.construct_document(node)
    except ConfigError:
        raise
    except _LimitError as exc:
        msg = f"{name}: {exc}"
        raise ConfigError(msg, path=name, key=exc.key) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or first
        msg = f"{name}: not valid YAML{where} ({short(problem, 120)})"
        raise ConfigError(msg, path=name) from None
    except (ValueError, OverflowError, RecursionError) as exc:
        msg = (
            f"{name}: a value cannot be read ({short(str(exc), 120)}); quote it to keep it as text"
        )
        raise ConfigError(msg, path=name) from None
    finally:
        if loader is not None:
            loader.dispose()
