"""Constituent preprocessing and jet images on hand-built jets."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pandas as pd
import pytest

from neyman.data.constituents import (
    FEATURE_NAMES,
    as_jagged,
    jet_axis,
    jet_images,
    pad_constituents,
    particle_features,
    particle_inputs,
)
from neyman.errors import DataError

JET = np.array([[10.0, 0.1, 0.2, 12.0], [30.0, 0.0, 0.0, 31.0], [5.0, -0.2, 0.1, 5.5]])


def test_every_form_reads_the_same() -> None:
    rec = ak.Array([{"pt": JET[:, 0], "eta": JET[:, 1], "phi": JET[:, 2], "e": JET[:, 3]}])
    records = ak.zip({"pt": rec.pt, "eta": rec.eta, "phi": rec.phi, "e": rec.e})
    frame = pd.DataFrame(
        {f"part_{k}": [JET[:, i]] for i, k in enumerate(("pt", "eta", "phi", "e"))}
    )
    padded = np.zeros((1, 5, 4))
    padded[0, :3] = JET
    for form in ([JET], records, frame, padded):
        (jet,) = as_jagged(form)
        np.testing.assert_array_equal(jet, JET)


def test_padding_sorts_truncates_and_masks() -> None:
    pc = pad_constituents([JET, JET[:1]], 2)
    np.testing.assert_array_equal(pc.pt, [[30.0, 10.0], [10.0, 0.0]])
    np.testing.assert_array_equal(pc.mask, [[True, True], [True, False]])
    np.testing.assert_array_equal(pc.e, [[31.0, 12.0], [12.0, 0.0]])


def test_features_relative_to_the_jet_axis() -> None:
    pc = pad_constituents([JET], 4)
    pt, eta, phi, e = jet_axis(pc)
    px = np.sum(JET[:, 0] * np.cos(JET[:, 2]))
    py = np.sum(JET[:, 0] * np.sin(JET[:, 2]))
    pz = np.sum(JET[:, 0] * np.sinh(JET[:, 1]))
    assert pt[0] == pytest.approx(np.hypot(px, py))
    assert eta[0] == pytest.approx(np.arcsinh(pz / np.hypot(px, py)))
    assert e[0] == pytest.approx(JET[:, 3].sum())
    f = particle_features(pc)[0]
    col = {n: f[:, i] for i, n in enumerate(FEATURE_NAMES)}
    # first slot: the 30 GeV particle at (0, 0)
    assert col["deta"][0] == pytest.approx(-eta[0])
    assert col["dphi"][0] == pytest.approx(-phi[0])
    assert col["log_pt_rel"][0] == pytest.approx(np.log(30.0 / pt[0]))
    assert col["log_e"][0] == pytest.approx(np.log(31.0))
    assert col["delta_r"][1] == pytest.approx(np.hypot(col["deta"][1], col["dphi"][1]))
    assert np.all(f[3] == 0)  # padding


def test_dphi_wraps_across_pi() -> None:
    jet = np.array([[10.0, 0.0, np.pi - 0.05, 10.0], [10.0, 0.0, -np.pi + 0.05, 10.0]])
    f = particle_features(pad_constituents([jet], 2))[0]
    np.testing.assert_allclose(np.sort(f[:, 1]), [-0.05, 0.05], atol=1e-12)


def test_inputs_have_a_mask_channel() -> None:
    x = particle_inputs([JET, JET[:1]], 4)
    assert x.shape == (2, 4, 1 + len(FEATURE_NAMES))
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x[:, :, 0], [[1, 1, 1, 0], [1, 0, 0, 0]])
    assert np.all(x[1, 1:, 1:] == 0)


def test_jet_image_centres_rotates_flips_and_normalises() -> None:
    # two particles along eta, pT 3 and 1, centroid at (0, 0.5)
    jet = np.array([[3.0, -0.25, 0.5, 3.0], [1.0, 0.75, 0.5, 1.0]])
    img = jet_images([jet], bins=31, extent=1.0)[0, 0]
    assert img.sum() == pytest.approx(1.0)
    # rotated onto the vertical axis, the harder particle flipped upwards:
    # column of x = 0 is 15; rows of y = +0.25 and -0.75 are 19 and 3
    assert img[19, 15] == pytest.approx(0.75)
    assert img[3, 15] == pytest.approx(0.25)
    assert np.count_nonzero(img) == 2
    # the order of the particles does not matter, nor does the jet's position
    moved = jet + np.array([0.0, 1.0, -2.0, 0.0])
    np.testing.assert_array_equal(jet_images([moved[::-1]], bins=31)[0, 0], img)
    raw = jet_images([jet], bins=31, rotate=False, flip=False, normalize=False)[0, 0]
    assert raw.sum() == pytest.approx(4.0)
    assert raw[15, 11] == pytest.approx(3.0)  # x = -0.25 -> column 11, y = 0 -> row 15


def test_cnn_reads_jet_images() -> None:
    from neyman.models import CNNClassifier

    rng = np.random.default_rng(1)
    jets = [
        np.column_stack(
            [
                rng.exponential(5, 6) + 1,
                rng.normal(0, 0.2, 6),
                rng.normal(0, 0.2, 6),
                np.full(6, 9.0),
            ]
        )
        for _ in range(8)
    ]
    images = jet_images(jets, bins=8)
    clf = CNNClassifier(("conv2x3", "dense4"), epochs=1, random_state=0, verbose=0).fit(
        images, np.arange(8) % 2
    )
    assert clf.input_shape_ == (1, 8, 8)


def test_bad_constituents_name_the_problem() -> None:
    with pytest.raises(DataError, match=r"shape \(n_particles, 4\)") as err:
        as_jagged([np.zeros((3, 3))])
    assert err.value.key == "constituents"
    with pytest.raises(DataError, match="part_eta") as err:
        as_jagged(
            pd.DataFrame({"part_pt": [JET[:, 0]], "part_phi": [JET[:, 2]], "part_e": [JET[:, 3]]})
        )
    assert err.value.key == "part_eta"
    with pytest.raises(DataError, match="cannot read jet constituents"):
        as_jagged(3.0)
    with pytest.raises(DataError, match="NaN"):
        pad_constituents([np.array([[1.0, np.nan, 0.0, 1.0]])], 2)
