#!/usr/bin/env bash
# deps.sh - installs the Debian/Ubuntu packages racecourse needs.
#
#   scripts/deps.sh           install what is missing (apt-get; sudo when not root)
#   scripts/deps.sh --check   only say whether something is missing (exit 1 if so)
#
# Every package is from the distribution's own archive: the test framework,
# the race checker, coverage, the event loop, JSON, XML and INI readers.
set -euo pipefail

packages=(
    gcc make pkg-config binutils   # compiler, linker, nm/readelf/objdump
    libcriterion-dev               # the tests (Criterion)
    valgrind                       # the race check (Helgrind), memcheck, valgrind.h
    gcovr                          # coverage reports
    python3                        # make race reads the grader's JSON (gcovr needs it too)
    inotify-tools                  # make watch: re-check on every save
    libuv1-dev                     # the event loop of the async exercises
    libcjson-dev                   # JSON reports
    libexpat1-dev                  # reading Valgrind's XML
    libinih-dev                    # reading manifest.ini
)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi
if [[ ${1:-} == --check ]]; then
    echo "missing packages: ${missing[*]}" >&2
    exit 1
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "deps: run as root, or install sudo" >&2; exit 2; }
    sudo=(sudo)
fi
echo "racecourse needs these packages: ${missing[*]}"
echo "installing them with: ${sudo[*]:+${sudo[*]} }apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
