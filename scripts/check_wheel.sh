#!/usr/bin/env bash
# The built wheel works as installed software, away from this checkout: build it, install it (with the pins of
# constraints.txt) in a fresh virtual environment in a temporary folder, and run from there what a new
# administrator runs first: kbase init, kbase demo --no-open, kbase doctor, and a sign-in through the real app
# (scripts/wheel_sign_in.py, run by the installed Python).  Then a broken install (a shipped data file removed)
# must stop every command with one sentence.  Exits non-zero on the first thing that fails.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/kbase-wheel-XXXXXX)"
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s\n' "$*"; }

step "build the wheel"
python3 -m venv "$work/build"
PIP_CONSTRAINT="$repo/constraints.txt" "$work/build/bin/pip" wheel -q --no-deps -w "$work/dist" "$repo" \
    2> >(grep -v "^WARNING: Location" >&2)
wheel="$(ls "$work"/dist/kbase_tui-*.whl)"
echo "$wheel"
python3 - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for wanted in ("kbase_tui/_data/common_passwords.txt", "kbase_tui/_data/defaults.json",
               "kbase_tui/_data/demo/surnames.txt", "kbase_tui/migrations/env.py",
               "kbase_tui/locale/ru/LC_MESSAGES/kbase.mo"):
    if wanted not in names:
        sys.exit(f"the wheel lacks {wanted}")
print(f"{len(names)} files, data/ carried as kbase_tui/_data")
PY

step "install it in a fresh virtual environment outside the checkout"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q -c "$repo/constraints.txt" "$wheel" 2> >(grep -v "^WARNING: Location" >&2)
cd "$work"  # nothing of the checkout on the path from here on
export KBASE_DATA_DIR="$work/home/data" KBASE_CONFIG_DIR="$work/home/config" KBASE_LOG_DIR="$work/home/log"
export KBASE_RUNTIME_DIR="$work/home/run" KBASE_KEYSTORE=file KBASE_LANG=en KBASE_PRIVATE_IDLE_SECONDS=2
unset KBASE_DB KBASE_SERVER PYTHONPATH
kbase="$work/venv/bin/kbase"
where="$("$work/venv/bin/python" -c 'import kbase_tui; print(kbase_tui.__file__)')"
case "$where" in
    "$work"/venv/*) echo "kbase_tui comes from $where" ;;
    *) echo "kbase_tui comes from $where, not from the installed wheel" >&2; exit 1 ;;
esac

step "kbase init"
echo "Nachalnik-Parol-2026" | "$kbase" init --db "$work/kbase.sqlite3" --admin boss --password-stdin

step "kbase demo --no-open"
"$kbase" demo --no-open | tee "$work/demo.txt"
grep -q "Demo database created: $KBASE_DATA_DIR/kbase-demo.sqlite3" "$work/demo.txt"
"$kbase" demo --no-open > "$work/demo-again.txt"
grep -q "Demo database reused" "$work/demo-again.txt"

step "kbase doctor"
COLUMNS=200 "$kbase" doctor --db "$work/kbase.sqlite3"

step "a sign-in through the app (Pilot)"
"$work/venv/bin/python" "$repo/scripts/wheel_sign_in.py" --db "$KBASE_DATA_DIR/kbase-demo.sqlite3"

step "a broken install says so at start"
rm "$("$work/venv/bin/python" -c 'from importlib.resources import files; print(files("kbase_tui._data") / "common_passwords.txt")')"
if "$kbase" user list --db "$work/kbase.sqlite3" 2>"$work/broken.txt"; then
    echo "kbase ran without its common-password list" >&2; exit 1
fi
cat "$work/broken.txt"
grep -q "installed without its data file common_passwords.txt" "$work/broken.txt"

echo
echo "The wheel installs and runs outside the checkout."
