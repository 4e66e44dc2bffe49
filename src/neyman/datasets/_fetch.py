"""Find a real-data file: a given path, else the cache directory, else a checked download.

Read this before :mod:`neyman.datasets.real`. The order is fixed so that a loader never
surprises anyone:

1. ``path=`` given: use it (a file, or a directory holding the expected file name);
2. the cache directory (``$NEYMAN_DATA_DIR``, else ``~/.cache/neyman``) holds the file: use it;
3. download it with :mod:`pooch` into the cache, checking its hash (a file whose hash does not
   match is deleted, so no partial or corrupt file is ever left in the cache);
4. otherwise raise :class:`~neyman.errors.DataError` naming the expected file name and the URL.

Setting ``NEYMAN_OFFLINE=1`` skips step 3 (tests use it so that they never touch the network).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from neyman.errors import DataError

__all__ = ["RemoteFile", "data_dir", "locate"]


@dataclass(frozen=True)
class RemoteFile:
    """A public file: its name on disk, where it comes from, and its checksum.

    Parameters
    ----------
    filename : str
        File name in the cache directory (and the name looked for inside a ``path=`` folder).
    url : str
        Where the original is published.
    known_hash : str or None
        ``"sha256:<hex>"`` (or ``"md5:<hex>"`` where only that is published). ``None`` means
        no checksum is recorded; the loader then checks the file's schema instead.
    """

    filename: str
    url: str
    known_hash: str | None = None


#: how a user hands a file over, on the command line and in Python (one phrase, every message)
_GIVE = "--data FILE for neyman lab, --path FILE for neyman datasets fetch, path= in Python"


def data_dir() -> Path:
    """The cache directory: ``$NEYMAN_DATA_DIR`` if set, else ``~/.cache/neyman``."""
    env = os.environ.get("NEYMAN_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "neyman"


def _offline() -> bool:
    return os.environ.get("NEYMAN_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def locate(remote: RemoteFile, path: str | os.PathLike[str] | None = None) -> Path:
    """Return a local path to ``remote``: given path, cache, or checked download.

    Parameters
    ----------
    remote : RemoteFile
        The file wanted.
    path : path-like, optional
        A file to use as is, or a directory that holds ``remote.filename``.

    Returns
    -------
    Path
        An existing file.

    Raises
    ------
    DataError
        When the given path does not exist, or the file is neither cached nor downloadable
        (offline, server error, or a checksum mismatch); the message names the file and URL.
    """
    if path is not None:
        given = Path(path).expanduser()
        if given.is_dir():
            inside = given / remote.filename
            if inside.is_file():
                return inside
            msg = (
                f"{remote.filename} not found in folder {given}; download it from "
                f"{remote.url} into that folder, or give the file itself ({_GIVE})"
            )
            raise DataError(msg, path=str(inside))
        if given.is_file():
            return given
        msg = (
            f"data file {given} does not exist; download {remote.filename} from {remote.url} "
            f"and give its path ({_GIVE})"
        )
        raise DataError(msg, path=str(given))

    cache = data_dir()
    cached = cache / remote.filename
    if cached.is_file():
        return cached
    hint = (
        f"get {remote.filename} from {remote.url} and give its path ({_GIVE}), or save it "
        f"as {cached} (cache folder set by NEYMAN_DATA_DIR)"
    )
    if _offline():
        msg = f"{remote.filename} is not in the cache and NEYMAN_OFFLINE is set; {hint}"
        raise DataError(msg, path=str(cached))
    return _download(remote, cache, hint)


def _download(remote: RemoteFile, cache: Path, hint: str) -> Path:
    try:
        import pooch
    except ImportError as err:  # pragma: no cover - pooch is a core dependency
        msg = f"{remote.filename} is not in the cache and pooch is not installed; {hint}"
        raise DataError(msg) from err
    import requests

    try:
        cache.mkdir(parents=True, exist_ok=True)
        # pooch streams into a temporary file in the cache folder and moves it into place only
        # after the hash matched; on a mismatch it deletes the temporary file.
        got = pooch.retrieve(
            remote.url,
            known_hash=remote.known_hash,
            fname=remote.filename,
            path=cache,
            downloader=_http_download,
        )
    except ValueError as err:
        detail = str(err).splitlines()[0] if str(err) else type(err).__name__
        msg = (
            f"download of {remote.filename} from {remote.url} was refused: checksum mismatch "
            f"({detail}); nothing was stored; check the source or {hint}"
        )
        raise DataError(msg) from err
    except (requests.exceptions.RequestException, OSError) as err:
        detail = str(err).splitlines()[0] if str(err) else type(err).__name__
        msg = f"{remote.filename} is not in the cache and downloading failed ({detail}); {hint}"
        raise DataError(msg) from err
    return Path(got)


def _http_download(url: str, output_file: str, _pooch: object) -> None:
    """Stream ``url`` into ``output_file`` (pooch's temporary file), closing every socket."""
    import requests

    with (
        requests.Session() as session,
        session.get(url, stream=True, timeout=60) as response,
    ):
        response.raise_for_status()
        with Path(output_file).open("wb") as fh:
            for chunk in response.iter_content(chunk_size=1 << 20):
                fh.write(chunk)
