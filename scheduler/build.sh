#!/bin/sh
# build.sh OUT FILE.c... - builds a program under the scheduler, as the
# contract says (for the runtime's own tests and by hand).  A program
# that includes <uv.h> gets libuv linked statically, after the runtime,
# so that libuv's own calls are wrapped too (docs/scheduler.md, "libuv").
set -e
here=$(dirname "$0")
out=$1
shift
libuv=
if grep -qE '#[[:space:]]*include[[:space:]]*[<"]uv\.h[>"]' "$@" 2>/dev/null; then
    libuv=-l:libuv_a.a
fi
exec ${CC:-cc} -std=gnu11 -g -O1 -pthread -I "$here" "$@" "$here"/*.c \
    $(grep -v '^#' "$here/wrapped-calls.txt" | grep . | sed 's/^/-Wl,--wrap=/') $libuv -o "$out"
