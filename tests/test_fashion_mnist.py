import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from bookutils import FASHION_MNIST_CLASSES, load_fashion_mnist
from bookutils.data import fashion_mnist as fm


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def fake_set(tmp_path, monkeypatch):
    """A tiny fake 'test' split in a folder, with the checksum table pointed at it."""
    images = np.arange(3 * 28 * 28, dtype=np.uint64).reshape(3, 28, 28) % 256
    labels = np.array([9, 0, 3])
    files = {}
    for part, array in (("images", images), ("labels", labels)):
        name = fm._FILES[("test", part)][0]
        raw = idx_bytes(array)
        (tmp_path / name).write_bytes(gzip.compress(raw))
        files[("test", part)] = (name, hashlib.sha256(raw).hexdigest())
    monkeypatch.setattr(fm, "_FILES", {**fm._FILES, **files})
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setattr(fm, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.delenv("BOOK_DATA_DIR", raising=False)
    return tmp_path, images, labels


def test_parse_idx_round_trip():
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(fm.parse_idx(idx_bytes(a)), a)


@pytest.mark.parametrize("raw,match", [
    (b"\x00\x00\x09\x01\x00\x00\x00\x01\x05", "magic"),
    (b"\x00\x00\x08\x02\x00\x00", "truncated"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x01", "body has 1 bytes"),
])
def test_parse_idx_rejects_bad_files(raw, match):
    with pytest.raises(ValueError, match=match):
        fm.parse_idx(raw)


def test_loads_from_an_explicit_root(fake_set):
    root, images, labels = fake_set
    X, y = load_fashion_mnist("test", root=root)
    assert np.array_equal(X, images) and np.array_equal(y, labels)


def test_loads_from_book_data_dir(fake_set, monkeypatch, tmp_path):
    root, images, _ = fake_set
    data_dir = tmp_path / "data"
    (data_dir / "fashion-mnist").mkdir(parents=True)
    for f in root.glob("*.gz"):
        (data_dir / "fashion-mnist" / f.name).write_bytes(f.read_bytes())
    monkeypatch.setenv("BOOK_DATA_DIR", str(data_dir))
    assert np.array_equal(load_fashion_mnist("test")[0], images)


def test_download_checks_the_checksum(fake_set):
    root, images, _ = fake_set
    X, _ = load_fashion_mnist("test", download=True, base_url=root.as_uri() + "/")
    assert np.array_equal(X, images)
    assert (fm.CACHE_DIR / fm._FILES[("test", "images")][0]).is_file()


def test_download_file_directly(fake_set, tmp_path):
    root, _, _ = fake_set
    name, sha = fm._FILES[("test", "labels")]
    dest = fm.download_file((root / name).as_uri(), tmp_path / "dl" / name, sha)
    assert dest.read_bytes() == (root / name).read_bytes()


def test_download_of_a_corrupt_file_keeps_nothing(fake_set, monkeypatch):
    root, _, _ = fake_set
    name = fm._FILES[("test", "images")][0]
    monkeypatch.setitem(fm._FILES, ("test", "images"), (name, "0" * 64))
    with pytest.raises(ValueError, match="corrupt"):
        load_fashion_mnist("test", download=True, base_url=root.as_uri() + "/")
    assert not list(Path(fm.CACHE_DIR).glob("*"))


def test_missing_data_names_the_install_command(fake_set):
    with pytest.raises(fm.DataNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist("test")


def test_bad_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_fashion_mnist("validation")


@pytest.mark.skipif(not fm.DEBIAN_DIR.is_dir(), reason="Debian package dataset-fashion-mnist")
def test_real_test_split_from_the_debian_package():
    X, y = load_fashion_mnist("test")
    assert X.shape == (10_000, 28, 28) and X.dtype == np.uint8
    assert np.array_equal(np.bincount(y), np.full(10, 1000))
    assert len(FASHION_MNIST_CLASSES) == 10
