#!/usr/bin/env bash
# Logged services, runit's convention (log/run = `exec svlogd -tt ./main`): Debian's runit, jrunit in
# runit's layout (a runsv JVM per service, its logger inside it) and `runsvdir --hosted` (one JVM, loggers
# included), in one run.
#
#   ./mvn25 -B -q package -DskipTests        # builds packaging/target/jrunit/bin
#   sudo bench/logged.sh [RUNS]
#
# Boot: N logged services (20 and 100): from runsvdir's start until every log/main/current has its first
# line (each ./run echoes one, then sleeps), seen by bench/all_logged.py (one stat every 2 ms, no forks). Footprint, 5 s after boot: PSS summed over the supervision
# tree (runsvdir, runsv's, svlogd's; services excluded) and how many processes that is. Line latency: one
# logged service that is bench/line_latency.py (write(2) of a line into the log pipe until inotify reports
# the write of current; lines 3 ms apart), for runit's svlogd, jrunit's svlogd program (spawned: its log/run
# is not a recognised form), jrunit's in-process logger (runsv and --hosted), and the floor: `cat > current`.
# Medians over RUNS runs (default 3); the modes alternate run by run and each run has a directory of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
MODES=${MODES:-runit jrunit hosted}
BIN=${JRUNIT_BIN:-$PWD/packaging/target/jrunit/bin}
BENCH=$PWD/bench
[ -x "$BIN/runsvdir" ] || { echo "no jrunit launchers in $BIN: build first (see top of $0)" >&2; exit 1; }
[ -x /usr/bin/runsvdir ] || { echo "Debian's runit is needed (apt-get install runit)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/bench-logged.XXXXXX)
chmod 755 "$WORK"
trap cleanup_all EXIT

now_ms() { date +%s%3N; }

# make_tree DIR N LOGRUN: N services that print one line then sleep, each logged by LOGRUN
make_tree() {
    local dir=$1 n=$2 logrun=$3 i
    mkdir -p "$dir/service"
    for i in $(seq 1 "$n"); do
        mkdir -p "$dir/service/s$i/log/main"
        printf '#!/bin/sh\necho "s%s started"\nexec sleep 100000\n' "$i" > "$dir/service/s$i/run"
        printf '%s' "$logrun" > "$dir/service/s$i/log/run"
        chmod +x "$dir/service/s$i/run" "$dir/service/s$i/log/run"
    done
    touch -d '-10 seconds' "$dir/service"
}

LOGRUN='#!/bin/sh
exec svlogd -tt ./main
'

# start MODE DIR: runsvdir of MODE on DIR/service; sets RUNSVDIR_PID. PATH finds each mode's own svlogd.
start() {
    local mode=$1 dir=$2
    case $mode in
        runit)  (cd "$dir" && exec env PATH=/usr/bin:/bin /usr/bin/runsvdir -P service) </dev/null >/dev/null 2>"$dir/stderr" & ;;
        jrunit) (cd "$dir" && exec env PATH="$BIN:/usr/bin:/bin" "$BIN/runsvdir" -P service) </dev/null >/dev/null 2>"$dir/stderr" & ;;
        hosted) (cd "$dir" && exec env PATH="$BIN:/usr/bin:/bin" "$BIN/runsvdir" --hosted -P service) </dev/null >/dev/null 2>"$dir/stderr" & ;;
    esac
    RUNSVDIR_PID=$!
}

descendants() {
    local c
    for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do echo "$c"; descendants "$c"; done
}

# the supervision tree: runsvdir and every descendant that is not a service (the services are `sleep`, or
# python); a host's holder of its loggers' pipes is a `sleep` too, but its argv[0] is jrunit-pipes
supervision() {
    local p comm
    echo "$1"
    for p in $(descendants "$1"); do
        comm=$(cat /proc/"$p"/comm 2>/dev/null) || continue
        if [ "$(tr '\0' '\n' < /proc/"$p"/cmdline 2>/dev/null | head -1)" = jrunit-pipes ]; then echo "$p"; continue; fi
        case $comm in sleep|python3|cat) ;; *) echo "$p" ;; esac
    done
}

pss_kb() { awk '/^Pss:/ {print $2}' /proc/"$1"/smaps_rollup 2>/dev/null || echo 0; }

stop() {
    local pid=$1 dir=$2 p
    kill -HUP "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    wait "$pid" 2>/dev/null || true
    for p in /proc/[0-9]*; do
        case $(readlink "$p/cwd" 2>/dev/null) in "$dir"|"$dir"/*) kill -9 "${p#/proc/}" 2>/dev/null || true ;; esac
    done
    sleep 0.2
}

cleanup_all() {
    for p in /proc/[0-9]*; do
        case $(readlink "$p/cwd" 2>/dev/null) in "$WORK"|"$WORK"/*) kill -9 "${p#/proc/}" 2>/dev/null || true ;; esac
    done
    rm -rf "$WORK"
}

# run MODE N RUN: "BOOT_MS PSS_KB PROCESSES"
run() {
    local mode=$1 n=$2 dir=$WORK/$1-$2-$3 t0 t1 pss=0 count=0 p
    make_tree "$dir" "$n" "$LOGRUN"
    for i in $(seq 1 "$n"); do echo "$dir/service/s$i/log/main/current"; done > "$dir/currents"
    t0=$(now_ms)
    start "$mode" "$dir"
    python3 "$BENCH/all_logged.py" 120 < "$dir/currents" || echo "boot $mode $n: timed out (stderr: $(head -c 500 "$dir/stderr"))" >&2
    t1=$(now_ms)
    sleep 5
    for p in $(supervision "$RUNSVDIR_PID"); do pss=$(( pss + $(pss_kb "$p") )); count=$(( count + 1 )); done
    stop "$RUNSVDIR_PID" "$dir"
    echo "$(( t1 - t0 )) $pss $count"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx", a / b }'; }

echo "logged-services bench: $RUNS runs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RES
for n in 20 100; do
    for r in $(seq 1 "$RUNS"); do
        for mode in $MODES; do RES[$mode-$n]+="$(run "$mode" "$n" "$r")"$'\n'; done
    done
done
printf '\n%-34s %14s %14s %14s\n' "" "runit" "jrunit" "jrunit --hosted"
for n in 20 100; do
    declare -A B P C
    for mode in runit jrunit hosted; do
        rows=${RES[$mode-$n]:-}
        if [ -z "$rows" ]; then B[$mode]=- P[$mode]=- C[$mode]=-; continue; fi
        B[$mode]=$(printf '%s' "$rows" | cut -d' ' -f1 | median)
        P[$mode]=$(printf '%s' "$rows" | cut -d' ' -f2 | median)
        C[$mode]=$(printf '%s' "$rows" | cut -d' ' -f3 | median)
    done
    printf '%-34s %11s ms %11s ms %11s ms   (hosted %s of runit)\n' "boot, $n logged services" "${B[runit]}" "${B[jrunit]}" "${B[hosted]}" "$(ratio "${B[hosted]}" "${B[runit]}")"
    printf '%-34s %11s kB %11s kB %11s kB\n' "PSS of the tree, $n services" "${P[runit]}" "${P[jrunit]}" "${P[hosted]}"
    printf '%-34s %14s %14s %14s\n' "supervision processes, $n" "${C[runit]}" "${C[jrunit]}" "${C[hosted]}"
    unset B P C
done

# Line latency: one service each, SAMPLES lines 3 ms apart after WARMUP.
SAMPLES=${SAMPLES:-2000} WARMUP=${WARMUP:-300}
latency() { # NAME RUNSVDIR-MODE LOGRUN -> median ms
    local name=$1 mode=$2 logrun=$3 dir=$WORK/lat-$1 out
    mkdir -p "$dir/service/l/log/main"
    out=$dir/latencies
    printf '#!/bin/sh\nexec python3 %s ./log/main/current %s %s 3 %s\n' "$BENCH/line_latency.py" "$SAMPLES" "$WARMUP" "$out" > "$dir/service/l/run"
    printf '%s' "$logrun" > "$dir/service/l/log/run"
    chmod +x "$dir/service/l/run" "$dir/service/l/log/run"
    touch -d '-10 seconds' "$dir/service"
    start "$mode" "$dir"
    local t0; t0=$(now_ms)
    until [ -s "$out" ]; do sleep 0.1; [ $(( $(now_ms) - t0 )) -gt 300000 ] && break; done
    stop "$RUNSVDIR_PID" "$dir"
    sort -n "$out" | awk '{a[NR]=$1} END {printf "%.3f ms (p90 %.3f ms)", a[int((NR+1)/2)], a[int(NR*0.9)]}'
}
echo
echo "line latency, $SAMPLES lines 3 ms apart (write(2) into the log pipe -> inotify on current), median:"
echo "  floor, cat > current:            $(latency floor runit $'#!/bin/sh\nexec cat > ./main/current\n')"
echo "  runit svlogd -tt:                $(latency runit runit "$LOGRUN")"
echo "  jrunit svlogd -tt program:       $(latency program jrunit $'#!/bin/sh\nd=./main\nexec svlogd -tt "$d"\n')"
echo "  jrunit in-process, runsv:        $(latency inproc jrunit "$LOGRUN")"
echo "  jrunit in-process, --hosted:     $(latency hosted hosted "$LOGRUN")"
echo "targets (hosted): 100 logged services boot no slower than runit, PSS <= 96 MB (100) and <= 64 MB (20)"
