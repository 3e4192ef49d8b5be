#!/bin/sh
# build.sh OUT FILE.c... - builds a program under the scheduler, as the
# contract says (for the runtime's own tests and by hand).
set -e
here=$(dirname "$0")
out=$1
shift
exec ${CC:-cc} -std=gnu11 -g -O1 -pthread -I "$here" "$@" "$here"/*.c \
    $(grep -v '^#' "$here/wrapped-calls.txt" | grep . | sed 's/^/-Wl,--wrap=/') -o "$out"
