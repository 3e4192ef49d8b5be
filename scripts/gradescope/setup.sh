#!/usr/bin/env bash
# setup.sh - Gradescope runs this once, as root, when it builds the
# autograder's image (docs/gradescope.md).  It goes at the root of the
# autograder zip, next to run_autograder; the kit is in /autograder/source.
#
# Installs the Debian/Ubuntu packages the kit needs (scripts/deps.sh) and
# python3 (for run_autograder's HIDDEN_VISIBILITY), builds the grader, and
# proves that it reads the manifest.
set -euo pipefail

kit=${AUTOGRADER_ROOT:-/autograder}/source
cd "$kit"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 make
scripts/deps.sh
make build/grade
build/grade --kit "$kit" --make-vars >/dev/null
echo "racecourse grader ready: $(build/grade --kit "$kit" --make-vars | sed -n 's/^RC_EXERCISES := //p')"
