#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6's ceiling), or explain and fail.
set -euo pipefail
candidates=()
if command -v pyenv >/dev/null 2>&1; then
  candidates+=("$(pyenv root)"/versions/3.10.*/bin/python)
fi
candidates+=("${HOME}"/.pyenv/versions/3.10.*/bin/python)
if command -v python3.10 >/dev/null 2>&1; then
  candidates+=("$(command -v python3.10)")
fi
for python in "${candidates[@]}"; do
  if [ -x "$python" ] && "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    echo "$python"
    exit 0
  fi
done
echo "Naast needs Python 3.10 (Rasa 3.6 does not run on newer Pythons)." >&2
echo "Looked in \$(pyenv root)/versions/3.10.*/bin/python and for python3.10 on PATH; found none." >&2
echo "Install it, e.g. 'pyenv install 3.10', then run make again." >&2
exit 1
