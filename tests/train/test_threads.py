"""The thread policy (``neyman._util.threads``) and its use around fit and predict.

Oracles: fake cgroup directories with known quotas, explicit environments, the affinity mask
read independently with ``os.sched_getaffinity``, and torch's/threadpoolctl's own counts
before and after.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

from neyman._util.threads import (
    ENV_VAR,
    SMALL_WORK,
    available_cpus,
    cgroup_cpu_limit,
    resolve_threads,
    thread_limits,
)
from neyman.errors import ConfigError, ModelError
from neyman.models import MLPClassifier
from neyman.train import torch_threads

V2_SELF = "0::/jobs/job42\n"
V1_SELF = "4:memory:/slurm/job7\n2:cpu,cpuacct:/slurm/job7\n"


def _v2(tmp_path: Path, text: str, sub: str = "jobs/job42") -> Path:
    (tmp_path / sub).mkdir(parents=True)
    (tmp_path / sub / "cpu.max").write_text(text)
    return tmp_path


def _v1(tmp_path: Path, quota: str, period: str = "100000") -> Path:
    d = tmp_path / "cpu,cpuacct" / "slurm" / "job7"
    d.mkdir(parents=True)
    (d / "cpu.cfs_quota_us").write_text(quota)
    (d / "cpu.cfs_period_us").write_text(period)
    return tmp_path


def _affinity() -> int:
    return len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("text", "cpus"), [("150000 100000", 1.5), ("400000 100000", 4.0)])
def test_cgroup_v2_quota_of_own_group(tmp_path: Path, text: str, cpus: float) -> None:
    root = _v2(tmp_path, text)
    assert cgroup_cpu_limit(root, V2_SELF) == pytest.approx(cpus)


def test_cgroup_v2_unlimited_and_missing(tmp_path: Path) -> None:
    assert cgroup_cpu_limit(_v2(tmp_path, "max 100000"), V2_SELF) is None
    assert cgroup_cpu_limit(tmp_path / "nowhere", V2_SELF) is None


def test_cgroup_v2_at_the_root_as_in_a_container(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("250000 100000")
    assert cgroup_cpu_limit(tmp_path, "0::/\n") == pytest.approx(2.5)


def test_cgroup_v1_quota_and_unlimited(tmp_path: Path) -> None:
    assert cgroup_cpu_limit(_v1(tmp_path / "a", "50000"), V1_SELF) == pytest.approx(0.5)
    assert cgroup_cpu_limit(_v1(tmp_path / "b", "-1"), V1_SELF) is None


def test_available_cpus_takes_the_smallest_limit(tmp_path: Path) -> None:
    root = _v2(tmp_path, "150000 100000")  # 1.5 CPUs -> 1
    assert available_cpus(environ={}, cgroup_root=root, proc_cgroup=V2_SELF) == 1
    nowhere = tmp_path / "none"
    expected = _affinity()
    assert available_cpus(environ={}, cgroup_root=nowhere, proc_cgroup="") == expected
    got = available_cpus(environ={"OMP_NUM_THREADS": "1"}, cgroup_root=nowhere, proc_cgroup="")
    assert got == 1
    ignored = {"OMP_NUM_THREADS": "lots"}
    assert available_cpus(environ=ignored, cgroup_root=nowhere, proc_cgroup="") == expected


def test_resolution_order(tmp_path: Path) -> None:
    nowhere = tmp_path / "none"
    kw = {"cgroup_root": nowhere, "proc_cgroup": ""}
    big = 10.0 * SMALL_WORK
    # an explicit number always wins, over the environment and the work size
    assert resolve_threads(3, work=1.0, environ={ENV_VAR: "2"}, **kw) == 3
    # then NEYMAN_NUM_THREADS, also for small work
    assert resolve_threads("auto", work=1.0, environ={ENV_VAR: "2"}, **kw) == 2
    # then auto: one thread for small work, the available CPUs for large work
    assert resolve_threads("auto", work=SMALL_WORK - 1, environ={}, **kw) == 1
    assert resolve_threads("auto", work=big, environ={}, **kw) == _affinity()
    assert resolve_threads("auto", work=big, environ={ENV_VAR: "auto"}, **kw) == _affinity()


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "many", None, float("nan"), float("inf")])
def test_bad_counts_are_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="n_threads=") as info:
        resolve_threads(bad, environ={})  # type: ignore[arg-type]
    assert info.value.key == "n_threads"
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", ["zero", "0", "-1", "1.5", "two\nlines"])
def test_bad_environment_names_the_variable_the_value_and_the_fix(bad: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_threads("auto", environ={ENV_VAR: bad})
    message = str(info.value)
    assert message.startswith(f"{ENV_VAR}={bad.strip()!r} is not a positive integer")
    assert f"e.g. {ENV_VAR}=1" in message and "unset it" in message
    assert "\n" not in message
    assert info.value.key == ENV_VAR and info.value.value == bad


def _blas_threads() -> list[int]:
    return [int(p["num_threads"]) for p in threadpool_info()]


def _fail_inside_one_thread() -> None:
    with thread_limits(1):
        assert torch.get_num_threads() == 1
        assert set(_blas_threads()) == {1}
        msg = "inside"
        raise RuntimeError(msg)


def test_thread_limits_restores_after_a_raise() -> None:
    with torch_threads(2):  # a known starting point other than 1 (torch and BLAS)
        before_torch, before_blas = torch.get_num_threads(), _blas_threads()
        assert before_torch == 2 and set(before_blas) == {2}
        with pytest.raises(RuntimeError, match="inside"):
            _fail_inside_one_thread()
        assert torch.get_num_threads() == before_torch
        assert _blas_threads() == before_blas


def _xor(rng: np.random.Generator, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def test_fit_uses_the_policy_and_restores(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the "auto" rule itself: a NEYMAN_NUM_THREADS exported by whoever runs the suite would win
    monkeypatch.delenv(ENV_VAR, raising=False)
    X, y = _xor(rng)
    with torch_threads(2):
        clf = MLPClassifier((8,), epochs=2, verbose=0, random_state=0, backend="torch")
        clf.fit(X, y)
        assert clf.history_.n_threads == 1  # 33 parameters x 60 events: small work
        assert torch.get_num_threads() == 2
        explicit = MLPClassifier((8,), epochs=2, verbose=0, random_state=0, n_threads=3)
        assert explicit.fit(X, y).history_.n_threads == 3
        assert torch.get_num_threads() == 2


@pytest.mark.parametrize("batch_size", [64, 1])  # the torch loop and the compiled loop
def test_fit_that_raised_restores(rng: np.random.Generator, batch_size: int) -> None:
    X, y = _xor(rng)
    with torch_threads(2):
        diverging = MLPClassifier(
            (8,), optimizer="sgd", lr=1e12, epochs=3, batch_size=batch_size, verbose=0,
            random_state=0, n_threads=1,
        )  # fmt: skip
        with pytest.raises(ModelError, match="diverged"):
            diverging.fit(X * 1e6, y)
        assert torch.get_num_threads() == 2
        assert set(_blas_threads()) == {2}


def test_environment_reaches_the_estimator(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = _xor(rng)
    monkeypatch.setenv(ENV_VAR, "2")
    clf = MLPClassifier((8,), epochs=1, verbose=0, random_state=0).fit(X, y)
    assert clf.history_.n_threads == 2
    monkeypatch.setenv(ENV_VAR, "none")
    with pytest.raises(ConfigError, match=ENV_VAR) as info:
        MLPClassifier((8,), epochs=1, verbose=0, random_state=0).fit(X, y)
    assert info.value.key == ENV_VAR  # the variable is what to fix, not n_threads


def test_bad_n_threads_parameter(rng: np.random.Generator) -> None:
    X, y = _xor(rng)
    with pytest.raises(ConfigError, match="n_threads"):
        MLPClassifier((8,), n_threads=0, verbose=0).fit(X, y)


def test_every_estimator_takes_n_threads(rng: np.random.Generator) -> None:
    import json

    from neyman.models import (
        BDTClassifier,
        FisherDiscriminant,
        HistogramLikelihoodRatio,
        KNNClassifier,
        LogisticRegression,
        RectangularCuts,
    )

    X, y = _xor(rng, 80)
    for make in (
        FisherDiscriminant,
        LogisticRegression,
        KNNClassifier,
        HistogramLikelihoodRatio,
        RectangularCuts,
    ):
        with torch_threads(2):
            model = make(n_threads=1).fit(X, y)
            assert model.get_params()["n_threads"] == 1
            model.predict_proba(X)
            assert set(_blas_threads()) == {2}  # restored after fit and predict
        with pytest.raises(ConfigError, match=r"'n_threads' parameter .* Got 0 instead"):
            make(n_threads=0).fit(X, y)
    bdt = BDTClassifier(5, n_threads=1, random_state=0).fit(X, y)
    config = json.loads(bdt.booster_.save_config())
    assert config["learner"]["generic_param"]["nthread"] == "1"


@pytest.mark.parametrize(("given", "spin"), [(None, "'0'"), ("ACTIVE", None)])
def test_openmp_threads_wait_passively(given: str | None, spin: str | None) -> None:
    """After ``import neyman``, XGBoost's libgomp loads without spinning, unless the user set a policy.

    libgomp prints its settings when it loads under OMP_DISPLAY_ENV=VERBOSE; a fresh process
    is needed because the library reads them only once.
    """
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_"))}
    env["OMP_DISPLAY_ENV"] = "VERBOSE"
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, neyman, xgboost\nprint(os.environ['OMP_WAIT_POLICY'])\n"
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == (given or "PASSIVE")  # the user's own choice is kept
    shown = {
        k.strip(): v.strip()
        for k, _, v in (line.partition("=") for line in run.stderr.splitlines())
        if k.strip() in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
    }
    if spin is not None:
        assert shown["GOMP_SPINCOUNT"] == spin
    else:
        assert shown["OMP_WAIT_POLICY"] == f"'{given}'"
