import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from bookutils import FASHION_MNIST_CLASSES, load_fashion_mnist
from bookutils.data import fashion_mnist as fm
from tools import fetch_data


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def fake_set(tmp_path, monkeypatch):
    """Tiny fake splits (3 images each) in a folder, with the checksum table pointed at it."""
    images = np.arange(3 * 28 * 28, dtype=np.uint64).reshape(3, 28, 28) % 256
    labels = np.array([9, 0, 3])
    files = {}
    for (split, part), array in [
        ((s, p), a)
        for s in ("train", "test")
        for p, a in (("images", images), ("labels", labels))
    ]:
        name = fm._FILES[(split, part)][0]
        raw = idx_bytes(array)
        (tmp_path / name).write_bytes(gzip.compress(raw))
        files[(split, part)] = (name, hashlib.sha256(raw).hexdigest())
    monkeypatch.setattr(fm, "_FILES", {**fm._FILES, **files})
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setattr(fm, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.delenv("BOOK_DATA_DIR", raising=False)
    monkeypatch.delenv("BOOK_DATA_URL", raising=False)
    return tmp_path, images, labels


@pytest.fixture
def online(monkeypatch):
    """Downloads allowed (the test suite sets BOOK_OFFLINE=1 everywhere else)."""
    monkeypatch.delenv("BOOK_OFFLINE", raising=False)


@pytest.fixture
def server(fake_set):
    """The fake files served over HTTP from 127.0.0.1; yields (base URL, list of paths asked)."""
    root = fake_set[0]
    asked: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            asked.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", asked
    httpd.shutdown()
    httpd.server_close()


def test_parse_idx_round_trip():
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(fm.parse_idx(idx_bytes(a)), a)


@pytest.mark.parametrize(
    "raw,match",
    [
        (b"\x00\x00\x09\x01\x00\x00\x00\x01\x05", "magic"),
        (b"\x00\x00\x08\x02\x00\x00", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x01", "body has 1 bytes"),
    ],
)
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


def test_download_checks_the_checksum(fake_set, online):
    root, images, _ = fake_set
    X, _ = load_fashion_mnist("test", download=True, base_url=root.as_uri() + "/")
    assert np.array_equal(X, images)
    assert (fm.CACHE_DIR / fm._FILES[("test", "images")][0]).is_file()


def test_download_file_directly(fake_set, tmp_path, online):
    root, _, _ = fake_set
    name, sha = fm._FILES[("test", "labels")]
    dest = fm.download_file((root / name).as_uri(), tmp_path / "dl" / name, sha)
    assert dest.read_bytes() == (root / name).read_bytes()


def test_download_of_a_corrupt_file_keeps_nothing(fake_set, monkeypatch, online):
    root, _, _ = fake_set
    name = fm._FILES[("test", "images")][0]
    monkeypatch.setitem(fm._FILES, ("test", "images"), (name, "0" * 64))
    with pytest.raises(ValueError, match="corrupt"):
        load_fashion_mnist("test", download=True, base_url=root.as_uri() + "/")
    assert not list(Path(fm.CACHE_DIR).glob("*"))


def test_book_no_system_data_hides_the_debian_copy(fake_set, monkeypatch):
    root = fake_set[0]
    monkeypatch.setattr(fm, "DEBIAN_DIR", root)
    assert load_fashion_mnist("test")[0].shape == (3, 28, 28)
    monkeypatch.setenv("BOOK_NO_SYSTEM_DATA", "1")
    with pytest.raises(fm.DataNotFoundError, match="not found"):
        load_fashion_mnist("test")


def test_missing_data_names_the_install_command(fake_set):
    with pytest.raises(
        fm.DataNotFoundError, match="apt-get install dataset-fashion-mnist"
    ):
        load_fashion_mnist("test")


def test_missing_files_are_downloaded_by_default_from_book_data_url(
    fake_set, server, online, monkeypatch
):
    _, images, labels = fake_set
    url, asked = server
    monkeypatch.setenv("BOOK_DATA_URL", url.rstrip("/"))
    X, y = load_fashion_mnist("test")
    assert np.array_equal(X, images) and np.array_equal(y, labels)
    assert sorted(asked) == sorted(
        "/" + fm._FILES[("test", p)][0] for p in ("images", "labels")
    )
    X, _ = load_fashion_mnist("test")  # now from the cache: no second request
    assert len(asked) == 2 and np.array_equal(X, images)


@pytest.mark.parametrize("download", [None, True])
def test_book_offline_turns_every_download_into_an_error(
    fake_set, server, monkeypatch, download
):
    url, asked = server
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    monkeypatch.setenv("BOOK_DATA_URL", url)
    match = "downloads are disabled" if download else "make data"
    with pytest.raises(fm.DataNotFoundError, match=match):
        load_fashion_mnist("test", download=download)
    assert asked == [] and not fm.CACHE_DIR.exists()


@pytest.mark.parametrize(
    "value,expected",
    [("1", True), ("yes", True), ("", False), ("0", False), ("false", False)],
)
def test_offline_switch_values(monkeypatch, value, expected):
    monkeypatch.setenv("BOOK_OFFLINE", value)
    assert fm.offline() is expected


def test_bad_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_fashion_mnist("validation")


@pytest.mark.skipif(
    not fm.DEBIAN_DIR.is_dir(), reason="Debian package dataset-fashion-mnist"
)
def test_real_test_split_from_the_debian_package():
    X, y = load_fashion_mnist("test")
    assert X.shape == (10_000, 28, 28) and X.dtype == np.uint8
    assert np.array_equal(np.bincount(y), np.full(10, 1000))
    assert len(FASHION_MNIST_CLASSES) == 10


# `make data` (tools/fetch_data.py): one test per way the data can arrive, and the failure.


def copy_into(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for f in src.glob("*.gz"):
        (dest / f.name).write_bytes(f.read_bytes())


def test_make_data_does_nothing_when_the_files_are_there(
    fake_set, monkeypatch, capsys
):
    root = fake_set[0]
    monkeypatch.setattr(fm, "DEBIAN_DIR", root)

    def fail(*_):
        raise AssertionError("must not install or download")

    assert fetch_data.main(prefix=fail, install=fail, fetch=fail) == 0
    assert "found" in capsys.readouterr().out


def test_make_data_uses_apt_get_when_it_can(fake_set, monkeypatch):
    root = fake_set[0]
    calls = []

    def fake_apt(prefix):  # what the Debian package does: files into DEBIAN_DIR
        calls.append(prefix)
        copy_into(root, fm.DEBIAN_DIR)
        return True

    assert (
        fetch_data.main(prefix=lambda: [], install=fake_apt, fetch=lambda: False)
        == 0
    )
    assert calls == [[]] and fetch_data.have_data()


def test_make_data_downloads_when_apt_get_is_not_usable(
    fake_set, server, online, monkeypatch, capsys
):
    url, asked = server
    monkeypatch.setenv("BOOK_DATA_URL", url)
    assert fetch_data.main(prefix=lambda: None) == 0
    assert len(asked) == 4 and sorted(
        p.name for p in fm.CACHE_DIR.iterdir()
    ) == sorted(name for name, _ in fm._FILES.values())
    assert url in capsys.readouterr().out


def test_make_data_names_both_ways_when_neither_works(
    fake_set, server, monkeypatch, capsys
):
    url, asked = server
    monkeypatch.setenv(
        "BOOK_DATA_URL", url
    )  # BOOK_OFFLINE=1 (conftest): no download
    assert fetch_data.main(prefix=lambda: None) == 1
    err = capsys.readouterr().err
    assert (
        "sudo apt-get install dataset-fashion-mnist" in err and "make data" in err
    ), err
    assert "BOOK_OFFLINE" in err and asked == []


def test_make_data_reports_a_failed_download(fake_set, online, monkeypatch, capsys):
    monkeypatch.setenv(
        "BOOK_DATA_URL", "http://127.0.0.1:9/"
    )  # discard port: refused
    assert fetch_data.main(prefix=lambda: None) == 1
    err = capsys.readouterr().err
    assert "download failed" in err and "apt-get install" in err, err


def test_apt_prefix_is_none_without_apt_get(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert fetch_data.apt_prefix() is None
