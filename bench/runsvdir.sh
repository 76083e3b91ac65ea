#!/usr/bin/env bash
# Boot time and footprint of runsvdir: Debian's runit vs jrunit (runit's layout, and --hosted), in one run.
#
#   ./mvn25 -B -q -pl packaging -am package -DskipTests   # builds packaging/target/jrunit/bin
#   sudo bench/runsvdir.sh [RUNS]
#
# Boot: N services (20 and 100) under runsvdir, from its start until every ./run has started (each run
# script creates a marker file first). Footprint: 20 services each with a log service, measured 5 s after
# boot: total CPU time (utime+stime) and the sum of PSS of the supervision processes (runsvdir and every
# runsv; in hosted mode the one JVM), services and log services excluded. Hosted mode also reports what
# each supervisor adds to the JVM: (PSS with 20 services - PSS with an empty directory) / 20.
# Prints medians over RUNS runs (default 3) and ratios against runit measured in the same run. The runs
# alternate between the modes (runit, jrunit, hosted, runit, ...), so a change in the shared machine's load
# falls on all of them alike, and every run gets a directory of its own, removed only at the end: on ext4
# without a journal (this machine's /tmp) a file created within a minute or so of many deletions is slow to
# get an inode (the allocator skips recently freed ones), so removing one run's tree just before the next
# would charge that to whichever mode runs next.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
# MODES="runit hosted" leaves out runit's layout under jrunit (100 JVMs, the slow one), for a quicker
# runit-vs-hosted comparison; its columns then read "-".
MODES=${MODES:-runit jrunit hosted}
BIN=${JRUNIT_BIN:-$PWD/packaging/target/jrunit/bin}
[ -x "$BIN/runsvdir" ] && [ -x "$BIN/runsv" ] || { echo "no jrunit launchers in $BIN: build packaging first (see top of $0)" >&2; exit 1; }
[ -x /usr/bin/runsvdir ] || { echo "Debian's runit is needed (apt-get install runit)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/bench-runsvdir.XXXXXX)
trap 'cleanup_all' EXIT

now_ms() { date +%s%3N; }

# make_tree DIR N LOG: N services whose run scripts mark their start; LOG=1 adds a log service to each
make_tree() {
    local dir=$1 n=$2 log=$3 i
    rm -rf "$dir"; mkdir -p "$dir/service" "$dir/started"
    for i in $(seq 1 "$n"); do
        mkdir -p "$dir/service/s$i"
        printf '#!/bin/sh\n: > %s/started/s%s\nexec sleep 100000\n' "$dir" "$i" > "$dir/service/s$i/run"
        chmod +x "$dir/service/s$i/run"
        if [ "$log" = 1 ]; then
            mkdir -p "$dir/service/s$i/log"
            printf '#!/bin/sh\nexec cat > /dev/null\n' > "$dir/service/s$i/log/run"
            chmod +x "$dir/service/s$i/log/run"
        fi
    done
    # an old mtime: runsvdir (runit's too) waits a second before scanning a directory changed this very second
    touch -d '-10 seconds' "$dir/service"
}

# start MODE DIR: runsvdir of MODE on DIR/service in the background; sets RUNSVDIR_PID
start() {
    local mode=$1 dir=$2
    case $mode in
        runit)  (cd "$dir" && exec env PATH=/usr/bin:/bin /usr/bin/runsvdir -P service) </dev/null >/dev/null 2>&1 & ;;
        jrunit) (cd "$dir" && exec env PATH="$BIN:/usr/bin:/bin" "$BIN/runsvdir" -P service) </dev/null >/dev/null 2>&1 & ;;
        hosted) (cd "$dir" && exec env PATH=/usr/bin:/bin "$BIN/runsvdir" --hosted -P service) </dev/null >/dev/null 2>&1 & ;;
    esac
    RUNSVDIR_PID=$!
}

children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$' || true; }

# the supervision processes: runsvdir and its runsv children (comm runsv); hosted: runsvdir alone
supervisors() {
    local pid=$1 c
    echo "$pid"
    for c in $(children "$pid"); do
        [ "$(cat /proc/"$c"/comm 2>/dev/null)" = runsv ] && echo "$c"
    done
    return 0
}

pss_kb() { awk '/^Pss:/ {print $2}' /proc/"$1"/smaps_rollup 2>/dev/null || echo 0; }
# CPU time (utime + stime of every thread, ended ones included) in milliseconds
HZ=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$HZ" '{ sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' /proc/"$1"/stat 2>/dev/null || echo 0; }

stop() {
    local pid=$1 dir=$2 p
    kill -HUP "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    wait "$pid" 2>/dev/null || true
    # everything that ran in the tree (runsv processes, services) goes, by pid
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

# boot MODE N RUN: milliseconds until all N run scripts have started
boot() {
    local mode=$1 n=$2 dir=$WORK/boot-$1-$2-$3 t0 t1
    make_tree "$dir" "$n" 0
    t0=$(now_ms)
    start "$mode" "$dir"
    until [ "$(ls "$dir/started" | wc -l)" -ge "$n" ]; do
        sleep 0.005
        [ $(( $(now_ms) - t0 )) -gt 120000 ] && { echo "boot $mode $n: timed out" >&2; break; }
    done
    t1=$(now_ms)
    stop "$RUNSVDIR_PID" "$dir"
    echo $(( t1 - t0 ))
}

# footprint MODE N RUN: "PSS_KB CPU_MS PROCESSES" of the supervision processes, N logged services, 5 s after boot
footprint() {
    local mode=$1 n=$2 dir=$WORK/mem-$1-$2-$3 pss=0 cpu=0 count=0 p
    make_tree "$dir" "$n" 1
    start "$mode" "$dir"
    until [ "$(ls "$dir/started" | wc -l)" -ge "$n" ]; do sleep 0.01; done
    sleep 5
    for p in $(supervisors "$RUNSVDIR_PID"); do
        pss=$(( pss + $(pss_kb "$p") )); cpu=$(( cpu + $(cpu_ms "$p") )); count=$(( count + 1 ))
    done
    stop "$RUNSVDIR_PID" "$dir"
    echo "$pss $cpu $count"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { [ "$1" = - ] || [ "$2" = - ] && { echo -; return; }; awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.1fx", a / b }'; }
per20() { [ "$1" = - ] && echo - || echo $(( $1 / 20 )); }

echo "runsvdir bench: $RUNS runs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A BOOT TIMES
for n in 20 100; do for mode in runit jrunit hosted; do BOOT[$mode-$n]=-; done; done
for n in 20 100; do
    for r in $(seq 1 "$RUNS"); do
        for mode in $MODES; do TIMES[$mode-$n]+="$(boot "$mode" "$n" "$r")"$'\n'; done
    done
    for mode in $MODES; do BOOT[$mode-$n]=$(printf '%s' "${TIMES[$mode-$n]}" | median); done
done
declare -A PSS CPU PROCS FOOT
for r in $(seq 1 "$RUNS"); do
    for mode in $MODES; do FOOT[$mode]+="$(footprint "$mode" 20 "$r")"$'\n'; done
done
for mode in runit jrunit hosted; do
    [ -n "${FOOT[$mode]:-}" ] || { PSS[$mode]=- CPU[$mode]=- PROCS[$mode]=-; continue; }
    res=$(printf '%s' "${FOOT[$mode]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
    read -r PSS[$mode] CPU[$mode] PROCS[$mode] <<< "$res"
done
empty=$(for r in $(seq 1 "$RUNS"); do footprint hosted 0 "$r" | cut -d' ' -f1; done | median)

printf '\n%-28s %12s %12s %12s\n' "" "runit" "jrunit" "jrunit --hosted"
for n in 20 100; do
    printf '%-28s %10s ms %10s ms %10s ms   (jrunit %s, hosted %s of runit)\n' "boot, $n services" \
        "${BOOT[runit-$n]}" "${BOOT[jrunit-$n]}" "${BOOT[hosted-$n]}" \
        "$(ratio "${BOOT[jrunit-$n]}" "${BOOT[runit-$n]}")" "$(ratio "${BOOT[hosted-$n]}" "${BOOT[runit-$n]}")"
done
printf '%-28s %10s kB %10s kB %10s kB   (jrunit %s, hosted %s of runit)\n' "PSS, 20 logged services" \
    "${PSS[runit]}" "${PSS[jrunit]}" "${PSS[hosted]}" "$(ratio "${PSS[jrunit]}" "${PSS[runit]}")" "$(ratio "${PSS[hosted]}" "${PSS[runit]}")"
printf '%-28s %10s ms %10s ms %10s ms   (jrunit %s, hosted %s of runit)\n' "CPU to boot + 5 s" \
    "${CPU[runit]}" "${CPU[jrunit]}" "${CPU[hosted]}" "$(ratio "${CPU[jrunit]}" "${CPU[runit]}")" "$(ratio "${CPU[hosted]}" "${CPU[runit]}")"
printf '%-28s %13s %13s %13s\n' "supervision processes" "${PROCS[runit]}" "${PROCS[jrunit]}" "${PROCS[hosted]}"
echo
echo "per supervised service (PSS / 20): runit $(( PSS[runit] / 20 )) kB, jrunit $(per20 "${PSS[jrunit]}") kB," \
     "hosted $(( PSS[hosted] / 20 )) kB of which $(( (PSS[hosted] - empty) / 20 )) kB added per supervisor" \
     "(hosted JVM with no services: $empty kB)"
echo "targets (hosted): boot of 100 within 2x runit: $(ratio "${BOOT[hosted-100]}" "${BOOT[runit-100]}");" \
     "under 1024 kB added per supervisor: $(( (PSS[hosted] - empty) / 20 )) kB"
