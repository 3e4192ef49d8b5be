# lib.sh - what the student tools (check, progress, watch, race, tsan,
# coverage) share.  Sourced, not run: `source "$(dirname "$0")/lib.sh"`.
#
# Sets RC_KIT (the kit's root), RC_GRADE (the grader) and the colours; reads
# the manifest through the grader (`build/grade --make-vars`, the Makefile's
# source too, and `build/grade --manifest-get`), never by parsing it again.
# The tools run on every save (make watch): what they need is read with
# one grader run and bash's own words, not a program started per value.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables set here are used by the scripts that source it

# rc_abs_dir DIR: sets REPLY to DIR as an absolute path, without a fork.
rc_abs_dir() {
    local here=$PWD oldpwd=${OLDPWD:-}
    CDPATH='' cd -- "$1" && REPLY=$PWD
    CDPATH='' cd -- "$here" || return
    OLDPWD=$oldpwd
}
RC_LIB=${BASH_SOURCE[0]}
[[ $RC_LIB == */* ]] || RC_LIB=./$RC_LIB
rc_abs_dir "${RC_LIB%/*}/../.."
RC_KIT=$REPLY
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

declare -gA RC_VARS=()
RC_VARS_READ=false
# rc_vars_read: reads `build/grade --make-vars` into RC_VARS (NAME -> value)
# once; call it outside $(...), or each command substitution reads it again.
rc_vars_read() {
    local lines line value
    $RC_VARS_READ && return 0
    rc_need_grader
    lines=$("$RC_GRADE" --make-vars) || rc_die "the grader cannot read manifest.ini"
    while IFS= read -r line; do
        [[ $line == *' :='* ]] || continue
        value=${line#*' :='}
        RC_VARS[${line%%' :='*}]=${value# }
    done <<<"$lines"
    RC_VARS_READ=true
}

# rc_var NAME: prints a variable of `build/grade --make-vars` ("" when absent).
rc_var() {
    rc_vars_read
    echo "${RC_VARS[$1]:-}"
}

# rc_exercises: sets RC_EXERCISES (an array) in teaching order.
rc_exercises() {
    rc_vars_read
    read -r -a RC_EXERCISES <<<"${RC_VARS[RC_EXERCISES]:-}"
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

# rc_manifest SLUG KEY: the value of KEY in SLUG's section of manifest.ini,
# as the grader reads it (`build/grade --manifest-get`: defaults filled in;
# hint: every hint of the exercise, one a line; hidden_points: the sum of
# the hidden tests' points; grader/manifest_query.h lists the keys).
rc_manifest() {
    rc_need_grader
    "$RC_GRADE" --manifest-get "$1" "$2"
}

# rc_course_kit WORK: checks the files the grader takes from the course
# (scripts/student/course-files warns about each one that differs) and
# sets RC_KIT_ARGS to the grader's arguments that build with the course's
# copies: (--kit WORK/course-kit) when one differs, () otherwise.
RC_KIT_ARGS=()
rc_course_kit() {
    local dir
    RC_KIT_ARGS=()
    # No list (the kit itself): course-files has nothing to compare.
    [[ -f $RC_KIT/course-files.txt ]] || return 0
    dir=$("$RC_KIT/scripts/student/course-files" --kit-dir "$1/course-kit") || true
    RC_KIT_ARGS=()
    if [[ -n $dir ]]; then
        RC_KIT_ARGS=(--kit "$dir")
    fi
}

# rc_build PROFILE SLUG [--public]: how the grader builds PROFILE's program
# for SLUG (`build/grade --print-build`, grader/build_profiles.c), read into
# arrays: RC_BUILD_CFLAGS (every compile), RC_BUILD_STUDENT_CFLAGS and
# RC_BUILD_KIT_CFLAGS (the student's file, the kit's sources),
# RC_BUILD_INCLUDES (-I DIR ...), RC_BUILD_MAIN (the main source: tests,
# driver), RC_BUILD_SOURCES (the kit's other sources), RC_BUILD_GUARDS (the
# calls renamed in the student's object), RC_BUILD_LINK (the linker flags
# after the objects); RC_BUILD_TESTS is "public" or "hidden" for a test
# binary.  --public: the public tests even where hidden ones exist.
rc_build() {
    local lines key value
    rc_need_grader
    lines=$("$RC_GRADE" --print-build "$1" "${@:3}" "$2") ||
        rc_die "the grader cannot say how to build $1 for $2"
    RC_BUILD_CFLAGS=() RC_BUILD_STUDENT_CFLAGS=() RC_BUILD_KIT_CFLAGS=() RC_BUILD_INCLUDES=()
    RC_BUILD_MAIN='' RC_BUILD_SOURCES=() RC_BUILD_GUARDS=() RC_BUILD_LINK=() RC_BUILD_TESTS=''
    while IFS=$'\t' read -r key value; do
        case $key in
            cflags) RC_BUILD_CFLAGS+=("$value") ;;
            student-cflags) RC_BUILD_STUDENT_CFLAGS+=("$value") ;;
            kit-cflags) RC_BUILD_KIT_CFLAGS+=("$value") ;;
            include) RC_BUILD_INCLUDES+=(-I "$value") ;;
            main) RC_BUILD_MAIN=$value ;;
            source) RC_BUILD_SOURCES+=("$value") ;;
            guard) RC_BUILD_GUARDS+=("$value") ;;
            link) RC_BUILD_LINK+=("$value") ;;
            tests) RC_BUILD_TESTS=$value ;;
        esac
    done <<<"$lines"
}

# rc_build_program SOURCE OBJECT PROGRAM: builds the program of the
# profile rc_build read, with SOURCE as the student's file, as the grader
# builds it: SOURCE compiled into OBJECT, its guarded calls renamed
# rc_guard_NAME (harness/fd_guard.c, print_guard.c, mem_guard.c), then
# linked with the kit's sources into PROGRAM.  The compiler's messages go
# to stderr; the exit status is the first failed step's.
rc_build_program() {
    local name guards=()
    for name in "${RC_BUILD_GUARDS[@]}"; do
        guards+=("--redefine-sym=$name=rc_guard_$name")
    done
    gcc "${RC_BUILD_CFLAGS[@]}" "${RC_BUILD_STUDENT_CFLAGS[@]}" "${RC_BUILD_INCLUDES[@]}" \
        -c "$1" -o "$2" || return
    if [[ ${#guards[@]} -gt 0 ]]; then
        objcopy "${guards[@]}" "$2" || return
    fi
    gcc "${RC_BUILD_CFLAGS[@]}" "${RC_BUILD_KIT_CFLAGS[@]}" "${RC_BUILD_INCLUDES[@]}" \
        -o "$3" "$RC_BUILD_MAIN" "${RC_BUILD_SOURCES[@]}" "$2" "${RC_BUILD_LINK[@]}"
}

# rc_compile_log LOG: the first lines of a compiler's output, indented.
rc_compile_log() {
    head -n 25 "$1" | sed 's/^/            /'
}

# rc_keep_test_build WORK SUBMISSION SLUG TEST [FLAG...]: the grader builds
# SLUG's test program with SUBMISSION's file exactly as `make check` does,
# for the one test TEST, and keeps it in WORK (build/grade --keep; FLAGs
# such as --public go to the grader).  Sets RC_BUILT to the folder that
# holds the program `tests`.  Exits 2 when the grader fails or the file
# does not build (saying to run make check first).
rc_keep_test_build() {
    local work=$1 submission=$2 slug=$3 test=$4 status=0 build
    shift 4
    TMPDIR=$work "$RC_GRADE" --submission "$submission" "$@" --no-race --keep --quiet \
        --summary "$work/summary" --test "$test" "$slug" || status=$?
    [[ $status -lt 2 ]] || exit 2
    build=$(rc_summary_field "$work/summary" "$slug" 4)
    if [[ $build != ok ]]; then
        rc_next "\`make check EX=$slug\` first: your file does not build ($build)"
        exit 2
    fi
    RC_BUILT=$(echo "$work"/racecourse.*/"$slug")
    [[ -x $RC_BUILT/tests ]] || rc_die "the grader left no test program in $RC_BUILT"
}

# rc_summary_field FILE SLUG N: field N of SLUG's line of a --summary file
# ("<slug> <score> <max> <build> <race> <passed>/<total>").
rc_summary_field() {
    local fields
    while read -r -a fields; do
        if [[ ${fields[0]:-} == "$2" ]]; then
            echo "${fields[$3 - 1]:-}"
        fi
    done <"$1"
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
    local file=$1/exercises/$2/$2.c sum
    [[ -f $file ]] && sum=$(sha256sum <"$file") && echo "${sum%% *}"
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
    [[ -f $RC_RACE_VERDICTS/$2 ]] || return 0
    hash=$(rc_file_hash "$1" "$2") || return 0
    read -r kept status <"$RC_RACE_VERDICTS/$2" || true
    [[ $kept != "$hash" ]] || echo "$status"
}

# rc_race_needed SLUG: whether SLUG has a race check (race = on).
rc_race_needed() {
    rc_vars_read
    [[ ${RC_VARS[RC_RACE_$1]:-} == on ]]
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
