"""ROOT input through uproot: what each TTree branch or RNTuple field holds, and reading it.

Every branch is classified once from its awkward form, without reading data:

- ``flat``: one number per event (any integer width, signed or not, floats, bool);
- ``fixed``: a fixed-size array per event (``double x[3]``, ``std::array``), read as
  ``x[0]``, ``x[1]``, ... when the whole tree is read;
- ``jagged``: a variable-length list of numbers per event (``float x[nX]``,
  ``std::vector<float>``, an RNTuple collection field), usable in expressions
  (``x[0]``, ``len(x)``, ``max(x)``);
- ``group``: a branch that only groups sub-branches (read the sub-branches instead);
- ``nested``: lists of lists of numbers (``std::vector<std::vector<float>>``);
- ``object``: anything else (strings, classes uproot cannot interpret).

Every failure of uproot or awkward while opening or reading becomes a one-line
:class:`~neyman.errors.DataError` naming the file, tree and branch. Read
:mod:`neyman.data.io` first; this module is its ROOT back end.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neyman.data._integrity import RECORD
from neyman.errors import DataError, MissingColumnError, did_you_mean, short

__all__: list[str] = []

log = logging.getLogger("neyman")

_NUMERIC = {
    "bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "float16", "float32", "float64",
}  # fmt: skip
_OPTION = {"IndexedOptionForm", "ByteMaskedForm", "BitMaskedForm", "UnmaskedForm", "IndexedForm"}


@dataclass(frozen=True)
class Branch:
    """What one branch or field holds: ``kind`` (see the module docstring), type, size."""

    name: str
    kind: str
    typename: str
    size: int = 0  # elements per event for ``fixed``
    obj: Any = field(default=None, compare=False, repr=False)  # the uproot branch or field


@dataclass
class RootTree:
    """An open TTree or RNTuple with its branches classified."""

    path: Path
    name: str
    obj: Any
    branches: dict[str, Branch]
    is_rntuple: bool
    aliases: dict[str, str] = field(default_factory=dict)  # short name -> full path
    record: str | None = None  # the checksums neyman writes with a table (see _integrity)

    def resolve(self, name: str) -> str:
        """The full branch path of ``name`` (a full path, or a unique short name)."""
        return self.aliases.get(name, name)

    @property
    def label(self) -> str:
        return f"{self.path}:{self.name}"

    @property
    def num_entries(self) -> int:
        return int(self.obj.num_entries)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return short(text.splitlines()[0] if text else type(exc).__name__, 160)


def open_tree(path: Path, tree: str | None) -> RootTree:
    """Open ``path`` and the TTree or RNTuple ``tree`` (the only one when not given)."""
    import uproot

    try:
        f = uproot.open(path)
        classes = f.classnames()
    except Exception as exc:  # uproot raises many types for corrupt input
        msg = (
            f"{path} is not a ROOT file uproot can read ({type(exc).__name__}: {_first_line(exc)})"
        )
        raise DataError(msg, path=str(path)) from None
    trees = sorted(
        {
            k.split(";")[0]
            for k, cls in classes.items()
            if cls.startswith("TTree") or cls.startswith("TNtuple") or cls == "ROOT::RNTuple"
        }
    )
    if tree is None:
        if not trees:
            keys = sorted({k.split(";")[0] for k in classes})
            msg = f"{path} holds no TTree or RNTuple (keys: {', '.join(keys) or 'none'})"
            raise DataError(msg, path=str(path), available=trees)
        if len(trees) > 1:
            # name every way in: Python API, study YAML, and the apply command
            msg = (
                f"{path} holds {len(trees)} trees ({', '.join(trees)}); choose one with "
                f"tree='{trees[0]}' (Python), data.<source>.tree: {trees[0]} (study) "
                f"or --tree {trees[0]} (neyman apply)"
            )
            raise DataError(msg, path=str(path), available=trees)
        tree = trees[0]
    if tree not in trees:
        msg = f"tree '{tree}' not in {path}{did_you_mean(tree, trees)}"
        raise MissingColumnError(msg, key=tree, path=str(path), available=trees)
    try:
        obj = f[tree]
        is_rntuple = type(obj).__name__.endswith("RNTuple") or not hasattr(obj, "branches")
        branches = _rntuple_branches(obj) if is_rntuple else _ttree_branches(obj)
    except Exception as exc:
        msg = f"{path}:{tree} cannot be read by uproot ({type(exc).__name__}: {_first_line(exc)}); is the file complete?"
        raise DataError(msg, path=str(path), key=tree) from None
    record = None
    if any(k.split(";")[0] == RECORD for k in classes):
        try:
            record = str(f[RECORD])
        except Exception as exc:  # a damaged key
            msg = f"{path}: the checksum record '{RECORD}' cannot be read ({_first_line(exc)}); is the file complete?"
            raise DataError(msg, path=str(path), key=RECORD) from None
    return RootTree(path, tree, obj, branches, is_rntuple, _aliases(branches), record)


def _aliases(branches: dict[str, Branch]) -> dict[str, str]:
    """Unique last parts of nested TTree paths (``evt/P3/P3.Px`` -> ``P3.Px``), so that
    expressions can name them (a ``/`` would read as a division)."""
    shorts: dict[str, list[str]] = {}
    for key in branches:
        last = key.rsplit("/", 1)[-1]
        if last != key:
            shorts.setdefault(last, []).append(key)
    return {s: ks[0] for s, ks in shorts.items() if len(ks) == 1 and s not in branches}


def _classify(
    name: str,
    form: Any,
    typename: str,
    levels: Sequence[int | None] = (),
    *,
    subfields: bool = False,
) -> Branch:
    """Kind of a branch from its awkward form; ``levels`` are list levels already passed.

    With ``subfields`` (RNTuple), a record or a collection of records only groups fields
    that are listed on their own.
    """
    dims: list[int | None] = list(levels)
    while True:
        cls = type(form).__name__
        if cls in _OPTION:
            form = form.content
            continue
        if form.parameters.get("__array__") in ("string", "bytestring", "char", "byte"):
            return Branch(name, "object", typename or "string")
        if cls in ("ListOffsetForm", "ListForm"):
            dims.append(None)
            form = form.content
            continue
        if cls == "RegularForm":
            dims.append(int(form.size))
            form = form.content
            continue
        break
    if cls == "NumpyForm" and form.primitive in _NUMERIC:
        dims.extend(int(d) for d in form.inner_shape)
        if not dims:
            return Branch(name, "flat", typename or form.primitive)
        if len(dims) == 1:
            if dims[0] is None:
                return Branch(name, "jagged", typename or f"var * {form.primitive}")
            return Branch(name, "fixed", typename or f"{form.primitive}[{dims[0]}]", dims[0])
        return Branch(name, "nested", typename or f"nested lists of {form.primitive}")
    if cls == "RecordForm" and subfields:
        return Branch(name, "group", typename or "record")
    return Branch(name, "object", typename or str(form.type))


def _ttree_branches(t: Any) -> dict[str, Branch]:
    out: dict[str, Branch] = {}
    # the branch objects themselves: looking a nested path up again can fail (Delphes)
    for key, b in t.iteritems(recursive=True):
        if key in out:
            continue
        typename = str(getattr(b, "typename", "") or "")
        if len(b.branches) > 0:
            out[key] = Branch(key, "group", typename, obj=b)
            continue
        try:
            interp = b.interpretation
            if type(interp).__name__ == "AsGrouped":
                out[key] = Branch(key, "group", typename, obj=b)
                continue
            form = interp.awkward_form(t.file)
        except Exception:  # UnknownInterpretation, unsupported streamers, ...
            out[key] = Branch(key, "object", typename or "unknown", obj=b)
            continue
        kind = _classify(key, form, typename)
        out[key] = Branch(key, kind.kind, kind.typename, kind.size, obj=b)
    return out


def _rntuple_branches(t: Any) -> dict[str, Branch]:
    out: dict[str, Branch] = {}
    for key in dict.fromkeys(t.keys()):
        field = t[key]
        typename = str(getattr(field, "typename", "") or "")
        try:
            form, path = field.to_akform()
            levels: list[int | None] = []
            for part in path:
                while type(form).__name__ != "RecordForm":
                    cls = type(form).__name__
                    if cls in ("ListOffsetForm", "ListForm"):
                        levels.append(None)
                    elif cls == "RegularForm":
                        levels.append(int(form.size))
                    form = form.content
                form = form.content(part)
        except Exception:
            out[key] = Branch(key, "object", typename or "unknown")
            continue
        out[key] = _classify(key, form, typename, levels, subfields=True)
    return out


def flat_names(t: RootTree) -> tuple[list[str], list[Branch]]:
    """The columns of a whole-tree read (flat branches, fixed arrays split) and the skipped."""
    names: list[str] = []
    skipped: list[Branch] = []
    for b in t.branches.values():
        if b.kind == "flat":
            names.append(b.name)
        elif b.kind == "fixed":
            names.extend(f"{b.name}[{i}]" for i in range(b.size))
        elif b.kind in ("jagged", "object", "nested"):
            skipped.append(b)
    return names, skipped


def skipped_message(t: RootTree, skipped: Sequence[Branch]) -> str:
    """One line saying which branches a whole-tree read left out, and why."""
    jagged = [b.name for b in skipped if b.kind == "jagged"]
    short_names = {full: alias for alias, full in t.aliases.items()}
    objects = [f"{b.name} ({b.typename})" for b in skipped if b.kind in ("object", "nested")]
    parts = []
    if jagged:
        ex = short_names.get(jagged[0], jagged[0])  # a name an expression can use
        parts.append(
            f"{len(jagged)} jagged ({', '.join(jagged[:6])}{', ...' if len(jagged) > 6 else ''}; "
            f"ask for e.g. {ex}[0], len({ex}), max({ex}))"
        )
    if objects:
        parts.append(
            f"{len(objects)} that uproot cannot read as numbers ({', '.join(objects[:4])}"
            f"{', ...' if len(objects) > 4 else ''})"
        )
    noun = "branch" if len(skipped) == 1 else "branches"
    return f"{t.label}: skipped {len(skipped)} {noun}: " + "; ".join(parts)


def check_readable(t: RootTree, name: str) -> None:
    """Refuse a branch an expression reads that is not numbers (flat, fixed or jagged)."""
    if t.branches[t.resolve(name)].kind not in ("flat", "fixed", "jagged"):
        check_plain(t, name)


def check_plain(t: RootTree, name: str) -> None:
    """Refuse a branch asked for by name that is not one number per event."""
    full = t.resolve(name)
    b = t.branches[full]
    if b.kind == "flat":
        return
    e = {f: a for a, f in t.aliases.items()}.get(full, name)  # a name expressions can use
    if b.kind == "jagged":
        msg = (
            f"branch '{name}' in {t.label} is jagged ({b.typename}: a variable number per event); "
            f"ask for {e}[0], len({e}), sum({e}), max({e}), ..."
        )
    elif b.kind == "fixed":
        msg = (
            f"branch '{name}' in {t.label} is a fixed-size array ({b.typename}); ask for "
            f"{e}[0] ... {e}[{b.size - 1}], or sum({e})"
        )
    elif b.kind == "nested":
        msg = (
            f"branch '{name}' in {t.label} holds nested lists ({b.typename}); expressions take "
            "one number or one list of numbers per event"
        )
    elif b.kind == "group":
        subs = [k for k in t.branches if k.startswith((full + "/", full + "."))]
        msg = f"branch '{name}' in {t.label} only groups sub-branches ({', '.join(subs[:5])}{', ...' if len(subs) > 5 else ''}); ask for those"
    else:
        msg = f"branch '{name}' in {t.label} holds {b.typename}, which uproot cannot read as numbers; leave it out"
    raise DataError(msg, key=name, path=str(t.path))


def read_branch(t: RootTree, name: str, start: int, stop: int) -> Any:
    """One branch for entries [start, stop): NumPy for flat/fixed TTree branches, else awkward."""
    name = t.resolve(name)
    b = t.branches[name]
    try:
        if t.is_rntuple:
            arr = t.obj[name].array(entry_start=start, entry_stop=stop)
            if b.kind == "flat":
                import awkward as ak

                return _native(np.asarray(ak.to_numpy(arr)))
            return arr
        if b.kind in ("flat", "fixed"):
            return _native(b.obj.array(entry_start=start, entry_stop=stop, library="np"))
        return b.obj.array(entry_start=start, entry_stop=stop, library="ak")
    except Exception as exc:  # uproot/awkward raise many types for odd or corrupt data
        msg = (
            f"branch '{name}' ({b.typename}) in {t.label} cannot be read "
            f"({type(exc).__name__}: {_first_line(exc)}); is the file complete?"
        )
        raise DataError(msg, key=name, path=str(t.path)) from None


def _native(values: Any) -> np.ndarray:
    arr: np.ndarray = np.asarray(values)
    if arr.dtype == object:
        msg = "object array where numbers were expected"
        raise TypeError(msg)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr
