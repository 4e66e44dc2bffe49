"""The hostile battery's cases: bad inputs of every kind issue 14 lists, run against the CLI.

Each :class:`Case` builds its inputs in a :class:`~tests.hostile.workspace.Workspace` and
returns the ``neyman`` arguments. Its id starts with its category, the harm the input did
before it was handled:

- ``security``: something written or read outside what the user named,
- ``data-loss``: an input or a previous output destroyed,
- ``hang``: unbounded time or memory,
- ``traceback``: a Python or C++ traceback instead of a one-line error,
- ``silent-wrong``: a wrong result without an error,
- ``ok``: inputs that look odd but are fine (they must succeed).

``docs/scripts/errors_table.py`` turns this list into ``docs/errors.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tests.hostile.workspace import Workspace, events_frame

__all__ = ["CASES", "CATEGORIES", "Case"]

CATEGORIES = ("security", "data-loss", "hang", "traceback", "silent-wrong", "ok")
FORMATS = ("csv", "parquet", "root", "h5", "npz")


@dataclass(frozen=True)
class Case:
    """One hostile input and what the CLI must do with it."""

    slug: str
    category: str
    what: str
    build: Callable[[Workspace], list[str]] = field(repr=False)
    subject: str = ""  # text the one-line error must name ("" when the run must succeed)
    fixed_on: str | None = None  # expected to fail here until that branch is merged
    subprocess: bool = False  # could hang before its fix: run with a timeout
    survives: bool = False  # a previous output exists and must be left as it was
    warns: bool = False  # the run goes on (exit 0) with one line 'warning: ...' naming subject

    @property
    def id(self) -> str:
        return f"{self.category}-{self.slug}"

    @property
    def ok(self) -> bool:
        return self.category == "ok"


CASES: list[Case] = []


def case(*args: object, **kwargs: object) -> None:
    c = Case(*args, **kwargs)  # type: ignore[arg-type]
    assert c.category in CATEGORIES, c.category
    CASES.append(c)


# ------------------------------------------------------------------------- file damage


def _truncate_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _truncate_tiny(data: bytes) -> bytes:
    return data[:10]


def _flip_middle(data: bytes) -> bytes:
    out = bytearray(data)
    for i in range(len(out) // 2, len(out) // 2 + 8):
        out[i] ^= 0xFF
    return bytes(out)


def _flip_values(data: bytes) -> bytes:
    """Flip 8 bytes inside the stored values of column ``a`` (found by their bytes, big- or
    little-endian float64); the middle of the file when they are not stored raw."""
    a = events_frame()["a"].to_numpy()
    for dtype in (">f8", "<f8"):
        at = data.find(a[:4].astype(dtype).tobytes())
        if at >= 0:
            out = bytearray(data)
            mid = at + 8 * (len(a) // 2)
            out[mid : mid + 8] = bytes(b ^ 0xFF for b in out[mid : mid + 8])
            return bytes(out)
    return _flip_middle(data)


def _garbage(data: bytes) -> bytes:
    return np.random.default_rng(3).integers(0, 256, 2000, dtype=np.uint8).tobytes()


def _empty(data: bytes) -> bytes:
    return b""


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated-half": _truncate_half,
    "truncated-10-bytes": _truncate_tiny,
    "bit-flipped": _flip_middle,
    "random-bytes": _garbage,
    "empty": _empty,
}


def apply_args(w: Workspace, model: Path, events: Path, *extra: str) -> list[str]:
    return ["apply", str(model), str(events), "-o", str(w.scored), *extra]


def _apply_damaged(
    fmt: str, damage: Callable[[bytes], bytes], neyman: bool = False
) -> Callable[[Workspace], list[str]]:
    def build(w: Workspace) -> list[str]:
        path = w.table(fmt, neyman=neyman)
        path.write_bytes(damage(path.read_bytes()))
        return apply_args(w, w.model(), path)

    return build


def _apply_frame(
    fmt: str, change: Callable[[pd.DataFrame], pd.DataFrame]
) -> Callable[..., list[str]]:
    def build(w: Workspace) -> list[str]:
        return apply_args(w, w.model(), w.table(fmt, change(events_frame())))

    return build


def _set(col: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(df: pd.DataFrame) -> pd.DataFrame:
        df = df.astype({col: object}) if isinstance(value, str) else df.copy()
        df.loc[row, col] = value
        return df

    return change


#: formats whose files carry no checksum of their values unless neyman wrote them: ROOT
#: stores a basket that does not compress raw, and HDF5 has only the optional Fletcher-32
_UNCHECKED = ("root", "h5")

for _fmt in FORMATS:
    for _name, _damage in DAMAGE.items():
        # a bit flip in the middle of a CSV or in a Parquet/ROOT data page changes numbers
        # without breaking the container: that is the silent-wrong kind
        _silent = _fmt == "csv" and _name.startswith("truncated")  # still parses: rows lost
        _cat = "silent-wrong" if _silent else "traceback"
        _fix: str | None = None
        _subject = f"events.{_fmt}"
        _ours = _name == "bit-flipped" and _fmt in _UNCHECKED  # as neyman writes it
        _what = f"events file .{_fmt} {_name.replace('-', ' ')}" + (
            " in its values (written by neyman)" if _ours else ""
        )
        _damage = _flip_values if _ours else _damage  # in the values, not unused metadata
        case(f"{_fmt}-{_name}", _cat, _what, _apply_damaged(_fmt, _damage, _ours), _subject, _fix)  # fmt: skip
        if _ours:
            case(f"{_fmt}-{_name}-foreign", "silent-wrong",
                 f"events file .{_fmt} {_name.replace('-', ' ')} in its values (written by another tool)",
                 _apply_damaged(_fmt, _damage), _subject, _fix)  # fmt: skip
    case(f"{_fmt}-missing-feature", "traceback", f".{_fmt} file without the model's feature 'b'",
         _apply_frame(_fmt, lambda df: df.drop(columns="b")), "b")  # fmt: skip
    case(f"{_fmt}-nan-feature", "traceback", f".{_fmt} file with NaN in a feature",
         _apply_frame(_fmt, _set("a", 3, np.nan)), f"events.{_fmt}")  # fmt: skip
    case(f"{_fmt}-inf-feature", "traceback", f".{_fmt} file with inf in a feature",
         _apply_frame(_fmt, _set("b", 5, np.inf)), f"events.{_fmt}")  # fmt: skip
    case(f"{_fmt}-huge-feature", "silent-wrong", f".{_fmt} file with a finite 1e300 in a feature",
         _apply_frame(_fmt, _set("a", 2, 1e300)), "1e+300")  # fmt: skip
    case(f"{_fmt}-existing-output", "data-loss", f"apply to an existing output without --force (.{_fmt} input)",
         lambda w, f=_fmt: (w.previous_output(w.scored), apply_args(w, w.model(), w.table(f)))[1],
         "scored.csv", None, survives=True)  # fmt: skip
    case(f"{_fmt}-output-is-input", "data-loss", f"apply with -o the .{_fmt} input itself",
         lambda w, f=_fmt: ["apply", str(w.model()), str(p := w.table(f)), "-o", str(p)],
         f"events.{_fmt}")  # fmt: skip
    case(f"{_fmt}-directory-as-file", "traceback", f"a directory named events.{_fmt}",
         lambda w, f=_fmt: apply_args(w, w.model(), _mkdir(w.inputs / f"events.{f}")),
         f"events.{_fmt}")  # fmt: skip
    case(f"{_fmt}-missing-file", "traceback", f"events.{_fmt} does not exist",
         lambda w, f=_fmt: apply_args(w, w.model(), w.inputs / f"events.{f}"), f"events.{_fmt}")  # fmt: skip
    case(f"{_fmt}-good", "ok", f"a good .{_fmt} file is scored",
         lambda w, f=_fmt: apply_args(w, w.model(), w.table(f)))  # fmt: skip


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


# strings in numeric columns (text formats can hold them)
case("csv-string-in-numeric", "traceback", "CSV with the text 'abc' in a numeric feature",
     _apply_frame("csv", _set("a", 4, "abc")), "a")  # fmt: skip
case("parquet-string-column", "traceback", "Parquet whose feature column is text, one value 'abc'",
     _apply_frame("parquet", lambda df: df.assign(b=["abc", *df["b"].astype(str)[1:]])), "b")  # fmt: skip
# a cut inside the last number leaves a valid shorter number: no reader can tell it from a
# hand-written file without a final newline, so the run goes on and warns, naming the file
case("csv-truncated-mid-number", "silent-wrong", "CSV cut in the middle of the last number",
     lambda w: apply_args(w, w.model(), _cut_mid_number(w.table("csv"))), "events.csv",
     warns=True)  # fmt: skip
case("csv-duplicate-header", "silent-wrong", "CSV whose header names 'a' twice",
     lambda w: apply_args(w, w.model(), w.text("events.csv", "a,a,b\n1,2,3\n4,5,6\n")), "a")  # fmt: skip
case("csv-header-only", "traceback", "CSV with a header and no events",
     lambda w: apply_args(w, w.model(), w.text("events.csv", "a,b,label\n")), "events.csv")  # fmt: skip
case("csv-invalid-utf8", "traceback", "CSV with invalid UTF-8 in the header",
     lambda w: apply_args(w, w.model(), w.text("events.csv", b"a,b\xff\n1,2\n")), "events.csv")  # fmt: skip
case("csv-ragged-rows", "traceback", "CSV rows with more fields than the header",
     lambda w: apply_args(w, w.model(), w.text("events.csv", "a,b\n1,2,3,4\n5,6\n")), "events.csv")  # fmt: skip
case("unknown-extension", "traceback", "events file with extension .xyz",
     lambda w: apply_args(w, w.model(), w.text("events.xyz", "a,b\n1,2\n")), "xyz")  # fmt: skip
case("parquet-named-csv", "traceback", "a Parquet file named events.csv",
     lambda w: apply_args(w, w.model(), _rename(w.table("parquet"), "events.csv")), "events.csv")  # fmt: skip
case("root-wrong-tree", "traceback", "ROOT file read with --tree Evnts (typo)",
     lambda w: apply_args(w, w.model(), w.table("root"), "--tree", "Evnts"), "Evnts")  # fmt: skip
case("h5-near-miss-key", "traceback", "HDF5 read with --tree event (key is events)",
     lambda w: apply_args(w, w.model(), w.table("h5"), "--tree", "event"), "event")  # fmt: skip
case("root-jagged-feature", "traceback", "ROOT file whose feature 'a' is a jagged branch",
     lambda w: apply_args(w, w.model(), _jagged_root(w)), "a")  # fmt: skip
case("root-output-other-objects", "data-loss", "apply -o a ROOT file holding another tree",
     lambda w: _root_output_with_other_tree(w), "scored.root", None, survives=True)  # fmt: skip
case("h5-external-storage", "security", "HDF5 dataset stored in an external file elsewhere",
     lambda w: apply_args(w, w.model(), _h5_external(w)), "events.h5")  # fmt: skip
case("h5-external-link", "security", "HDF5 group that is an external link to another file",
     lambda w: apply_args(w, w.model(), _h5_external_link(w)), "events.h5")  # fmt: skip
case("column-exists", "traceback", "apply --column a (a feature of the file)",
     lambda w: apply_args(w, w.model(), w.table("csv"), "--column", "a"), "a")  # fmt: skip
case("output-under-a-file", "traceback", "apply -o into a path whose parent is a file",
     lambda w: ["apply", str(w.model()), str(w.table("csv")), "-o",
                str(_touch(w.scored.parent / "notadir") / "scored.csv")], "notadir")  # fmt: skip
case("output-unknown-extension", "traceback", "apply -o scored.xyz",
     lambda w: ["apply", str(w.model()), str(w.table("csv")), "-o", str(w.scored.with_suffix(".xyz"))],
     "xyz")  # fmt: skip
case("output-in-missing-dir", "traceback", "apply -o into a directory that does not exist",
     lambda w: ["apply", str(w.model()), str(w.table("csv")), "-o", str(w.scored.parent / "nodir" / "s.csv")],
     "nodir")  # fmt: skip


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    return path


def _rename(path: Path, name: str) -> Path:
    return path.rename(path.with_name(name))


def _cut_mid_number(path: Path) -> Path:
    text = path.read_text().rstrip("\n")
    cut = text[: text.rfind(".") + 2]  # keeps one decimal of the last number
    assert len(cut.splitlines()[-1].split(",")) == 4, "the cut must keep every field"
    path.write_text(cut)
    return path


def _jagged_root(w: Workspace) -> Path:
    import awkward as ak
    import uproot

    path = w.inputs / "events.root"
    with uproot.recreate(path) as f:
        f["Events"] = {"a": ak.Array([[1.0, 2.0], [3.0], []] * 10), "b": np.ones(30)}
    return path


def _root_output_with_other_tree(w: Workspace) -> list[str]:
    import uproot

    w.scored = w.scored.with_suffix(".root")
    w.scored.parent.mkdir(parents=True, exist_ok=True)
    with uproot.recreate(w.scored) as f:
        f["Other"] = {"x": np.arange(5.0)}
        f["Events"] = {"x": np.arange(5.0)}
    w.previous = w.scored
    return apply_args(w, w.model(), w.table("root"), "--tree", "Events")


def _h5_external(w: Workspace) -> Path:
    import h5py

    secret = w.root / "secret.bin"
    np.arange(10, dtype=np.float64).tofile(secret)
    path = w.inputs / "events.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("events")
        g.create_dataset("a", shape=(10,), dtype=np.float64, external=[(str(secret), 0, 80)])
        g.create_dataset("b", data=np.zeros(10))
    return path


def _h5_external_link(w: Workspace) -> Path:
    import h5py

    other = w.table("h5", name="elsewhere")
    path = w.inputs / "events.h5"
    with h5py.File(path, "w") as f:
        f["events"] = h5py.ExternalLink(str(other), "/events")
    return path


# ------------------------------------------------------------------ model directories


def _tamper(
    edit: Callable[[Path], object], kind: str = "fisher"
) -> Callable[[Workspace], list[str]]:
    def build(w: Workspace) -> list[str]:
        model = w.model(kind)
        edit(model)
        return apply_args(w, model, w.table("csv"))

    return build


def _json_edit(change: Callable[[dict[str, object]], object]) -> Callable[[Path], None]:
    import json

    def edit(model: Path) -> None:
        doc = json.loads((model / "model.json").read_text())
        change(doc)
        (model / "model.json").write_text(json.dumps(doc))

    return edit


def _bytes_edit(name: str, damage: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def edit(model: Path) -> None:
        (model / name).write_bytes(damage((model / name).read_bytes()))

    return edit


def _symlink(name: str) -> Callable[[Path], None]:
    def edit(model: Path) -> None:
        outside = model.parent / f"outside-{name}"
        (model / name).rename(outside)
        (model / name).symlink_to(outside)

    return edit


def _symlink_weights(model: Path) -> None:
    outside = model.parent / "outside.safetensors"
    (model / "weights.safetensors").rename(outside)
    (model / "weights.safetensors").symlink_to(outside)


def _symlink_model_json(model: Path) -> None:
    outside = model.parent / "outside-model.json"
    (model / "model.json").rename(outside)
    (model / "model.json").symlink_to(outside)


def _shift_mean(model: Path) -> None:
    import json

    doc = json.loads((model / "pipeline.json").read_text())
    doc["standardiser"]["mean"][0] += 1.5
    (model / "pipeline.json").write_text(json.dumps(doc))


def _reverse(key: str) -> Callable[[dict[str, object]], None]:
    def change(doc: dict[str, object]) -> None:
        doc[key].reverse()  # type: ignore[attr-defined]

    return change


_MODEL_CASES: list[tuple[str, str, str, Callable[[Path], object], str, str, str | None]] = [
    # slug, category, what, edit, subject, model kind, fixed_on
    ("weights-absolute-path", "security", "model.json weights entry is /etc/passwd",
     _json_edit(lambda d: d.update(weights="/etc/passwd")), "weights", "fisher", None),
    ("weights-dotdot-path", "security", "model.json weights entry is ../x.safetensors",
     _json_edit(lambda d: d.update(weights="../x.safetensors")), "weights", "fisher", None),
    ("weights-symlink-outside", "security", "weights.safetensors is a symlink out of the directory",
     _symlink_weights, "weights.safetensors", "fisher", None),
    ("model-json-symlink-outside", "security", "model.json is a symlink out of the directory",
     _symlink_model_json, "model.json", "fisher", None),
    ("booster-absolute-path", "security", "BDT state names booster /etc/passwd",
     _json_edit(lambda d: d["state"].update(booster="/etc/passwd")), "booster", "bdt", None),  # type: ignore[attr-defined]
    ("reordered-features", "silent-wrong", "model.json feature_names reordered by hand",
     _json_edit(_reverse("feature_names")), "model.json", "fisher", None),
    ("swapped-classes", "silent-wrong", "model.json class labels swapped by hand",
     _json_edit(lambda d: d["state"]["classes"]["values"].reverse()), "model.json", "fisher", None),  # type: ignore[index]
    ("tampered-weights", "silent-wrong", "one byte of weights.safetensors changed",
     _bytes_edit("weights.safetensors", lambda b: b[:-3] + bytes([b[-3] ^ 1]) + b[-2:]),
     "weights.safetensors", "fisher", None),
    ("tampered-pipeline", "silent-wrong", "pipeline.json standardiser mean edited (valid JSON)",
     _shift_mean, "pipeline.json", "study", None),
    ("pipeline-symlink-outside", "security", "pipeline.json is a symlink out of the directory",
     _symlink("pipeline.json"), "pipeline.json", "study", None),
    ("garbage-pipeline", "traceback", "pipeline.json is not JSON",
     _bytes_edit("pipeline.json", lambda b: b"{mean: nope"), "pipeline.json", "study", None),
    ("truncated-weights", "traceback", "weights.safetensors truncated",
     _bytes_edit("weights.safetensors", _truncate_half), "weights.safetensors", "fisher", None),
    ("garbage-weights", "traceback", "weights.safetensors is random bytes",
     _bytes_edit("weights.safetensors", _garbage), "weights.safetensors", "fisher", None),
    ("missing-weights", "traceback", "weights.safetensors deleted",
     lambda m: (m / "weights.safetensors").unlink(), "weights.safetensors", "fisher", None),
    ("truncated-model-json", "traceback", "model.json truncated",
     _bytes_edit("model.json", _truncate_half), "model.json", "fisher", None),
    ("model-json-not-object", "traceback", "model.json is a JSON list",
     lambda m: (m / "model.json").write_text("[1, 2]"), "model.json", "fisher", None),
    ("model-json-deep", "traceback", "model.json nested 100000 deep",
     lambda m: (m / "model.json").write_text("[" * 100_000), "model.json", "fisher", None),
    ("model-json-invalid-utf8", "traceback", "model.json with invalid UTF-8",
     _bytes_edit("model.json", lambda b: b"\xff" + b), "model.json", "fisher", None),
    ("unknown-format-version", "traceback", "model.json format_version 99",
     _json_edit(lambda d: d.update(format_version=99)), "format version 99", "fisher", None),
    ("format-version-string", "traceback", "model.json format_version \"two\"",
     _json_edit(lambda d: d.update(format_version="two")), "format_version", "fisher", None),
    ("unknown-class", "traceback", "model.json class FisherDiscriminan (typo)",
     _json_edit(lambda d: d.update({"class": "FisherDiscriminan"})), "FisherDiscriminan", "fisher", None),
    ("class-changed", "silent-wrong", "model.json class changed to LogisticRegression",
     _json_edit(lambda d: d.update({"class": "LogisticRegression"})), "model.json", "fisher", None),
    ("params-tampered", "silent-wrong", "model.json shrinkage parameter edited",
     _json_edit(lambda d: d["params"].update(shrinkage=0.9)), "model.json", "fisher", None),  # type: ignore[attr-defined]
    ("params-unknown", "traceback", "model.json with an unknown parameter",
     _json_edit(lambda d: d["params"].update(nope=1)), "model.json", "fisher", None),  # type: ignore[attr-defined]
    ("state-not-object", "traceback", "model.json state is a string",
     _json_edit(lambda d: d.update(state="x")), "model.json", "fisher", None),
    ("integrity-removed", "silent-wrong", "model.json integrity record deleted",
     _json_edit(lambda d: d.pop("integrity")), "model.json", "fisher", None),
    ("booster-truncated", "traceback", "booster.json truncated (XGBoost would print C++)",
     _bytes_edit("booster.json", _truncate_half), "booster.json", "bdt", None),
    ("booster-garbage", "traceback", "booster.json is random bytes",
     _bytes_edit("booster.json", _garbage), "booster.json", "bdt", None),
    ("booster-missing", "traceback", "booster.json deleted",
     lambda m: (m / "booster.json").unlink(), "booster.json", "bdt", None),
    ("booster-valid-json-wrong-content", "traceback", "booster.json is {} (valid JSON, no model)",
     lambda m: (m / "booster.json").write_text("{}"), "booster.json", "bdt", None),
    ("model-dir-missing", "traceback", "model directory does not exist",
     lambda m: _rmtree(m), "model-fisher", "fisher", None),
    ("model-dir-empty", "traceback", "model directory is empty",
     lambda m: [p.unlink() for p in m.iterdir()], "model-fisher", "fisher", None),
    ("model-dir-is-file", "traceback", "model path is a file",
     lambda m: (_rmtree(m), m.write_text("x")), "model-fisher", "fisher", None),
]  # fmt: skip


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)


for _slug, _cat, _what, _edit, _subject, _kind, _fix in _MODEL_CASES:
    case(_slug, _cat, _what, _tamper(_edit, _kind), _subject, _fix)


def _resigned(edit: Callable[[Path], object]) -> Callable[[Path], None]:
    """``edit``, then recompute model.json's checksums, as a tool that rewrites a model
    directory would: the files agree with their record, yet the model is inconsistent."""
    import json

    from tests._fixtures import resign_model

    def resign(model: Path) -> None:
        edit(model)
        text = (model / "model.json").read_text()
        try:
            ok = len(text) < 10_000 and isinstance(json.loads(text), dict)
        except ValueError:
            ok = False
        if ok:  # else edited into something json cannot read back: leave it
            resign_model(model)

    return resign


def _weights(**arrays: object) -> Callable[[Path], None]:
    def edit(model: Path) -> None:
        from safetensors.numpy import load_file, save_file

        saved = load_file(str(model / "weights.safetensors"))
        saved.update(arrays)  # type: ignore[arg-type]
        save_file(saved, str(model / "weights.safetensors"))

    return edit


def _pipeline_edit(change: Callable[[dict[str, object]], object]) -> Callable[[Path], None]:
    import json

    def edit(model: Path) -> None:
        doc = json.loads((model / "pipeline.json").read_text())
        change(doc)
        (model / "pipeline.json").write_text(json.dumps(doc))

    return edit


def _nested(depth: int) -> object:
    value: object = 0.5
    for _ in range(depth):
        value = [value]
    return value


_RESIGNED: list[tuple[str, str, str, Callable[[Path], object], str, str]] = [
    # slug, category, what, edit (then re-signed), subject, model kind
    ("resigned-weights-wrong-shape", "traceback", "weights of shape (1, 5) for 2 features, checksums recomputed",
     _weights(coef=np.ones((1, 5))), "model-fisher", "fisher"),
    ("resigned-weights-3d", "traceback", "weights of shape (1, 2, 2), checksums recomputed",
     _weights(coef=np.ones((1, 2, 2))), "model-fisher", "fisher"),
    ("resigned-weights-nan", "silent-wrong", "NaN weights, checksums recomputed (every score NaN)",
     _weights(coef=np.full((1, 2), np.nan)), "model-fisher", "fisher"),
    ("resigned-params-shrinkage-inf", "silent-wrong", "model.json shrinkage 1e999 (inf), checksums recomputed",
     _json_edit(lambda d: d["params"].update(shrinkage=float("inf"))), "'shrinkage'", "fisher"),  # type: ignore[attr-defined]
    ("resigned-params-shrinkage-nan", "silent-wrong", "model.json shrinkage NaN, checksums recomputed",
     _json_edit(lambda d: d["params"].update(shrinkage=float("nan"))), "'shrinkage'", "fisher"),  # type: ignore[attr-defined]
    ("resigned-params-n-threads-huge", "silent-wrong", "model.json n_threads 10**12, checksums recomputed",
     _json_edit(lambda d: d["params"].update(n_threads=10**12)), "'n_threads'", "bdt"),  # type: ignore[attr-defined]
    ("resigned-params-deep", "traceback", "a parameter nested 900 lists deep, checksums recomputed",
     _json_edit(lambda d: d["params"].update(shrinkage=_nested(900))), "model.json", "fisher"),  # type: ignore[attr-defined]
    ("resigned-pipeline-mean-huge", "traceback", "pipeline.json standardiser mean 1e300, checksums recomputed",
     _pipeline_edit(lambda d: d["standardiser"].update(mean=[1e300, 0.0])), "pipeline.json", "study"),  # type: ignore[attr-defined]
    ("resigned-pipeline-deep", "traceback", "pipeline.json class name nested 500 deep, checksums recomputed",
     _pipeline_edit(lambda d: d.update(class_names=[_nested(500), "signal"])), "pipeline.json", "study"),
]  # fmt: skip
for _slug, _cat, _what, _edit, _subject, _kind in _RESIGNED:
    case(_slug, _cat, _what, _tamper(_resigned(_edit), _kind), _subject)

case("model-json-huge-int", "traceback", "model.json with a 5000-digit integer",
     _tamper(lambda m: (m / "model.json").write_text((m / "model.json").read_text().replace(
         '"n_features_in": 2', '"n_features_in": ' + "9" * 5000))), "model.json")  # fmt: skip
case("pipeline-file-is-directory", "traceback", "pipeline.json swapped for a directory",
     _tamper(lambda m: ((m / "pipeline.json").unlink(), (m / "pipeline.json").mkdir()), "study"),
     "pipeline.json")  # fmt: skip

case("format-1-model", "ok", "a model saved before checksums existed (format 1) still applies",
     _tamper(_json_edit(lambda d: (d.pop("integrity"), d.update(format_version=1)))))  # fmt: skip


# ------------------------------------------------------------------------ study configs

DATA = """data:
  file: {path: events.csv}
  label: label
  features: [a, b]
"""
METHODS = """methods:
  - {name: fisher, model: fisher}
"""
EVAL = "evaluation: {bootstrap: 0}\n"
GOOD = DATA + METHODS + EVAL


def study_args(w: Workspace, config: Path, *extra: str) -> list[str]:
    return ["study", str(config), "-o", str(w.out), *extra]


def _study(body: str | bytes, data: bool = True) -> Callable[[Workspace], list[str]]:
    def build(w: Workspace) -> list[str]:
        if data:
            w.table("csv")
        return study_args(w, w.text("study.yaml", body))

    return build


def _study_frame(
    change: Callable[[pd.DataFrame], pd.DataFrame], body: str = GOOD
) -> Callable[..., list[str]]:
    def build(w: Workspace) -> list[str]:
        w.table("csv", change(events_frame()))
        return study_args(w, w.text("study.yaml", body))

    return build


def _method(spec: str) -> str:
    return DATA + f"methods:\n  - {spec}\n" + EVAL


def _selection(expr: str) -> str:
    return (
        DATA.replace("  label: label\n", f"  label: label\n  selection: {expr!r}\n")
        + METHODS
        + EVAL
    )


_LAUGHS = "lol0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
)

_CONFIG_CASES: list[tuple[str, str, str, Callable[[Workspace], list[str]], str, str | None, bool]] = [
    # slug, category, what, build, subject, fixed_on, subprocess
    ("yaml-duplicate-top-key", "silent-wrong", "config with 'methods' twice (last would win)",
     _study(GOOD + METHODS), "methods", None, False),
    ("yaml-duplicate-nested-key", "silent-wrong", "config with data.label twice",
     _study(DATA + "  label: b\n" + METHODS + EVAL), "label", None, False),
    ("yaml-duplicate-param", "silent-wrong", "method params with n_neighbors twice",
     _study(_method("{name: k, model: knn, params: {n_neighbors: 5, n_neighbors: 7}}")), "n_neighbors", None, False),
    ("yaml-billion-laughs-param", "hang", "billion-laughs alias tree as a parameter value",
     _study(GOOD.replace("{name: fisher, model: fisher}", "{name: fisher, model: fisher, params: {shrinkage: *a9}}") + _LAUGHS),
     "study.yaml", None, True),
    ("yaml-billion-laughs-top", "hang", "billion-laughs alias tree at the top level",
     _study(GOOD + _LAUGHS), "study.yaml", None, True),
    ("yaml-deep-nesting", "traceback", "config nested 5000 levels deep",
     _study(GOOD + "x: " + "[" * 5000 + "]" * 5000 + "\n"), "study.yaml", None, False),
    ("yaml-invalid-utf8", "traceback", "config with an invalid UTF-8 byte",
     _study(GOOD.encode() + b"name: \xff\xfe\n"), "study.yaml", None, False),
    ("yaml-too-large", "hang", "config of more than 1 MB",
     _study(GOOD + "# " + "x" * 1_100_000 + "\n"), "study.yaml", None, False),
    ("yaml-python-tag", "security", "config with !!python/object/apply:os.system",
     _study(GOOD + "name: !!python/object/apply:os.system ['touch pwned']\n"), "study.yaml", None, False),
    ("yaml-syntax-error", "traceback", "config with an unclosed bracket",
     _study(GOOD + "name: [\n"), "study.yaml", None, False),
    ("yaml-tab-indent", "traceback", "config indented with a tab",
     _study("data:\n\tfile: x\n"), "study.yaml", None, False),
    ("yaml-bad-timestamp", "traceback", "config name: 2026-13-45 (an impossible date)",
     _study(GOOD + "name: 2026-13-45\n"), "study.yaml", None, False),
    ("yaml-huge-int", "traceback", "config with a 5000-digit integer",
     _study(GOOD + "random_state: " + "9" * 5000 + "\n"), "study.yaml", None, False),
    ("yaml-two-documents", "traceback", "config with two YAML documents",
     _study(GOOD + "---\n" + GOOD), "study.yaml", None, False),
    ("yaml-empty", "traceback", "empty config file",
     _study(""), "study.yaml", None, False),
    ("yaml-list", "traceback", "config that is a YAML list",
     _study("- a\n- b\n"), "study.yaml", None, False),
    ("config-missing", "traceback", "study config does not exist",
     lambda w: study_args(w, w.inputs / "nope.yaml"), "nope.yaml", None, False),
    ("config-is-directory", "traceback", "study config path is a directory",
     lambda w: study_args(w, _mkdir(w.inputs / "conf.yaml")), "conf.yaml", None, False),
    ("key-typo-methods", "traceback", "top-level key 'methds' (typo)",
     _study(DATA + METHODS.replace("methods", "methds") + EVAL), "methds", None, False),
    ("key-unknown-nested", "traceback", "unknown key data.labl",
     _study(DATA.replace("label:", "labl:") + METHODS + EVAL), "labl", None, False),
    ("unknown-model", "traceback", "method model 'bdtt' (typo)",
     _study(_method("{name: x, model: bdtt}")), "bdtt", None, False),
    ("method-name-dotdot", "security", "method name ../../../escaped",
     _study(_method("{name: ../../../escaped, model: fisher}")), "../../../escaped", None, False),
    ("method-name-absolute", "security", "method name is an absolute path",
     lambda w: _study(_method("{name: " + str(w.root / "abs-escape") + ", model: fisher}"))(w),
     "abs-escape", None, False),
    ("method-name-slash", "traceback", "method name a/b",
     _study(_method("{name: a/b, model: fisher}")), "a/b", None, False),
    ("method-name-dots", "security", "method name '..'",
     _study(_method("{name: '..', model: fisher}")), "..", None, False),
    ("method-name-empty", "traceback", "method name ''",
     _study(_method("{name: '', model: fisher}")), "name", None, False),
    ("method-name-duplicate", "data-loss", "two methods named fisher",
     _study(DATA + "methods:\n  - {name: fisher, model: fisher}\n  - {name: fisher, model: logistic}\n" + EVAL),
     "fisher", None, False),
    ("methods-empty", "traceback", "methods: []",
     _study(DATA + "methods: []\n" + EVAL), "methods", None, False),
    ("methods-null", "traceback", "methods: null",
     _study(DATA + "methods:\n" + EVAL), "methods", None, False),
    ("params-not-mapping", "traceback", "method params: [1, 2]",
     _study(_method("{name: f, model: fisher, params: [1, 2]}")), "params", None, False),
    ("methods-missing", "traceback", "no methods key",
     _study(DATA + EVAL), "methods", None, False),
    ("data-missing", "traceback", "no data key",
     _study(METHODS + EVAL), "data", None, False),
    ("data-two-sources", "traceback", "data with both file and builtin",
     _study(DATA + "  builtin: toys\n" + METHODS + EVAL), "data", None, False),
    ("builtin-unknown", "traceback", "data.builtin: nope",
     _study("data: {builtin: nope}\n" + METHODS + EVAL, data=False), "nope", None, False),
    ("builtin-options-unknown", "traceback", "data.builtin_options with an unknown option",
     _study("data: {builtin: gaussian_mixture, builtin_options: {n_evnts: 100}}\n" + METHODS + EVAL, data=False),
     "n_evnts", None, False),
    ("builtin-options-bad-type", "traceback", "data.builtin_options n: lots (an int option)",
     _study("data: {builtin: gaussian_mixture, builtin_options: {d: 2, n: lots}}\n" + METHODS + EVAL, data=False),
     "builtin_options.n: 'lots'", None, False),
    ("builtin-options-missing", "traceback", "data.builtin_options without gaussian_mixture's d",
     _study("data: {builtin: gaussian_mixture, builtin_options: {n: 100}}\n" + METHODS + EVAL, data=False),
     "needs d", None, False),
    ("param-unknown", "traceback", "method param 'shrinkag' (typo)",
     _study(_method("{name: f, model: fisher, params: {shrinkag: 0.1}}")), "shrinkag", None, False),
    ("param-bad-value", "traceback", "method param shrinkage: -1",
     _study(_method("{name: f, model: fisher, params: {shrinkage: -1}}")), "shrinkage", None, False),
    ("param-wrong-type", "traceback", "method param n_neighbors: many",
     _study(_method("{name: k, model: knn, params: {n_neighbors: many}}")), "n_neighbors", None, False),
    ("knn-too-many-neighbours", "silent-wrong", "knn n_neighbors 100000 on 120 events",
     _study(_method("{name: k, model: knn, params: {n_neighbors: 100000}}")), "n_neighbors", None, False),
    ("split-val-too-large", "traceback", "split.val: 1.5",
     _study(GOOD + "split: {val: 1.5}\n"), "split.val", None, False),
    ("split-test-zero", "traceback", "split.test: 0",
     _study(GOOD + "split: {test: 0}\n"), "split.test", None, False),
    ("reference-unknown", "traceback", "evaluation.reference names no method",
     _study(DATA + METHODS + "evaluation: {bootstrap: 0, reference: bdt}\n"), "bdt", None, False),
    ("bootstrap-negative", "traceback", "evaluation.bootstrap: -5",
     _study(DATA + METHODS + "evaluation: {bootstrap: -5}\n"), "bootstrap", None, False),
    ("data-file-missing", "traceback", "data.file names a missing file",
     _study(GOOD.replace("events.csv", "nothere.csv")), "nothere.csv", None, False),
    ("feature-missing", "traceback", "feature 'c' not in the file",
     _study(GOOD.replace("[a, b]", "[a, c]")), "c", None, False),
    ("feature-duplicated", "traceback", "features: [a, a]",
     _study(GOOD.replace("[a, b]", "[a, a]")), "a", None, False),
    ("label-as-feature", "traceback", "the label listed as a feature",
     _study(GOOD.replace("[a, b]", "[a, label]")), "label", None, False),
    ("label-missing", "traceback", "label column 'truth' not in the file",
     _study(GOOD.replace("label: label", "label: truth")), "truth", None, False),
    ("weight-missing", "traceback", "weight column 'wt' not in the file",
     _study(GOOD.replace("  label: label\n", "  label: label\n  weight: wt\n")), "wt", None, False),
]  # fmt: skip

_WEIGHTED = GOOD.replace("  label: label\n", "  label: label\n  weight: w\n")
_CONFIG_CASES += [
    ("weight-nan", "traceback", "weight column with a NaN",
     _study_frame(_set("w", 3, np.nan), _WEIGHTED), "w", None, False),
    ("weight-all-zero", "traceback", "weight column all zero",
     _study_frame(lambda df: df.assign(w=0.0), _WEIGHTED), "w", None, False),
    ("weight-1e300", "traceback", "weights of 1e300 (sum overflows)",
     _study_frame(lambda df: df.assign(w=1e300), _WEIGHTED), "w", None, False),
    ("weight-string", "traceback", "weight column holding text",
     _study_frame(_set("w", 2, "heavy"), _WEIGHTED), "w", None, False),
    ("label-nan", "traceback", "a NaN label",
     _study_frame(_set("label", 5, np.nan)), "label", None, False),
    ("label-one-class", "traceback", "every label is 1",
     _study_frame(lambda df: df.assign(label=1)), "class", None, False),
    ("feature-string", "traceback", "text in a feature column",
     _study_frame(_set("b", 1, "abc")), "b", None, False),
    ("feature-all-nan", "traceback", "a feature column entirely NaN",
     _study_frame(lambda df: df.assign(b=np.nan)), "b", None, False),
    ("feature-1e300", "silent-wrong", "a finite 1e300 in a feature (overflows float32)",
     _study_frame(_set("a", 1, 1e300)), "a", None, False),
    ("too-few-events", "traceback", "4 events, too few to split",
     _study_frame(lambda df: df.head(4)), "events", None, False),
]  # fmt: skip

_SELECTIONS: list[tuple[str, str, str, str, str | None, bool]] = [
    # slug, category, expression, subject, fixed_on, subprocess
    ("power-tower", "hang", "a > 9**9**9**9", "9", None, True),
    ("huge-power", "hang", "a > 10**100000", "10", None, True),
    ("long-expression", "traceback", "a > 0" + " + 0" * 6000, "selection", None, False),
    ("deep-parentheses", "traceback", "(" * 2000 + "a > 0" + ")" * 2000, "selection", None, False),
    ("deep-unary", "traceback", "a > " + "-" * 3000 + "1", "selection", None, False),
    ("import", "security", "__import__('os').system('touch pwned')", "__import__", None, False),
    ("dunder-attribute", "security", "a.__class__", "__class__", None, False),
    ("lambda", "security", "(lambda: 1)()", "lambda", None, False),
    ("open-call", "security", "open('x')", "open", None, False),
    ("unknown-function", "traceback", "foo(a) > 0", "foo", None, False),
    ("wrong-arity", "traceback", "abs(a, b) > 0", "abs", None, False),
    ("numpy-out-argument", "traceback", "sqrt(a, a) > 0", "sqrt", None, False),
    ("keyword-argument", "traceback", "sqrt(a, out=b) > 0", "sqrt", None, False),
    ("division-by-zero", "ok", "a / 0 > 1", "", None, False),  # elementwise: +-inf, defined
    ("syntax-error", "traceback", "a >", "a >", None, False),
    ("constant-division-by-zero", "traceback", "a > 1/0", "selection", None, False),
    ("huge-integer", "traceback", "a > 10**400", "selection", None, False),
    ("overflowing-float-power", "traceback", "a > 10.0**400", "selection", None, False),
    ("modulo-by-zero", "traceback", "a > 5 % 0", "selection", None, False),
    ("string-constant", "traceback", "a > 'x'", "'x'", None, False),
    ("unknown-column", "traceback", "aa > 0", "aa", None, False),
    ("selects-nothing", "traceback", "a > 1e9", "selection", None, False),
    ("non-boolean", "traceback", "a + b", "selection", None, False),
    ("comprehension", "security", "[x for x in a]", "selection", None, False),
    ("subscript-call", "security", "a[0]()", "selection", None, False),
    ("walrus", "security", "(x := a) > 0", "selection", None, False),
]

for _slug, _cat, _what, _build, _subject, _fix, _sub in _CONFIG_CASES:
    case(_slug, _cat, _what, _build, _subject, _fix, _sub)
for _slug, _cat, _expr, _subject, _fix, _sub in _SELECTIONS:
    case(f"selection-{_slug}", _cat, f"selection: {_expr[:60]}{'...' if len(_expr) > 60 else ''}",
         _study(_selection(_expr)), _subject, _fix, _sub)  # fmt: skip

# study outputs
case("study-existing-output", "data-loss", "study -o an existing report directory without --force",
     lambda w: (w.previous_output(w.out), study_args(w, w.config(GOOD.replace("{name: fisher, model: fisher}", "{name: fisher, model: bdtt}"))))[1],
     "bdtt", None, survives=True)  # fmt: skip
case("study-output-is-file", "traceback", "study -o an existing regular file",
     lambda w: ["study", str(w.config(GOOD)), "-o", str(_touch(w.out.parent / "report"))],
     "report")  # fmt: skip
case("study-output-under-file", "traceback", "study -o a path below a regular file",
     lambda w: ["study", str(w.config(GOOD)), "-o", str(_touch(w.out.parent / "f") / "report")],
     "f")  # fmt: skip


# an output is replaced whole when its run completes: a folder that is not a neyman output,
# or one holding the run's inputs, must be refused before anything is written
case("study-output-is-input-folder", "data-loss", "study -o the folder holding the config and events",
     lambda w: ["study", str(w.config(GOOD)), "-o", str(w.inputs)], "events.csv")  # fmt: skip
case("study-output-dot", "data-loss", "study -o . (the working folder, holding the inputs)",
     lambda w: ["study", str(w.config(GOOD)), "-o", "."], "events.csv")  # fmt: skip
case("study-output-dotdot", "data-loss", "study -o in/sub/.. (the inputs' folder, spelt with ..)",
     lambda w: ["study", str(w.config(GOOD)), "-o", str(w.inputs / "sub" / "..")], "events.csv")  # fmt: skip
case("study-output-user-folder", "data-loss", "study -o a folder of the user's own files",
     lambda w: (_user_folder(w), study_args(w, w.config(GOOD)))[1], "notes.txt", survives=True)  # fmt: skip
case("study-output-symlink-to-user-folder", "data-loss", "study -o a symlink to a folder of the user's files",
     lambda w: ["study", str(w.config(GOOD)), "-o", str(_link_to_user_folder(w))], "symbolic link")  # fmt: skip
case("study-output-symlink-to-empty-folder", "silent-wrong", "study -o a symlink to an empty folder (the link was replaced, the folder left empty)",
     lambda w: ["study", str(w.config(GOOD)), "-o", str(_link_to_folder(w))], "symbolic link")  # fmt: skip
case("study-leftovers-of-killed-run", "silent-wrong", "study -o an output whose last run was killed by SIGKILL (its lock and temporary folder left)",
     lambda w: (_killed_run_leftovers(w), study_args(w, w.config(GOOD)))[1], "removed 2 temporary folder(s)", warns=True)  # fmt: skip
case("study-output-name-too-long", "traceback", "study -o a folder name of 300 characters",
     lambda w: ["study", str(w.config(GOOD)), "-o", str(w.out.parent / ("x" * 300))], "bytes long")  # fmt: skip
case("study-long-feature-expression", "ok", "a 300-character feature expression (its figure's file name)",
     _study(GOOD.replace("[a, b]", "[b, " + " + ".join(["a"] * 75) + "]")))  # fmt: skip
case("apply-output-name-too-long", "traceback", "apply -o a file name of 300 characters",
     lambda w: apply_args(w, w.model(), w.table("csv"))[:-1] + [str(w.out.parent / ("x" * 300 + ".csv"))],
     "File name too long")  # fmt: skip
case("apply-output-unwritable-place", "traceback", "apply -o a file in /proc (nothing can be created there)",
     lambda w: apply_args(w, w.model(), w.table("csv"))[:-1] + ["/proc/hostile-scored.csv"],
     "/proc/hostile-scored.csv")  # fmt: skip

# compare reads study outputs; its own output must be apart from them
case("compare-output-is-input", "data-loss", "compare -o one of the study outputs it compares",
     lambda w: ["compare", str(s := _study_output(w, "s1")), str(_study_output(w, "s2")), "-o", str(s)],
     "s1")  # fmt: skip
case("compare-output-inside-input", "data-loss", "compare -o a folder inside a study output it compares",
     lambda w: ["compare", str(s := _study_output(w, "s1")), str(_study_output(w, "s2")), "-o", str(s / "cmp")],
     "s1")  # fmt: skip
case("compare-output-user-folder", "data-loss", "compare -o a folder of the user's own files",
     lambda w: (_user_folder(w), ["compare", str(_study_output(w, "s1")), str(_study_output(w, "s2")), "-o", str(w.out)])[1],
     "notes.txt", survives=True)  # fmt: skip
case("compare-output-is-file", "traceback", "compare -o an existing regular file",
     lambda w: ["compare", str(_study_output(w, "s1")), str(_study_output(w, "s2")), "-o", str(_touch(w.out.parent / "report"))],
     "report")  # fmt: skip
case("compare-output-symlink-to-earlier-comparison", "silent-wrong", "compare -o a symlink to an earlier comparison (the link was replaced)",
     lambda w: (_earlier_comparison(w), ["compare", str(_study_output(w, "s1")), str(_study_output(w, "s2")), "-o", str(_link_to_folder(w, w.out))])[1],
     "symbolic link")  # fmt: skip
case("compare-unrelated-folder", "traceback", "compare given a folder that is not a study output",
     lambda w: ["compare", str(_study_output(w, "s1")), str(_mkdir(w.inputs / "photos")), "-o", str(w.out)],
     "photos")  # fmt: skip
case("compare-replaces-earlier-comparison", "ok", "compare -o an earlier comparison (replaced)",
     lambda w: (_earlier_comparison(w), ["compare", str(_study_output(w, "s1")), str(_study_output(w, "s2")), "-o", str(w.out)])[1])  # fmt: skip


def _user_folder(w: Workspace) -> Path:
    w.out.mkdir(parents=True, exist_ok=True)
    (w.out / "notes.txt").write_text("a week of notes\n")
    w.previous = w.out
    return w.out


def _link_to_user_folder(w: Workspace) -> Path:
    folder = w.inputs / "thesis"
    folder.mkdir()
    (folder / "notes.txt").write_text("a week of notes\n")
    w.out.symlink_to(folder, target_is_directory=True)
    return w.out


def _link_to_folder(w: Workspace, folder: Path | None = None) -> Path:
    """``w.out`` made a link to ``folder`` (a new empty one under the inputs when None);
    returns the link."""
    if folder is None:
        folder = w.inputs / "scratch"
        folder.mkdir()
    link = w.out.parent / "link"
    link.symlink_to(folder, target_is_directory=True)
    return link


def _killed_run_leftovers(w: Workspace) -> None:
    """What a study killed by SIGKILL leaves beside its output: its lock (a dead process),
    its temporary folder, and the previous report's folder moved aside inside commit."""
    w.out.parent.mkdir(parents=True, exist_ok=True)
    (w.out.parent / f".{w.out.name}.lock").write_text("999999999\n")
    (w.out.parent / f".{w.out.name}.tmp-k1ll3d00" / "models").mkdir(parents=True)
    (w.out.parent / f".{w.out.name}.old-k1ll3d00").mkdir()


def _study_output(w: Workspace, name: str) -> Path:
    """A minimal study output: a metrics.json naming one method (no saved scores)."""
    import json

    folder = w.inputs / name
    folder.mkdir()
    doc = {"study": name, "methods": [{"name": "fisher", "auc": 0.7, "rejection": {"0.5": 4.0}}]}
    (folder / "metrics.json").write_text(json.dumps(doc))
    (folder / "index.html").write_text(f"report of {name}\n")
    return folder


def _earlier_comparison(w: Workspace) -> None:
    w.out.mkdir(parents=True)
    (w.out / "compare.json").write_text("{}")
    (w.out / "index.html").write_text("an earlier comparison\n")


#: cases that still fail, and why
PENDING: dict[str, str] = {
    # not a bug to fix: nothing in these files can tell a flipped value from a true one
    "silent-wrong-root-bit-flipped-foreign": "cannot be detected: ROOT stores a basket that "
    "does not compress (random float64 here) raw, without a checksum; files neyman writes "
    "carry SHA-256 checksums of their columns (the case above)",
    "silent-wrong-h5-bit-flipped-foreign": "cannot be detected: an HDF5 dataset written "
    "without the Fletcher-32 filter has no checksum (and Fletcher-32 cannot see 0x00 flipped "
    "to 0xFF); files neyman writes carry SHA-256 checksums of their columns (the case above)",
}
CASES[:] = [Case(**{**c.__dict__, "fixed_on": PENDING.get(c.id)}) for c in CASES]
