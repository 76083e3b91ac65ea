#!/bin/sh
# Benchmark (by hand, not CI): jrunit's runsv beside Debian's runit runsv, in the same run.
#   restart latency after SIGKILL of a ./run that ran over a second (median of ROUNDS, default 31)
#   idle memory of one runsv with one service (RSS and PSS, /proc/PID/smaps_rollup)
# Needs: ./mvn25 -B -q package -DskipTests (install tree), and Debian's runit.
set -eu
here=$(dirname "$(readlink -f "$0")")
root=${here%/bench}
ours=$root/packaging/target/jrunit/bin/runsv
runit=/usr/bin/runsv
rounds=${ROUNDS:-31}
[ -x "$ours" ] || { echo "runsv.sh: no $ours: run ./mvn25 -B -q package -DskipTests first" >&2; exit 1; }
[ -x "$runit" ] || { echo "runsv.sh: no $runit: apt-get install runit" >&2; exit 1; }
. "$root/packaging/src/launcher/find-jdk.sh"
java=$(jrunit_find_jdk)/bin/java
work=$(mktemp -d)
pids=
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 1
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# measure NAME BINARY: prints "latency-median latency-min latency-p90 rss-kB pss-kB"
measure() {
    svc=$work/$1/svc
    mkdir -p "$svc"
    printf '#!/bin/sh\nexec sleep 100000\n' > "$svc/run"
    chmod +x "$svc/run"
    "$2" "$svc" >/dev/null 2>&1 &
    pid=$!
    pids="$pids $pid"
    lat=$("$java" "$here/RestartLatency.java" "$svc" "$rounds")
    sleep 3 # idle
    rss=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
    pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
    printf x > "$svc/supervise/control"
    echo "$lat $rss $pss"
}

set -- $(measure runit "$runit")
r_med=$1 r_min=$2 r_p90=$3 r_rss=$4 r_pss=$5
set -- $(measure jrunit "$ours")
j_med=$1 j_min=$2 j_p90=$3 j_rss=$4 j_pss=$5

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "runsv benchmark ($rounds restarts each; ratio = jrunit / runit, below 1 is faster or smaller)"
printf '%-34s %12s %12s %8s\n' "metric" "runit" "jrunit" "ratio"
printf '%-34s %12s %12s %8s\n' "restart latency median (ms)" "$r_med" "$j_med" "$(ratio "$j_med" "$r_med")"
printf '%-34s %12s %12s %8s\n' "restart latency min (ms)" "$r_min" "$j_min" "$(ratio "$j_min" "$r_min")"
printf '%-34s %12s %12s %8s\n' "restart latency p90 (ms)" "$r_p90" "$j_p90" "$(ratio "$j_p90" "$r_p90")"
printf '%-34s %12s %12s %8s\n' "idle RSS (kB)" "$r_rss" "$j_rss" "$(ratio "$j_rss" "$r_rss")"
printf '%-34s %12s %12s %8s\n' "idle PSS (kB)" "$r_pss" "$j_pss" "$(ratio "$j_pss" "$r_pss")"
