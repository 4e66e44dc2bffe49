from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neyman.data import Dataset, Standardizer
from neyman.errors import DataError, MissingColumnError


def _toy(rng: np.random.Generator, n: int = 400) -> Dataset:
    X = rng.normal(size=(n, 3))
    y = (rng.random(n) < 0.3).astype(int)
    return Dataset(X, y=y, feature_names=["pt", "eta", "phi"], feature_groups={"low": ["pt"]})


def test_dtypes_and_defaults(rng: np.random.Generator) -> None:
    ds = _toy(rng)
    assert ds.X.dtype == np.float32
    assert ds.y is not None and ds.y.dtype == np.int64
    assert ds.weight is not None and np.all(ds.weight == 1.0)
    assert ds.n_features == 3 and not ds.is_image


def test_images_keep_their_shape(rng: np.random.Generator) -> None:
    ds = Dataset(rng.random((10, 1, 8, 8)), y=np.arange(10) % 2)
    assert ds.is_image and ds.X.shape == (10, 1, 8, 8) and ds.n_features == 64


def test_summary_counts_and_stats(rng: np.random.Generator) -> None:
    ds = _toy(rng)
    ds.X[0, 1] = np.nan
    s = ds.summary()
    assert ds.y is not None
    assert s.classes.loc["1", "events"] == int((ds.y == 1).sum())
    assert s.features.loc["eta", "nan"] == 1
    np.testing.assert_allclose(
        s.features.loc["pt", "mean"], ds.X[:, 0].astype(float).mean(), rtol=1e-6
    )
    assert "weighted" in str(s)


def test_weighted_sums(rng: np.random.Generator) -> None:
    w = rng.random(50)
    ds = Dataset(rng.normal(size=(50, 1)), y=np.arange(50) % 2, weight=w)
    s = ds.summary()
    assert s.classes.loc["0", "weighted"] == pytest.approx(w[::2].sum())


def test_split_is_stratified_disjoint_and_reproducible(rng: np.random.Generator) -> None:
    ds = _toy(rng, 1000)
    a = ds.split(val=0.2, test=0.3, random_state=7)
    b = ds.split(val=0.2, test=0.3, random_state=7)
    assert [len(p) for p in a] == [len(p) for p in b]
    np.testing.assert_array_equal(a.test.X, b.test.X)
    assert sum(len(p) for p in a) == 1000
    assert ds.y is not None and a.train.y is not None and a.test.y is not None
    frac = ds.y.mean()
    assert abs(a.train.y.mean() - frac) < 0.01 and abs(a.test.y.mean() - frac) < 0.01
    rows = {tuple(r) for p in a for r in p.X.tolist()}
    assert len(rows) == 1000  # no event in two parts


def test_kfold(rng: np.random.Generator) -> None:
    ds = _toy(rng, 100)
    folds = list(ds.kfold(5, random_state=0))
    assert len(folds) == 5
    assert sum(len(te) for _, te in folds) == 100
    with pytest.raises(DataError, match="k="):
        list(ds.kfold(1))


def test_select_features_and_groups(rng: np.random.Generator) -> None:
    ds = _toy(rng)
    assert ds.select("low").feature_names == ["pt"]
    assert ds.select(["phi", "pt"]).X.shape == (400, 2)
    with pytest.raises(MissingColumnError, match="did you mean 'eta'"):
        ds.select(["etta"])


def test_frame_round_trip(rng: np.random.Generator) -> None:
    ds = _toy(rng)
    df = ds.to_frame()
    back = Dataset.from_frame(df, features=["pt", "eta", "phi"], target="label", weight="weight")
    np.testing.assert_array_equal(back.X, ds.X)
    assert back.y is not None and ds.y is not None
    np.testing.assert_array_equal(back.y, ds.y)


def test_from_frame_missing_column_names_neighbour() -> None:
    df = pd.DataFrame({"pt1": [1.0], "eta1": [0.0], "label": [1]})
    with pytest.raises(MissingColumnError, match=r"'pt_1'.*did you mean 'pt1'"):
        Dataset.from_frame(df, features=["pt_1"])


def test_nan_raises_with_columns_or_drops() -> None:
    df = pd.DataFrame(
        {"a": [1.0, np.nan, 3.0, np.inf], "b": [1.0, 2.0, 3.0, 4.0], "label": [0, 1, 0, 1]}
    )
    with pytest.raises(DataError, match=r"a \(2\).*nan_policy='drop'"):
        Dataset.from_frame(df)
    ds = Dataset.from_frame(df, nan_policy="drop")
    assert ds.n_events == 2 and ds.meta["dropped_nonfinite"] == 2


def test_single_class_is_refused() -> None:
    ds = Dataset(np.zeros((5, 1)), y=np.ones(5, int), name="sig-only")
    with pytest.raises(DataError, match="only class"):
        ds.require_classes(2)


def test_mismatched_lengths() -> None:
    with pytest.raises(DataError, match="y has shape"):
        Dataset(np.zeros((5, 2)), y=np.zeros(4))
    with pytest.raises(DataError, match="weight has shape"):
        Dataset(np.zeros((5, 2)), weight=np.zeros(6))


def test_from_sources_labels_and_concatenates(rng: np.random.Generator) -> None:
    s = pd.DataFrame({"x": rng.normal(size=30), "w": 2.0})
    b = pd.DataFrame({"x": rng.normal(size=20), "w": 1.0})
    ds = Dataset.from_sources(signal=s, background=b, features=["x"], weight="w")
    assert ds.y is not None and ds.weight is not None
    assert ds.y.sum() == 30 and len(ds) == 50
    assert ds.weight.sum() == pytest.approx(80.0)


def test_standardizer_fits_on_train_only_and_units(rng: np.random.Generator) -> None:
    ds = _toy(rng, 1000)
    parts = ds.split(test=0.5, random_state=1)
    st = Standardizer().fit(parts.train)
    tr = st.transform(parts.train)
    np.testing.assert_allclose(tr.X.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(tr.X.std(axis=0), 1.0, atol=1e-4)
    te = st.transform(parts.test)
    assert not np.allclose(te.X.mean(axis=0), 0.0, atol=1e-5)  # test part not refit
    st2 = Standardizer(units={"pt": 100.0}).fit(parts.train)
    np.testing.assert_allclose(
        st2.transform(parts.train).X[:, 0], parts.train.X[:, 0] / 100.0, rtol=1e-6
    )
    with pytest.raises(DataError, match="not fitted"):
        Standardizer().transform(ds)


# ----------------------------------------------------------------------- bad inputs
def _frame(rng: np.random.Generator, n: int = 50) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "w": rng.random(n) + 0.1,
            "label": np.arange(n) % 2,
        }
    )


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        (np.nan, r"weight column 'w' is nan in 1 of 50 events \(first: event 7\)"),
        (np.inf, r"weight column 'w' is inf in 1 of 50 events"),
        (1e300, r"weight column 'w' has huge values \(1e\+300 at event 7.*finite"),
    ],
)
def test_bad_weights_name_the_column(rng: np.random.Generator, value: float, pattern: str) -> None:
    df = _frame(rng)
    df.loc[7, "w"] = value
    with pytest.raises(DataError, match=pattern) as err:
        Dataset.from_frame(df, features=["a", "b"], weight="w")
    assert err.value.key == "weight column 'w'"
    assert "NaN/inf" not in str(err.value) or not np.isfinite(value)


def test_all_zero_weights(rng: np.random.Generator) -> None:
    df = _frame(rng).assign(w=0.0)
    with pytest.raises(DataError, match=r"weight column 'w' is zero for all 50 events"):
        Dataset.from_frame(df, features=["a", "b"], weight="w")


def test_huge_feature_is_not_called_nan(rng: np.random.Generator) -> None:
    df = _frame(rng)
    df.loc[3, "b"] = -1e300
    with pytest.raises(
        DataError, match=r"feature 'b' has huge values \(-1e\+300 at event 3; finite"
    ) as err:
        Dataset.from_frame(df, features=["a", "b"])
    assert err.value.key == "b" and "NaN" not in str(err.value)


def test_nan_labels(rng: np.random.Generator) -> None:
    df = _frame(rng).astype({"label": float})
    df.loc[4, "label"] = np.nan
    with pytest.raises(DataError, match=r"label is nan in 1 events \(first: event 4\)") as err:
        Dataset.from_frame(df, features=["a"])
    assert err.value.key == "label"


def test_label_as_feature_and_duplicated_features(rng: np.random.Generator) -> None:
    df = _frame(rng)
    with pytest.raises(
        DataError, match=r"'label' is the label column and is also listed as a feature"
    ):
        Dataset.from_frame(df, features=["a", "label"])
    with pytest.raises(DataError, match=r"feature 'a' is listed more than once") as err:
        Dataset.from_frame(df, features=["a", "b", "a"])
    assert err.value.key == "a"
    twice = pd.concat([df, df[["a"]]], axis=1)
    with pytest.raises(DataError, match=r"columns named 'a' more than once"):
        Dataset.from_frame(twice, features=["a", "b"])


def test_text_feature_names_column_and_value(rng: np.random.Generator) -> None:
    df = _frame(rng).astype({"b": object})
    df.loc[9, "b"] = "oops"
    with pytest.raises(DataError, match=r"column 'b' is not numeric \(event 9 holds 'oops'\)"):
        Dataset.from_frame(df, features=["a", "b"])


def test_label_weight_or_truth_as_a_feature_is_refused() -> None:
    from neyman.data.dataset import check_feature_roles

    df = pd.DataFrame({"a": [1.0, 2.0], "w": [1.0, 1.0], "label": [0, 1]})
    with pytest.raises(DataError, match="'w' is the weight column and is also listed") as err:
        Dataset.from_frame(df, features=["a", "w"], weight="w")
    assert err.value.key == "w"
    with pytest.raises(DataError, match="'t' is the truth column and is read by the feature"):
        check_feature_roles(["a", "t * 2"], truth="t", reads=lambda f: f.split())
    check_feature_roles(["a", "b"], label="label", weight="w", truth="t")  # none of them


def test_require_split_names_the_minimum_and_the_counts() -> None:
    ds = Dataset(np.zeros((4, 1)), y=np.array([0, 1, 0, 1]), class_names=["bkg", "sig"])
    with pytest.raises(DataError, match=r"at least 8 events of each class .*found bkg 2, sig 2"):
        ds.require_split(0.2, 0.3)
    # the minimum is the least n for which split() gives each part 2 events per class
    n = 8
    big = Dataset(np.zeros((2 * n, 1)), y=np.arange(2 * n) % 2)
    big.require_split(0.2, 0.3)
    parts = big.split(val=0.2, test=0.3, random_state=0)
    assert [int((p.y == c).sum()) for p in parts for c in (0, 1)] == [4, 4, 2, 2, 2, 2]
    with pytest.raises(
        DataError, match=r"at least 6 events of each class \(2 in each of training, test\)"
    ):
        ds.require_split(0.0, 0.25)
