"""Lab linear-regions: 81/111 parameters, the exact zoom-out radius, region counts."""

from __future__ import annotations

import io
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from rich.console import Console
from torch import nn

from neyman.errors import ConfigError
from neyman.labs import get_lab, linear_regions

NETS = {"2-20-1": (20,), "2-5-5-5-5-1": (5, 5, 5, 5)}


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("linear_regions")
    console = Console(file=io.StringIO(), width=120)
    return linear_regions.run(quick=True, out=out, console=console), out


def torch_net(weights: list[Any]) -> nn.Sequential:
    """The network rebuilt in float64 torch from the lab's weights."""
    mods: list[nn.Module] = []
    for k, (W, b) in enumerate(weights):
        lin = nn.Linear(len(W[0]), len(W)).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(W, dtype=torch.float64))
            lin.bias.copy_(torch.tensor(b, dtype=torch.float64))
        mods.append(lin)
        if k < len(weights) - 1:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def test_registered_as_a_lab() -> None:
    assert get_lab("linear-regions") is linear_regions
    assert "\n" not in linear_regions.SUMMARY


def test_parameter_counts(lab_run: tuple[Any, Path]) -> None:
    a = lab_run[0].answers
    assert a["2-20-1"]["n_parameters"] == 81 == 2 * 20 + 20 + 20 + 1
    assert a["2-5-5-5-5-1"]["n_parameters"] == 111 == 15 + 3 * 30 + 6


def test_weights_are_the_random_initialisation(lab_run: tuple[Any, Path]) -> None:
    # PyTorch's default init right after torch.manual_seed(0), as MLPRegressor documents
    for name, hidden in NETS.items():
        torch.manual_seed(0)
        sizes = (2, *hidden, 1)
        ref = [nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
        for (W, b), lin in zip(lab_run[0].answers[name]["weights"], ref, strict=True):
            np.testing.assert_array_equal(W, lin.weight.detach().double().numpy())
            np.testing.assert_array_equal(b, lin.bias.detach().double().numpy())


def test_zoom_radius_is_exact(lab_run: tuple[Any, Path]) -> None:
    info = lab_run[0].answers["2-20-1"]
    W, b = (np.array(v) for v in info["weights"][0])
    points = []
    for i, j in combinations(range(len(b)), 2):
        A = W[[i, j]]
        assert abs(np.linalg.det(A)) > 1e-12  # no parallel pair: general position
        points.append(np.linalg.solve(A, -b[[i, j]]))
    expected = max(np.hypot(*p) for p in points)
    assert info["zoom_radius"] == pytest.approx(expected, rel=1e-9)
    assert info["zoom_half_width"] == pytest.approx(1.2 * max(expected, 10.0), rel=1e-12)
    assert info["max_regions"] == 1 + 20 + len(points) == 211


@pytest.mark.parametrize("name", list(NETS))
def test_region_count_is_the_number_of_activation_patterns(
    lab_run: tuple[Any, Path], name: str
) -> None:
    a = lab_run[0].answers
    info, n = a[name], a["grid"]
    assert n >= 500
    net = torch_net(info["weights"])
    signs: list[torch.Tensor] = []
    hooks = [
        m.register_forward_hook(lambda _m, inp, _o: signs.append(inp[0] > 0))
        for m in net
        if isinstance(m, nn.ReLU)
    ]
    axis = torch.linspace(-10, 10, n, dtype=torch.float64)
    g1, g2 = torch.meshgrid(axis, axis, indexing="xy")
    with torch.no_grad():
        net(torch.stack([g1.ravel(), g2.ravel()], dim=1))
    for h in hooks:
        h.remove()
    patterns = torch.unique(torch.cat(signs, dim=1).to(torch.int8), dim=0)
    assert info["regions"] == patterns.shape[0]
    assert info["regions"] <= info["regions_both"]
    if name == "2-20-1":
        assert info["regions_both"] <= info["max_regions"]


def _circle_patterns(weights: list[Any], radii: Any, n_angles: int) -> dict[bytes, float]:
    """Independent oracle: activation patterns (torch hooks) on circles, first radius of each."""
    net = torch_net(weights)
    first: dict[bytes, float] = {}
    angles = torch.linspace(0, 2 * np.pi, n_angles + 1, dtype=torch.float64)[:-1]
    for r in radii:
        signs: list[torch.Tensor] = []
        hooks = [
            m.register_forward_hook(lambda _m, inp, _o, acc=signs: acc.append(inp[0] > 0))
            for m in net
            if isinstance(m, nn.ReLU)
        ]
        with torch.no_grad():
            net(float(r) * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1))
        for h in hooks:
            h.remove()
        for row in torch.unique(torch.cat(signs, dim=1).to(torch.uint8), dim=0).numpy():
            first.setdefault(row.tobytes(), float(r))
    return first


def test_deep_window_finds_the_far_regions(lab_run: tuple[Any, Path]) -> None:
    a = lab_run[0].answers
    deep, shallow = a["2-5-5-5-5-1"], a["2-20-1"]
    first = _circle_patterns(deep["weights"], np.geomspace(0.5, 1e6, 400), 4000)
    far = {p: r for p, r in first.items() if r > shallow["zoom_half_width"]}
    # the deep net has regions beyond the shallow net's window: reusing it misses them
    assert far
    assert deep["regions_beyond_shallow_window"] >= len(far)
    # the window derived from the deep net's own breakpoints reaches every one of them
    assert deep["zoom_half_width"] >= max(far.values()) > shallow["zoom_half_width"]
    assert deep["regions_both"] >= len(first)
    assert deep["zoom_radius"] is None


def test_shallow_rays_meet_every_region(lab_run: tuple[Any, Path]) -> None:
    info = lab_run[0].answers["2-20-1"]
    # 20 lines in general position: the rays and grids find all 211 cells, none more
    assert info["regions_rays"] == info["regions_both"] == info["max_regions"] == 211


def test_gradient_observation_is_computed(lab_run: tuple[Any, Path]) -> None:
    for name in NETS:
        frac = lab_run[0].answers[name]["gradient_constant_fraction"]
        # a boundary pixel is one whose 3x3 neighbourhood crosses a line: few at 500 points
        assert 0.8 < frac < 1.0


def test_figures(lab_run: tuple[Any, Path]) -> None:
    result, out = lab_run
    expected = sorted(f"{kind}_{name}.png" for kind in ("output", "gradient") for name in NETS)
    assert sorted(p.name for p in out.iterdir()) == expected
    assert len(result.figures) == 4


def test_bad_options() -> None:
    console = Console(file=io.StringIO())
    with pytest.raises(ConfigError, match="'grid' of lab linear-regions must be an int >= 500"):
        linear_regions.run(console=console, grid=100)
    with pytest.raises(ConfigError, match="no option 'sed'; did you mean 'seed'"):
        linear_regions.run(console=console, sed=1)
