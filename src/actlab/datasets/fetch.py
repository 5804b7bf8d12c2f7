"""MNIST-style data sets fetched on first use: downloaded once into actlab's cache, verified.

Each file is fetched with pooch (streamed to a temporary file in the cache folder, checked
against its published SHA-256, and only then moved into place), so a corrupted or substituted
download is refused and never left in the cache. A file already in the cache with the right
hash is used without touching the network; one with a wrong hash is downloaded again.

The SHA-256 values are those of the official gzip files as published in torchvision's
prototype data sets (``torchvision/prototype/datasets/_builtin/mnist.py``), and agree with
the tables of several independent projects.

``$ACTLAB_DATA_URL`` replaces every base URL: ``$ACTLAB_DATA_URL/<name>/<file>`` (a local
mirror, or the 127.0.0.1 server of the tests).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from actlab.errors import DataError

from .mnist1d import cache_dir

URL_ENV = "ACTLAB_DATA_URL"


@dataclass(frozen=True)
class Source:
    """Where a data set's files live and the SHA-256 each must have."""

    url: str
    sha256: dict[str, str]


SOURCES: dict[str, Source] = {
    "mnist": Source(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        {
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    ),
    "fashion-mnist": Source(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        {
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    ),
    "kmnist": Source(
        "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        {
            "train-images-idx3-ubyte.gz": "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
            "train-labels-idx1-ubyte.gz": "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
            "t10k-images-idx3-ubyte.gz": "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
            "t10k-labels-idx1-ubyte.gz": "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c",
        },
    ),
}


def base_url(name: str) -> str:
    """The URL the files of ``name`` are fetched from (``$ACTLAB_DATA_URL/<name>/`` if set)."""
    mirror = os.environ.get(URL_ENV, "").strip()
    return f"{mirror.rstrip('/')}/{name}/" if mirror else SOURCES[name].url


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(name: str, progress: bool = True) -> Path:
    """The cache folder holding the verified files of ``name``, downloading what is missing.

    Raises DataError in one line when a file cannot be downloaded (offline, server error) or
    does not have its published SHA-256 (then nothing is kept in the cache).
    """
    import pooch
    import requests

    source = SOURCES[name]
    folder = cache_dir() / name
    url = base_url(name)
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # the progress bar says enough; keep error output to one line
    try:
        for fname, sha in source.sha256.items():
            target = folder / fname
            if target.is_file() and _sha256(target) == sha:
                continue
            try:
                pooch.retrieve(
                    url + fname,
                    known_hash=f"sha256:{sha}",
                    fname=fname,
                    path=folder,
                    progressbar=progress,
                )
            except requests.exceptions.RequestException as exc:
                reason = type(exc).__name__
                raise DataError(
                    f"{name}: cannot download {url}{fname} ({reason}: offline or the server "
                    f"is unreachable); connect once to fetch it into {folder}, or give "
                    "path= (--path) a folder with the four IDX files"
                ) from None
            except ValueError:
                raise DataError(
                    f"{name}: {url}{fname} does not have its published SHA-256 {sha[:12]}...; "
                    f"refused (nothing kept in {folder})"
                ) from None
    finally:
        logger.setLevel(level)
    return folder
