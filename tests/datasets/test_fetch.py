"""Download path: a local HTTP server on 127.0.0.1 stands in for the public source."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from neyman.datasets import DATASETS, data_dir, fetch_dataset, magic, real
from neyman.datasets._fetch import RemoteFile, locate
from neyman.errors import DataError

from .test_real import MAGIC_ROWS, write_magic


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """Serve ``tmp_path / "www"`` on 127.0.0.1; downloads allowed, proxies bypassed."""
    www = tmp_path / "www"
    www.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.delenv("NEYMAN_OFFLINE")
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_cache_dir_from_environment(data_cache: Path) -> None:
    assert data_dir() == data_cache


def test_good_checksum_is_stored_in_cache(server: tuple[str, Path], data_cache: Path) -> None:
    url, www = server
    src = write_magic(www / "magic04.data")
    remote = RemoteFile("magic04.data", f"{url}/magic04.data", sha256(src))
    got = locate(remote)
    assert got == data_cache / "magic04.data"
    assert got.read_bytes() == src.read_bytes()
    assert sorted(p.name for p in data_cache.iterdir()) == ["magic04.data"]
    # a second call uses the cache, even with the source gone
    src.unlink()
    assert locate(remote) == got


def test_bad_checksum_is_refused_and_leaves_nothing(
    server: tuple[str, Path], data_cache: Path
) -> None:
    url, www = server
    write_magic(www / "magic04.data")
    remote = RemoteFile("magic04.data", f"{url}/magic04.data", "sha256:" + "0" * 64)
    with pytest.raises(DataError, match=r"refused: checksum mismatch.*nothing was stored") as err:
        locate(remote)
    assert "magic04.data" in str(err.value) and url in str(err.value)
    assert not data_cache.exists() or list(data_cache.iterdir()) == []


def test_server_error_names_url_and_file(server: tuple[str, Path], data_cache: Path) -> None:
    url, _ = server
    remote = RemoteFile("HIGGS.csv.gz", f"{url}/missing/HIGGS.csv.gz", None)
    with pytest.raises(
        DataError, match=r"HIGGS\.csv\.gz is not in the cache and downloading failed.*404"
    ) as err:
        locate(remote)
    assert f"{url}/missing/HIGGS.csv.gz" in str(err.value)
    assert not (data_cache / "HIGGS.csv.gz").exists()


def test_loader_and_fetch_download_end_to_end(
    server: tuple[str, Path], data_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, www = server
    src = write_magic(www / "magic04.data")
    remote = RemoteFile("magic04.data", f"{url}/magic04.data", sha256(src))
    monkeypatch.setattr(real, "MAGIC_FILE", remote)
    ds = magic()
    assert ds.n_events == len(MAGIC_ROWS)
    assert ds.meta["path"] == str(data_cache / "magic04.data")
    (data_cache / "magic04.data").unlink()
    monkeypatch.setitem(DATASETS, "magic", dataclasses.replace(DATASETS["magic"], files=(remote,)))
    assert fetch_dataset("magic") == data_cache / "magic04.data"
    assert (data_cache / "magic04.data").read_bytes() == src.read_bytes()
