"""Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70 000 grey 28x28 images of clothing.

Looked for, in order: the ``root`` argument; ``$BOOK_DATA_DIR/fashion-mnist``; the Debian
package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``, skipped when
``$BOOK_NO_SYSTEM_DATA`` is set); the cache folder
``~/.cache/bookutils/fashion-mnist``. If none holds the files they are downloaded into the
cache (from ``$BOOK_DATA_URL`` when set, else the authors' server), unless the environment
sets ``BOOK_OFFLINE=1``: then every download is an error. CI, the tests and the book build
set it, so none of them can reach the network by accident. Every file is checked against the
SHA-256 of its *decompressed* bytes, which does not depend on how a packager re-compressed it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CACHE_DIR = Path.home() / ".cache" / "bookutils" / "fashion-mnist"
BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
INSTALL_HINT = (
    "run `make data` in the repository, or install it with"
    " `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or let"
    " load_fashion_mnist download it (checksummed) on a machine with internet access"
    " and BOOK_OFFLINE unset"
)
OFFLINE_ENV = "BOOK_OFFLINE"

# SHA-256 of the decompressed IDX files (measured on the Debian package's copies).
_FILES = {
    ("train", "images"): (
        "train-images-idx3-ubyte.gz",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    ("train", "labels"): (
        "train-labels-idx1-ubyte.gz",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    ("test", "images"): (
        "t10k-images-idx3-ubyte.gz",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    ("test", "labels"): (
        "t10k-labels-idx1-ubyte.gz",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
}


class DataNotFoundError(FileNotFoundError):
    """Raised when a data set is on none of the searched paths and cannot be downloaded."""


def offline() -> bool:
    """True when ``$BOOK_OFFLINE`` forbids downloads (any value but empty, ``0``, ``false``)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in (
        "",
        "0",
        "false",
        "no",
    )


def parse_idx(raw: bytes) -> np.ndarray:
    """Decode the IDX format of the MNIST family: a magic number, the dimensions, the data."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(
            "not an IDX file of unsigned bytes (expected magic 0x00 0x00 0x08 nd)"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"IDX header is truncated or declares {ndim} dimensions")
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    if len(raw) - header != int(np.prod(shape)):
        raise ValueError(
            f"IDX body has {len(raw) - header} bytes, header says shape {shape}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _candidate_dirs(root: str | os.PathLike | None) -> list[Path]:
    if root is not None:
        return [Path(root)]
    dirs = []
    if os.environ.get("BOOK_DATA_DIR"):
        dirs.append(Path(os.environ["BOOK_DATA_DIR"]) / "fashion-mnist")
    # BOOK_NO_SYSTEM_DATA=1 hides the Debian copy (the Colab simulation uses it: Colab has none)
    system = [] if os.environ.get("BOOK_NO_SYSTEM_DATA") else [DEBIAN_DIR]
    return dirs + system + [CACHE_DIR]


def _read_checked(path: Path, sha256: str) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"{path} is corrupt or not the expected file: SHA-256 of its"
            f" contents is {digest}, expected {sha256}"
        )
    return parse_idx(raw)


def download_file(url: str, dest: Path, sha256: str) -> Path:
    """Download ``url`` to ``dest`` via a temporary file, keeping it only if the checksum
    of its decompressed bytes matches; returns ``dest``. Refuses when :func:`offline`."""
    if offline():
        raise DataNotFoundError(
            f"{dest.name} is not on this machine and downloads are disabled"
            f" ({OFFLINE_ENV}={os.environ[OFFLINE_ENV]}): not fetching {url}"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".part")
    try:
        with (
            os.fdopen(fd, "wb") as out,
            urllib.request.urlopen(url, timeout=60) as resp,
        ):
            shutil.copyfileobj(resp, out)
        _read_checked(Path(tmp), sha256)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return dest


def load_fashion_mnist(
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    download: bool | None = None,
    base_url: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 arrays of shape (n, 28, 28) and (n,).

    ``split`` is ``"train"`` (60 000 images) or ``"test"`` (10 000). Missing files are
    downloaded into the cache unless ``download=False`` or ``$BOOK_OFFLINE`` is set;
    ``base_url`` (default ``$BOOK_DATA_URL``, else the authors' server) is where from.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if download is None:
        download = not offline()
    if base_url is None:
        base_url = os.environ.get("BOOK_DATA_URL") or BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    arrays = []
    for part in ("images", "labels"):
        name, sha = _FILES[(split, part)]
        found = next(
            (d / name for d in _candidate_dirs(root) if (d / name).is_file()), None
        )
        if found is None and download:
            found = download_file(base_url + name, CACHE_DIR / name, sha)
        if found is None:
            searched = ", ".join(str(d) for d in _candidate_dirs(root))
            raise DataNotFoundError(
                f"Fashion-MNIST file {name} not found in {searched}: "
                + INSTALL_HINT
            )
        arrays.append(_read_checked(found, sha))
    images, labels = arrays
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels
