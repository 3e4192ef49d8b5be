# lib.sh - what the student tools (check, progress, watch, race, tsan,
# coverage) share.  Sourced, not run: `source "$(dirname "$0")/lib.sh"`.
#
# Sets RC_KIT (the kit's root), RC_GRADE (the grader) and the colours; reads
# the manifest through `build/grade --make-vars` (the Makefile's source
# too), so that no list of exercises is written twice.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables set here are used by the scripts that source it

RC_KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RC_GRADE=$RC_KIT/build/grade

if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
    RC_BOLD=$'\033[1m' RC_GREEN=$'\033[32m' RC_RED=$'\033[31m' RC_YELLOW=$'\033[33m'
    RC_RESET=$'\033[0m'
else
    RC_BOLD='' RC_GREEN='' RC_RED='' RC_YELLOW='' RC_RESET=''
fi

# rc_die MESSAGE: a usage or setup error (exit status 2), said plainly.
rc_die() {
    echo "$(basename "$0"): $*" >&2
    exit 2
}

# rc_next TEXT...: the line that tells the student what to do next.
rc_next() {
    echo "${RC_YELLOW}next:${RC_RESET} $*"
}

# The grader is built by make before any student target runs; a script run
# by hand builds it too.
rc_need_grader() {
    if [[ ! -x $RC_GRADE ]]; then
        make --no-print-directory -s -C "$RC_KIT" build/grade >&2 ||
            rc_die "cannot build the grader: run \`make\` and read its errors"
    fi
}

RC_VARS=''
# rc_var NAME: a variable of `build/grade --make-vars` ("" when absent).
rc_var() {
    if [[ -z $RC_VARS ]]; then
        rc_need_grader
        RC_VARS=$("$RC_GRADE" --make-vars) || rc_die "the grader cannot read manifest.ini"
    fi
    sed -n "s/^$1 := *//p" <<<"$RC_VARS"
}

# rc_exercises: sets RC_EXERCISES (an array) in teaching order.
rc_exercises() {
    read -r -a RC_EXERCISES <<<"$(rc_var RC_EXERCISES)"
    [[ ${#RC_EXERCISES[@]} -gt 0 ]] || rc_die "manifest.ini lists no exercise"
}

# rc_check_slug SLUG: dies with the list of exercises unless SLUG is one.
rc_check_slug() {
    local slug=$1 ex
    rc_exercises
    if [[ -z $slug ]]; then
        rc_die "which exercise? add EX=<exercise>, one of: ${RC_EXERCISES[*]}"
    fi
    for ex in "${RC_EXERCISES[@]}"; do
        [[ $ex == "$slug" ]] && return 0
    done
    rc_die "unknown exercise \"$slug\"; the exercises are: ${RC_EXERCISES[*]}"
}

# rc_next_in_order SLUG: the exercise after SLUG in teaching order, or "".
rc_next_in_order() {
    local i
    rc_exercises
    for ((i = 0; i < ${#RC_EXERCISES[@]} - 1; i++)); do
        if [[ ${RC_EXERCISES[i]} == "$1" ]]; then
            echo "${RC_EXERCISES[i + 1]}"
            return
        fi
    done
}

# rc_hints SLUG: the exercise's own hints from manifest.ini, one a line.
rc_hints() {
    awk -v want="[$1]" '
        { line = $0; sub(/^[ \t]+/, "", line) }
        /^\[/ { inside = (line == want); next }
        inside && line ~ /^hint[ \t]*=/ { sub(/^hint[ \t]*=[ \t]*/, "", line); print line }
    ' "$RC_KIT/manifest.ini"
}

# rc_manifest SLUG KEY: the value of KEY in SLUG's section of manifest.ini
# (the first one), or "".
rc_manifest() {
    awk -v want="[$1]" -v key="$2" '
        { line = $0; sub(/^[ \t]+/, "", line) }
        /^\[/ { inside = (line == want); next }
        inside && index(line, key) == 1 {
            rest = substr(line, length(key) + 1)
            if (rest ~ /^[ \t]*=/) { sub(/^[ \t]*=[ \t]*/, "", rest); sub(/[ \t]*;.*$/, "", rest); print rest; exit }
        }
    ' "$RC_KIT/manifest.ini"
}

# rc_hidden_points SLUG: the points of SLUG's hidden tests in manifest.ini.
rc_hidden_points() {
    awk -v want="[$1]" '
        { line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]*;.*$/, "", line) }
        /^\[/ { inside = (line == want); next }
        inside && line ~ /^hidden\.[^=]*=/ { sub(/^[^=]*=[ \t]*/, "", line); sum += line }
        END { print sum + 0 }
    ' "$RC_KIT/manifest.ini"
}

# rc_course_kit WORK: checks the files the grader takes from the course
# (scripts/student/course-files warns about each one that differs) and
# sets RC_KIT_ARGS to the grader's arguments that build with the course's
# copies: (--kit WORK/course-kit) when one differs, () otherwise.
RC_KIT_ARGS=()
rc_course_kit() {
    local dir
    dir=$("$RC_KIT/scripts/student/course-files" --kit-dir "$1/course-kit") || true
    RC_KIT_ARGS=()
    if [[ -n $dir ]]; then
        RC_KIT_ARGS=(--kit "$dir")
    fi
}

# rc_lib_flags SLUG: the manifest's libs as linker flags ("-luv -lm").
rc_lib_flags() {
    local lib flags=()
    for lib in $(rc_var "RC_LIBS_$1"); do
        [[ $lib == pthread ]] || flags+=("-l$lib")
    done
    echo "${flags[*]}"
}

# The flags of the grader's builds (grader/build.c), for builds made here.
RC_CFLAGS=(-std=gnu11 -g -pthread -Wall -Wextra -Werror=implicit-function-declaration
           -fno-common -fno-omit-frame-pointer)
RC_WRAP_EXIT=-Wl,--wrap=exit,--wrap=_exit,--wrap=_Exit,--wrap=quick_exit,--wrap=pthread_exit
# The calls tests can make fail (harness/fault_inject.h), for test
# binaries only; the libuv ones only with fault_inject_uv.c (rc_fault_link).
RC_WRAP_FAULTS=-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=reallocarray,--wrap=aligned_alloc,--wrap=posix_memalign,--wrap=free,--wrap=pthread_create,--wrap=pthread_join,--wrap=pthread_tryjoin_np,--wrap=pthread_timedjoin_np,--wrap=pthread_clockjoin_np,--wrap=pthread_detach,--wrap=pthread_mutex_init,--wrap=pthread_cond_init,--wrap=sem_init
RC_WRAP_FAULTS_UV=-Wl,--wrap=uv_loop_init,--wrap=uv_timer_init,--wrap=uv_timer_start,--wrap=uv_pipe_init,--wrap=uv_pipe_open,--wrap=uv_tcp_init,--wrap=uv_tcp_open,--wrap=uv_poll_init,--wrap=uv_poll_start,--wrap=uv_read_start

# rc_fault_link SLUG: the fault-injection sources and flags of SLUG's test
# binary, one a line (what grader/build.c links).
rc_fault_link() {
    echo "$RC_KIT/harness/fault_inject.c"
    echo "$RC_WRAP_FAULTS"
    if [[ " $(rc_var "RC_LIBS_$1") " == *" uv "* ]]; then
        echo "$RC_KIT/harness/fault_inject_uv.c"
        echo "$RC_WRAP_FAULTS_UV"
    fi
}

# rc_sched_link SLUG: when SLUG's tests run under the controlled scheduler
# (manifest: schedules), the scheduler's sources and its wraps, one a line,
# as grader/build.c links them into the test binary (every scheduler/*.c
# but fault.c, which only includes harness/fault_inject.c, linked already).
rc_sched_link() {
    local source wraps
    [[ $(rc_var "RC_SCHEDULES_$1") -gt 0 ]] || return 0
    for source in "$RC_KIT"/scheduler/*.c; do
        [[ ${source##*/} == fault.c ]] || echo "$source"
    done
    wraps=$(sed 's/#.*//' "$RC_KIT/scheduler/wrapped-calls.txt" | tr -s ' \t' '\n' |
        sed '/^$/d; s/^/--wrap=/' | paste -sd, -)
    echo "-Wl,$wraps"
}

# rc_mem_guard OBJECT: sends the object's mmap, munmap, mprotect and
# makecontext to harness/mem_guard.c (link it too), as
# grader/build.c does for the student's object: stacks are then registered
# with Valgrind, and the tests can see the stack size given to makecontext.
rc_mem_guard() {
    local name args=()
    for name in mmap mmap64 munmap mprotect makecontext; do
        args+=("--redefine-sym=$name=rc_guard_$name")
    done
    objcopy "${args[@]}" "$1"
}

# rc_compile_log LOG: the first lines of a compiler's output, indented.
rc_compile_log() {
    head -n 25 "$1" | sed 's/^/            /'
}

# rc_summary_field FILE SLUG N: field N of SLUG's line of a --summary file
# ("<slug> <score> <max> <build> <race> <passed>/<total>").
rc_summary_field() {
    awk -v slug="$2" -v n="$3" '$1 == slug { print $n }' "$1"
}

# rc_seconds_since START: seconds since START ($EPOCHREALTIME), one decimal.
rc_seconds_since() {
    local now=${EPOCHREALTIME//[.,]/} start=${1//[.,]/}
    local tenths=$(((now - start + 50000) / 100000))
    echo "$((tenths / 10)).$((tenths % 10))"
}

# ---- progress over every exercise (progress, watch) ----

declare -gA RC_PASSED=() RC_TOTAL=() RC_BUILD=()
RC_NEXT=''
RC_SUBMISSION=.

# The last race check of each exercise (make race, make grade, watch's r),
# kept with the hash of the file it checked: build/race-verdicts/SLUG
# (RC_RACE_VERDICTS elsewhere: the kit's checks keep theirs apart).
RC_RACE_VERDICTS=${RC_RACE_VERDICTS:-$RC_KIT/build/race-verdicts}

# rc_file_hash SUBMISSION SLUG: the hash of the student's file, or "".
rc_file_hash() {
    local file=$1/exercises/$2/$2.c
    [[ -f $file ]] && sha256sum <"$file" | cut -d' ' -f1
}

# rc_race_record SUBMISSION SLUG STATUS: keeps a race check's verdict
# (clean, race, timeout, crashed) for the file as it is now.
rc_race_record() {
    local hash
    hash=$(rc_file_hash "$1" "$2") || return 0
    mkdir -p "$RC_RACE_VERDICTS" && echo "$hash $3" >"$RC_RACE_VERDICTS/$2"
}

# rc_race_verdict SUBMISSION SLUG: the last race check's verdict on the
# file as it is now, "" when it was not checked since it changed.
rc_race_verdict() {
    local hash kept status
    hash=$(rc_file_hash "$1" "$2") || return 0
    [[ -f $RC_RACE_VERDICTS/$2 ]] || return 0
    read -r kept status <"$RC_RACE_VERDICTS/$2" || true
    [[ $kept != "$hash" ]] || echo "$status"
}

# rc_race_needed SLUG: whether SLUG has a race check (race = on).
rc_race_needed() {
    [[ $(rc_var "RC_RACE_$1") == on ]]
}

# rc_progress_read SUMMARY: takes in a --summary file (one exercise or all),
# then sets RC_NEXT to the first exercise not done ("" when all are).
rc_progress_read() {
    local slug build tests
    while read -r slug _ _ build _ tests; do
        [[ $slug == total || -z $tests ]] && continue
        RC_BUILD[$slug]=$build
        RC_PASSED[$slug]=${tests%/*}
        RC_TOTAL[$slug]=${tests#*/}
    done <"$1"
    rc_exercises
    RC_NEXT=''
    for slug in "${RC_EXERCISES[@]}"; do
        if ! rc_done "$slug"; then
            RC_NEXT=$slug
            return
        fi
    done
}

# rc_tests_pass SLUG: whether every public test of SLUG passed at the last look.
rc_tests_pass() {
    [[ ${RC_BUILD[$1]:-} == ok && ${RC_TOTAL[$1]:-0} -gt 0 &&
        ${RC_PASSED[$1]:-0} -eq ${RC_TOTAL[$1]:-0} ]]
}

# rc_done SLUG: every public test passes, and the race check (when the
# exercise has one) found nothing on the file as it is now.
rc_done() {
    rc_tests_pass "$1" || return 1
    rc_race_needed "$1" || return 0
    [[ $(rc_race_verdict "$RC_SUBMISSION" "$1") == clean ]]
}

# rc_progress_collect SUBMISSION SUMMARY: one grader run over every
# exercise's public tests (no race check, two at a time), read in.
rc_progress_collect() {
    local status=0
    rc_need_grader
    RC_SUBMISSION=$1
    "$RC_GRADE" "${RC_KIT_ARGS[@]}" --submission "$1" --public --no-race --quiet --jobs 2 --summary "$2" ||
        status=$?
    [[ $status -lt 2 ]] || return 2
    rc_progress_read "$2"
}

# rc_progress_print [CURRENT]: the overview; CURRENT is the exercise being
# edited (watch), marked as such.
rc_progress_print() {
    local current=${1:-} slug done=0 bar='' i state mark
    rc_exercises
    for slug in "${RC_EXERCISES[@]}"; do
        if rc_done "$slug"; then done=$((done + 1)); fi
    done
    for ((i = 0; i < ${#RC_EXERCISES[@]}; i++)); do
        if [[ $i -lt $done ]]; then bar+='#'; else bar+='.'; fi
    done
    echo "${RC_BOLD}progress: $done of ${#RC_EXERCISES[@]} exercises done${RC_RESET} [$bar]" \
        "(done: every public test passes and the race check is clean)"
    for slug in "${RC_EXERCISES[@]}"; do
        case ${RC_BUILD[$slug]:-} in
            ok) state="${RC_PASSED[$slug]}/${RC_TOTAL[$slug]} public tests pass"
                if rc_tests_pass "$slug" && rc_race_needed "$slug"; then
                    case $(rc_race_verdict "$RC_SUBMISSION" "$slug") in
                        clean) state+=", race check clean" ;;
                        '') state+=", race check not run on this version" ;;
                        race) state+=", race check FAILED" ;;
                        *) state+=", race check did not finish" ;;
                    esac
                fi ;;
            failed) state="does not compile" ;;
            missing) state="not submitted" ;;
            *) state="not checked yet" ;;
        esac
        if rc_done "$slug"; then
            mark="${RC_GREEN}[x]${RC_RESET}"
        else
            mark="[ ]"
        fi
        if [[ $slug == "$current" ]]; then
            state+="   <- editing"
        elif [[ $slug == "$RC_NEXT" ]]; then
            state+="   <- next"
        fi
        printf '  %s %-15s %s\n' "$mark" "$slug" "$state"
    done
    if [[ -z $RC_NEXT ]]; then
        echo "${RC_GREEN}every exercise is done.${RC_RESET}"
        rc_next "\`make grade\` for your score with the race checks, then commit and push your work"
    elif [[ -z $current ]] && rc_tests_pass "$RC_NEXT"; then
        rc_next "$RC_NEXT: its public tests pass; \`make race EX=$RC_NEXT\` (the race check)" \
            "decides whether it is done"
    elif [[ -z $current ]]; then
        rc_next "$RC_NEXT: read exercises/$RC_NEXT/README.md, edit exercises/$RC_NEXT/$RC_NEXT.c," \
            "then \`make check EX=$RC_NEXT\` (or \`make watch\`, which re-runs it on every save)"
    fi
}
