#!/bin/bash
# Whole-process timings of sv, by hand (not in CI): ours (launcher and variants), Debian's runit sv,
# and a bare JVM hello-world, all measured in this one run. Prints medians (ms) and ratios.
#   ./mvn25 -B -q package -DskipTests && bench/sv.sh [runs]
# Needs Debian's runit (/usr/bin/runsv, /usr/bin/sv).
set -eu
N=${1:-21}
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$here/packaging/target/jrunit
lib=$tree/lib/jrunit
[ -x "$tree/bin/sv" ] || { echo "build first: ./mvn25 -B -q package -DskipTests" >&2; exit 1; }
. "$lib/find-jdk.sh"
jdk=$(jrunit_find_jdk)
work=$(mktemp -d /tmp/sv-bench.XXXXXX)
runsv_pid=
cleanup() {
    if [ -n "$runsv_pid" ] && kill -0 "$runsv_pid" 2>/dev/null; then
        kill -TERM "$runsv_pid"; for _ in $(seq 100); do kill -0 "$runsv_pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$runsv_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# A service that restarts at once when TERMed (runsv delays a restart only if ./run lived < 1 s).
mkdir -p "$work/service/web"
printf '#!/bin/sh\nexec sleep 100000\n' > "$work/service/web/run"; chmod +x "$work/service/web/run"
/usr/bin/runsv "$work/service/web" </dev/null >/dev/null 2>&1 & runsv_pid=$!
export SVDIR=$work/service
for _ in $(seq 200); do /usr/bin/sv status web 2>/dev/null | grep -q '^run:' && break; sleep 0.05; done

# the bare JVM: hello world from a jar, default flags
mkdir -p "$work/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$work/hello/Hello.java"
"$jdk/bin/javac" -d "$work/hello" "$work/hello/Hello.java" && "$jdk/bin/jar" cf "$work/hello.jar" -C "$work/hello" Hello.class

cp="$lib/jrunit-sv.jar:$lib/jrunit-common.jar:$lib/picocli.jar"
opts="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k --enable-native-access=ALL-UNNAMED -Djrunit.argv0=sv"
fast="--add-opens java.base/sun.nio.fs=ALL-UNNAMED -Djdk.reflect.useNativeAccessorOnly=true"
java=$jdk/bin/java
# AOT caches (JDK 25): one training run of a waiting restart covers status, control and waiting
train() { # $1 = cache, rest = extra flags
    local aot=$1; shift
    sleep 1.2
    "$java" $opts "$@" -XX:AOTCacheOutput="$aot" -cp "$cp" jrunit.sv.Sv -w 5 restart web >/dev/null 2>&1
}
train "$work/sv.aot"
train "$work/sv-fast.aot" $fast
"$java" -XX:AOTCacheOutput="$work/hello.aot" -cp "$work/hello.jar" Hello >/dev/null 2>&1

# one run: "wall_ms cpu_ms" (CPU = user + system, from /usr/bin/time: robust when the machine is busy)
ms() {
    local s e
    s=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" >/dev/null 2>&1 || true
    e=$(date +%s%N)
    echo "$(( (e - s) / 100000 )) $(awk '{printf "%d", ($1 + $2) * 10000}' "$work/cpu")"
}
median() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%d.%d", m/10, m%10}'; }
declare -A result cpu
measure() { # $1 = label, $2 = pause between runs (s), rest = command
    local label=$1 pause=$2; shift 2
    local i out=()
    for i in $(seq "$N"); do [ "$pause" = 0 ] || sleep "$pause"; out+=("$(ms "$@")"); done
    result[$label]=$(printf '%s\n' "${out[@]}" | awk '{print $1}' | median)
    cpu[$label]=$(printf '%s\n' "${out[@]}" | awk '{print $2}' | median)
    printf '%-44s %8s ms wall %8s ms cpu\n' "$label" "${result[$label]}" "${cpu[$label]}"
}
ratio() { awk -v a="${result[$1]}" -v b="${result[$2]}" -v c="${cpu[$1]}" -v d="${cpu[$2]}" 'BEGIN {printf "%.2f wall, %.2f cpu", a / b, (d > 0 ? c / d : 0)}'; }

echo "runs per figure: $N (median); JDK: $jdk; load: $(cut -d" " -f1-3 /proc/loadavg)"
measure "hello (bare JVM, default flags)" 0 "$java" -cp "$work/hello.jar" Hello
measure "hello (bare JVM, AOT cache)" 0 "$java" -XX:AOTCache="$work/hello.aot" -cp "$work/hello.jar" Hello
measure "hello (sv's JVM flags)" 0 "$java" $opts -Xshare:auto -cp "$work/hello.jar" Hello
measure "runit sv status" 0 /usr/bin/sv status web
measure "jrunit sv status (launcher)" 0 "$tree/bin/sv" status web
measure "jrunit sv status (FFM, AOT)" 0 "$java" $opts -XX:AOTCache="$work/sv.aot" -cp "$cp" jrunit.sv.Sv status web
measure "jrunit sv status (add-opens)" 0 "$java" $opts -Xshare:auto $fast -cp "$cp" jrunit.sv.Sv status web
measure "jrunit sv status (add-opens, AOT)" 0 "$java" $opts $fast -XX:AOTCache="$work/sv-fast.aot" -cp "$cp" jrunit.sv.Sv status web
measure "runit sv up (already up)" 0 /usr/bin/sv up web
measure "jrunit sv up (launcher)" 0 "$tree/bin/sv" up web
measure "jrunit sv up (add-opens, AOT)" 0 "$java" $opts $fast -XX:AOTCache="$work/sv-fast.aot" -cp "$cp" jrunit.sv.Sv up web
measure "runit sv -w 5 restart" 1.2 /usr/bin/sv -w 5 restart web
measure "jrunit sv -w 5 restart (launcher)" 1.2 "$tree/bin/sv" -w 5 restart web
measure "jrunit sv -w 5 restart (FFM, AOT)" 1.2 "$java" $opts -XX:AOTCache="$work/sv.aot" -cp "$cp" jrunit.sv.Sv -w 5 restart web
measure "jrunit sv -w 5 restart (add-opens, AOT)" 1.2 "$java" $opts $fast -XX:AOTCache="$work/sv-fast.aot" -cp "$cp" jrunit.sv.Sv -w 5 restart web

echo
echo "sv status, launcher / bare hello:           $(ratio 'jrunit sv status (launcher)' 'hello (bare JVM, default flags)')   (target <= 1.5)"
echo "sv status, FFM+AOT / bare hello:            $(ratio 'jrunit sv status (FFM, AOT)' 'hello (bare JVM, default flags)')"
echo "sv status, add-opens+AOT / bare hello:      $(ratio 'jrunit sv status (add-opens, AOT)' 'hello (bare JVM, default flags)')"
echo "sv status, add-opens+AOT / hello, sv flags: $(ratio 'jrunit sv status (add-opens, AOT)' "hello (sv's JVM flags)")"
echo "sv up, launcher / bare hello:               $(ratio 'jrunit sv up (launcher)' 'hello (bare JVM, default flags)')"
echo "sv -w 5 restart, launcher / runit:          $(ratio 'jrunit sv -w 5 restart (launcher)' 'runit sv -w 5 restart')   (target: < 100 ms absolute)"
echo "sv -w 5 restart, add-opens+AOT / runit:     $(ratio 'jrunit sv -w 5 restart (add-opens, AOT)' 'runit sv -w 5 restart')"
