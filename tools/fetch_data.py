"""`make data`: make sure Fashion-MNIST is on this machine before the book or the tests run.

In order: already there (any folder the loader searches) -> nothing to do; `apt-get` usable
(root, or `sudo -n`) -> the Debian package `dataset-fashion-mnist`; downloads allowed (no
BOOK_OFFLINE) -> the official files, checked against the loader's SHA-256 table, into the
cache; otherwise one message naming both ways. Exit status 0 when the data is there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence

from bookutils.data import fashion_mnist as fm

PACKAGE = "dataset-fashion-mnist"


def have_data() -> bool:
    """True when both splits load from disk (checksums included), without downloading."""
    try:
        for split in ("train", "test"):
            fm.load_fashion_mnist(split, download=False)
    except (fm.DataNotFoundError, ValueError):
        return False
    return True


def apt_prefix() -> list[str] | None:
    """How to run apt-get here: [] as root, ["sudo", "-n"] with password-less sudo, else None."""
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    if (
        shutil.which("sudo")
        and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode
        == 0
    ):
        return ["sudo", "-n"]
    return None


def apt_install(prefix: list[str]) -> bool:
    """Install the Debian package (updating the package lists once if the first try fails)."""
    install = [*prefix, "apt-get", "install", "-y", "-q", PACKAGE]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env).returncode == 0:
        return True
    subprocess.run([*prefix, "apt-get", "update", "-q"], env=env)
    return subprocess.run(install, env=env).returncode == 0


def download() -> bool:
    """The official files into the cache, each checked against its SHA-256."""
    try:
        for split in ("train", "test"):
            fm.load_fashion_mnist(split, download=True)
    except (
        OSError,
        ValueError,
    ) as err:  # URLError is an OSError; a bad checksum a ValueError
        print(f"download failed: {err}", file=sys.stderr)
        return False
    return True


def main(
    argv: Sequence[str] = (),
    *,
    prefix: Callable[[], list[str] | None] = apt_prefix,
    install: Callable[[list[str]], bool] = apt_install,
    fetch: Callable[[], bool] = download,
) -> int:
    if have_data():
        print("Fashion-MNIST: found, nothing to fetch")
        return 0
    how = prefix()
    if how is not None:
        print(f"Fashion-MNIST: installing the Debian package {PACKAGE}")
        if install(how) and have_data():
            return 0
    if not fm.offline():
        url = os.environ.get("BOOK_DATA_URL") or fm.BASE_URL
        print(f"Fashion-MNIST: downloading from {url} into {fm.CACHE_DIR}")
        if fetch() and have_data():
            return 0
    print(
        f"Fashion-MNIST is not on this machine and could not be fetched"
        f"{' (BOOK_OFFLINE is set)' if fm.offline() else ''}. Either install the Debian"
        f" package (`sudo apt-get install {PACKAGE}`), or run `make data` with internet"
        f" access and BOOK_OFFLINE unset to download the official files (about 30 MB,"
        f" checksummed) into {fm.CACHE_DIR}.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
