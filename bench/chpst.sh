#!/bin/bash
# chpst start-to-exit times: `chpst -u nobody true` and `envdir DIR true`, ours (the launcher in
# packaging/target/jrunit/bin) beside Debian's chpst and a bare JVM hello-world, in one run.
# Run by hand, as root (for -u), after `./mvn25 -B -q package -DskipTests`. Usage: bench/chpst.sh [runs]
set -eu
runs=${1:-21}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/packaging/target/jrunit/bin
[ -x "$bin/chpst" ] || { echo "build first: ./mvn25 -B -q package -DskipTests" >&2; exit 1; }
[ -x /usr/bin/chpst ] || { echo "needs Debian's runit: apt-get install runit" >&2; exit 1; }
. "$here/packaging/src/launcher/find-jdk.sh"
jdk=$(jrunit_find_jdk)

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/env" "$tmp/debian"
for v in A B C D E; do echo "value $v" > "$tmp/env/$v"; done
ln -s /usr/bin/chpst "$tmp/debian/envdir"
cat > "$tmp/Hello.java" <<'JAVA'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
JAVA
"$jdk/bin/javac" -d "$tmp" "$tmp/Hello.java"
# the bare JVM gets the same flags as the chpst launcher
opts=$(sed -n 's/^exec "$jdk\/bin\/java" \(.*\) $aot.*/\1/p' "$bin/chpst")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { # runs the command $runs times, prints the median wall time in ms
    local i s e
    for ((i = 0; i < runs; i++)); do
        s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
        echo $(( (e - s) / 1000 ))
    done | median | awk '{printf "%.1f", $1 / 1000}'
}

# The same JVM with an AOT cache (JDK 25), trained in this run on failing calls (exec would skip the
# dump at exit): what packaging's lib/jrunit/aot/chpst.aot would give. -Xshare:auto must go with it.
lib=$here/packaging/target/jrunit/lib/jrunit
cp="$lib/jrunit-chpst.jar:$lib/jrunit-common.jar:$lib/picocli.jar"
aotopts=$(echo "$opts" | sed 's/-Xshare:auto//')
"$jdk/bin/java" $aotopts -XX:AOTCacheOutput="$tmp/chpst.aot" --enable-native-access=ALL-UNNAMED \
    -Djrunit.argv0=chpst -cp "$cp" jrunit.chpst.Chpst -u nobody -e "$tmp/env" -o 100 nosuchprog 2>/dev/null >&2 || true
aot() { "$jdk/bin/java" $aotopts -XX:AOTCache="$tmp/chpst.aot" --enable-native-access=ALL-UNNAMED -Djrunit.argv0="$1" \
    -cp "$cp" jrunit.chpst.Chpst "${@:2}"; }

"$bin/chpst" -u nobody true && "$bin/envdir" "$tmp/env" true # warm the page cache
ours_u=$(time_ms "$bin/chpst" -u nobody true)
runit_u=$(time_ms /usr/bin/chpst -u nobody true)
ours_e=$(time_ms "$bin/envdir" "$tmp/env" true)
runit_e=$(time_ms "$tmp/debian/envdir" "$tmp/env" true)
bare=$(time_ms "$jdk/bin/java" $opts -cp "$tmp" Hello)
aot_u=$(time_ms aot chpst -u nobody true)
aot_e=$(time_ms aot envdir "$tmp/env" true)

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
printf '%-28s %10s %10s %14s %14s %12s\n' "median of $runs runs (ms)" jrunit runit "jrunit/runit" "jrunit/bareJVM" "jrunit+AOT"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
printf '%-28s %10s %10s %14s %14s %12s\n' "chpst -u nobody true" "$ours_u" "$runit_u" "$(ratio "$ours_u" "$runit_u")" "$(ratio "$ours_u" "$bare")" "$aot_u"
printf '%-28s %10s %10s %14s %14s %12s\n' "envdir DIR true" "$ours_e" "$runit_e" "$(ratio "$ours_e" "$runit_e")" "$(ratio "$ours_e" "$bare")" "$aot_e"
printf '%-28s %10s\n' "bare JVM hello-world" "$bare"
