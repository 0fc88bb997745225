#!/usr/bin/env bash
# What a learner gets: `pip install .` alone, in a clean virtual environment, then chapter
# 4.1 run top to bottom there (through IPython, which bookutils declares, so the notebook's
# magics work). Uses the project's constraints file so that pip picks the same versions
# as the book (and the CPU build of torch) instead of downloading newer ones.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet -c constraints.txt "$root"
installed=$(date +%s)
echo "clean install: $((installed - start)) s, $(du -sh "$tmp/venv" | cut -f1)"
# The notebook's code cells, in order, as one IPython script.
"$tmp/venv/bin/python" - "$root/notebooks/04_math/4_1_perceptron.ipynb" "$tmp/4_1.ipy" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1], encoding="utf-8"))
cells = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
         for c in nb["cells"] if c["cell_type"] == "code"]
open(sys.argv[2], "w", encoding="utf-8").write("\n\n".join(cells) + "\n")
PY
cd "$tmp"
MPLBACKEND=agg "$tmp/venv/bin/ipython" --no-banner --colors=NoColor "$tmp/4_1.ipy"
echo "chapter 4.1 ran in the learner's environment in $(( $(date +%s) - installed )) s"
