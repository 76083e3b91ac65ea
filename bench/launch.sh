#!/usr/bin/env bash
# Start-up time of jrunit's launchers, with and without their AOT caches, beside a bare JVM "hello" and
# Debian's runit, all in one run: median wall time of N runs each, and ratios.
# Usage: bench/launch.sh [N]   (after ./mvn25 -B -q package -DskipTests; N defaults to 21)
set -euo pipefail
n=${1:-21}
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$root/packaging/target/jrunit
[ -x "$tree/bin/sv" ] || { echo "launch.sh: build first: ./mvn25 -B -q package -DskipTests" >&2; exit 1; }
. "$root/packaging/src/launcher/find-jdk.sh"
jdk=$(jrunit_find_jdk) || { echo "launch.sh: no JDK 25+" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/jrunit-bench.XXXXXX")
runsv_pid=
cleanup() {
    [ -n "$runsv_pid" ] && kill -TERM "$runsv_pid" 2>/dev/null
    [ -n "$runsv_pid" ] && wait "$runsv_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# the same tree without caches
mkdir "$work/nocache"
(cd "$tree" && tar -cf - --exclude=lib/jrunit/aot bin lib) | (cd "$work/nocache" && tar -xpf -)

# a bare JVM hello, with the client launchers' flags
mkdir "$work/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' >"$work/hello/Hello.java"
"$jdk/bin/javac" -d "$work/hello" "$work/hello/Hello.java"
flags=$(sed -n 's/^exec "$_jrunit_jdk\/bin\/java" \(.*\) "\$@"$/\1/p' "$tree/bin/sv")

# a "JDK" whose java is /bin/true: the launcher's own cost (sh, readlink, tr, find-jdk) without a JVM
mkdir -p "$work/fakejdk/bin"
ln -s /bin/true "$work/fakejdk/bin/java"
echo 'JAVA_VERSION="25"' >"$work/fakejdk/release"

# a service for `sv status` to read, supervised by Debian's runit if it is there (sv reads the same files)
mkdir -p "$work/svc/bench"
printf '#!/bin/sh\nexec sleep 3600\n' >"$work/svc/bench/run"
chmod 755 "$work/svc/bench/run"
if [ -x /usr/bin/runsv ]; then
    /usr/bin/runsv "$work/svc/bench" </dev/null >/dev/null 2>&1 &
    runsv_pid=$!
    for _ in $(seq 100); do [ -p "$work/svc/bench/supervise/ok" ] && break; sleep 0.05; done
fi

# Each round runs every command once, in turn, so that the load of a shared machine falls on all alike;
# then the median of each command's n wall-clock times, in milliseconds (output discarded).
names=() cmds=()
add() { names+=("$1"); cmds+=("$(printf '%q ' "${@:2}")"); }
add hello            "$jdk/bin/java" $flags -cp "$work/hello" Hello
add shell            env JRUNIT_JAVA_HOME="$work/fakejdk" "$tree/bin/sv" status "$work/svc/bench"
add sv-cache         "$tree/bin/sv" status "$work/svc/bench"
add sv-nocache       "$work/nocache/bin/sv" status "$work/svc/bench"
add chpst-cache      "$tree/bin/chpst" true
add chpst-nocache    "$work/nocache/bin/chpst" true
if [ -x /usr/bin/sv ]; then
    add runit-sv     /usr/bin/sv status "$work/svc/bench"
    add runit-chpst  /usr/bin/chpst true
fi
declare -A times ms
for c in "${cmds[@]}"; do eval "$c" >/dev/null 2>&1 || true; done    # warm the page cache
for ((r = 0; r < n; r++)); do
    for i in "${!cmds[@]}"; do
        t0=$EPOCHREALTIME
        eval "${cmds[i]}" >/dev/null 2>&1 || true
        t1=$EPOCHREALTIME
        times[${names[i]}]+="$(( ${t1/./} - ${t0/./} )) "
    done
done
for name in "${names[@]}"; do
    ms[$name]=$(printf '%s\n' ${times[$name]} | sort -n | sed -n "$(( (n + 1) / 2 ))p" | awk '{ printf "%.1f", $1 / 1000 }')
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo "jrunit launch times: median of $n runs, milliseconds ($(date -u +%FT%TZ), JDK $jdk)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine inflates every JVM row)"
printf '%-34s %9s %s\n' "command" "ms" "ratios"
printf '%-34s %9s\n' "bare JVM hello (client flags)" "${ms[hello]}"
printf '%-34s %9s\n' "launcher script alone (no JVM)" "${ms[shell]}"
printf '%-34s %9s  %sx hello, cache saves %sx\n' "sv status, AOT cache" "${ms[sv-cache]}" \
    "$(ratio "${ms[sv-cache]}" "${ms[hello]}")" "$(ratio "${ms[sv-nocache]}" "${ms[sv-cache]}")"
printf '%-34s %9s  %sx hello\n' "sv status, no cache" "${ms[sv-nocache]}" "$(ratio "${ms[sv-nocache]}" "${ms[hello]}")"
printf '%-34s %9s  %sx hello, cache saves %sx\n' "chpst true, AOT cache" "${ms[chpst-cache]}" \
    "$(ratio "${ms[chpst-cache]}" "${ms[hello]}")" "$(ratio "${ms[chpst-nocache]}" "${ms[chpst-cache]}")"
printf '%-34s %9s  %sx hello\n' "chpst true, no cache" "${ms[chpst-nocache]}" "$(ratio "${ms[chpst-nocache]}" "${ms[hello]}")"
if [ -n "${ms[runit-sv]:-}" ]; then
    printf '%-34s %9s  jrunit (cache) is %sx\n' "runit sv status" "${ms[runit-sv]}" "$(ratio "${ms[sv-cache]}" "${ms[runit-sv]}")"
    printf '%-34s %9s  jrunit (cache) is %sx\n' "runit chpst true" "${ms[runit-chpst]}" "$(ratio "${ms[chpst-cache]}" "${ms[runit-chpst]}")"
fi
# what the tools did (a placeholder that exits 111 measures only start-up and exit)
echo "exit codes: sv status $("$tree/bin/sv" status "$work/svc/bench" >/dev/null 2>&1; echo $?)," \
     "chpst true $("$tree/bin/chpst" true >/dev/null 2>&1; echo $?)"
