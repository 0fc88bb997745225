"""Build the HTML book: ``jupyter-book build SOURCE -W -n --keep-going``, started faster.

    python tools/build_html.py [SOURCE]        (SOURCE defaults to the repository)

This is jupyter-book's own command line with one import left out. jupyter-book validates
``_config.yml`` with jsonschema, and jsonschema imports the URI-syntax checker
``rfc3987_syntax`` whenever it is installed (JupyterLab's ``jupyter-events`` brings it in
for ``make lab``); that import compiles 38 grammars, 2.4 s of every build, more than half
of a rebuild with nothing to do. jupyter-book's validation checks no string formats, so
without the checker it validates exactly as before. ``make book``, ``make rebuild``,
``make bench`` and the build tests all call this script, so they all build the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["-W", "-n", "--keep-going"]  # warnings are errors, nitpicky references


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        print(f"usage: {Path(__file__).name} [SOURCE], got {args}", file=sys.stderr)
        return 2
    source = args[0] if args else str(ROOT)
    # jsonschema skips the optional checker when importing it fails:
    sys.modules["rfc3987_syntax"] = None
    from jupyter_book.cli.main import main as jupyter_book

    # click exits: status 0, or not 0 when the build fails
    jupyter_book(["build", source, *FLAGS])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
