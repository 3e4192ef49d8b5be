# side_by_side.sh - commands run side by side, their output shown in an
# order of the caller's (sourced by the kit's own checks:
# scripts/check-exercise, scripts/checks/hostile, scripts/checks/explore).
#
# side_by_side_start MAX FILE COMMAND...: runs COMMAND in the background,
#     its output (stdout and stderr) in FILE, as soon as fewer than MAX of
#     the commands started so far are running.
# side_by_side_wait FILE...: waits for all of them, then prints the FILEs
#     in the order given.

side_by_side_running=0

side_by_side_start() {
    local max=$1 file=$2
    shift 2
    if [[ $side_by_side_running -ge $max ]]; then
        wait -n
        side_by_side_running=$((side_by_side_running - 1))
    fi
    "$@" >"$file" 2>&1 &
    side_by_side_running=$((side_by_side_running + 1))
}

side_by_side_wait() {
    wait
    side_by_side_running=0
    [[ $# -eq 0 ]] || cat "$@"
}
