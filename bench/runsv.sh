#!/bin/sh
# Benchmark (by hand, not CI): jrunit's runsv beside Debian's runit runsv, in the same run.
#   restart latency and crash-loop CPU, runit's layout and --hosted: bench/restart.py (issue #15's method:
#   SIGKILL -> the new instance's announcement on a FIFO; ROUNDS samples, default 30; CPU_ROUNDS, default 3)
#   idle memory of one runsv with one service (RSS and PSS, /proc/PID/smaps_rollup)
# Run it as `flock /tmp/jrunit-bench.lock bench/runsv.sh` on a shared machine.
# Needs: ./mvn25 -B -q package -DskipTests (install tree), and Debian's runit.
set -eu
here=$(dirname "$(readlink -f "$0")")
root=${here%/bench}
ours=$root/packaging/target/jrunit/bin/runsv
runit=/usr/bin/runsv
rounds=${ROUNDS:-30}
[ -x "$ours" ] || { echo "runsv.sh: no $ours: run ./mvn25 -B -q package -DskipTests first" >&2; exit 1; }
[ -x "$runit" ] || { echo "runsv.sh: no $runit: apt-get install runit" >&2; exit 1; }
work=$(mktemp -d)
pids=
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 1
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

python3 "$here/restart.py" "${ours%/runsv}" "$rounds" "${CPU_ROUNDS:-3}"
echo

# measure NAME BINARY: prints "rss-kB pss-kB"
measure() {
    svc=$work/$1/svc
    mkdir -p "$svc"
    printf '#!/bin/sh\nexec sleep 100000\n' > "$svc/run"
    chmod +x "$svc/run"
    "$2" "$svc" >/dev/null 2>&1 &
    pid=$!
    pids="$pids $pid"
    sleep 5 # idle
    rss=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
    pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
    printf x > "$svc/supervise/control"
    echo "$rss $pss"
}

set -- $(measure runit "$runit")
r_rss=$1 r_pss=$2
set -- $(measure jrunit "$ours")
j_rss=$1 j_pss=$2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "idle memory of one runsv (ratio = jrunit / runit, below 1 is smaller), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %12s %12s %8s\n' "metric" "runit" "jrunit" "ratio"
printf '%-34s %12s %12s %8s\n' "idle RSS (kB)" "$r_rss" "$j_rss" "$(ratio "$j_rss" "$r_rss")"
printf '%-34s %12s %12s %8s\n' "idle PSS (kB)" "$r_pss" "$j_pss" "$(ratio "$j_pss" "$r_pss")"
