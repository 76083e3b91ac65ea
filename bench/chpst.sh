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
# Runs the command $runs times; prints "wall cpu": median wall and median CPU (user+sys) in ms.
# CPU time is the steadier figure on a busy machine.
time_ms() {
    local i t walls=() cpus=() TIMEFORMAT='%R %U %S'
    for ((i = 0; i < runs; i++)); do
        t=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
        set -- "$@"
        walls+=("$(echo "$t" | awk '{printf "%.0f", $1 * 1000}')")
        cpus+=("$(echo "$t" | awk '{printf "%.0f", ($2 + $3) * 1000}')")
    done
    echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
}

# The same JVM with an AOT cache (JDK 25), trained in this run on failing calls (exec would skip the
# dump at exit; -u :0:0 stays root, so the cache can be written): what packaging's lib/jrunit/aot/chpst.aot would give. -Xshare:auto must go with it.
lib=$here/packaging/target/jrunit/lib/jrunit
cp="$lib/jrunit-chpst.jar:$lib/jrunit-common.jar:$lib/picocli.jar"
aotopts=$(echo "$opts" | sed 's/-Xshare:auto//')
"$jdk/bin/java" $aotopts -XX:AOTCacheOutput="$tmp/chpst.aot" --enable-native-access=ALL-UNNAMED \
    -Djrunit.argv0=chpst -cp "$cp" jrunit.chpst.Chpst -u :0:0 -U nobody -e "$tmp/env" -o 100 nosuchprog 2>/dev/null >&2 || true
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

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs; median of $runs runs, wall/CPU in ms"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / (b > 0 ? b : 1)}'; }
row() { # name, ours, runit, aot ("wall cpu" each)
    set -- "$1" $2 $3 $4
    printf '%-22s %11s %11s %13s %15s %11s\n' "$1" "$2/$3" "$4/$5" "$(ratio "$2" "$4")/$(ratio "$3" "$5")" \
        "$(ratio "$2" "$bare_wall")/$(ratio "$3" "$bare_cpu")" "$6/$7"
}
set -- $bare; bare_wall=$1 bare_cpu=$2
printf '%-22s %11s %11s %13s %15s %11s\n' "" jrunit runit jrunit/runit jrunit/bareJVM jrunit+AOT
row "chpst -u nobody true" "$ours_u" "$runit_u" "$aot_u"
row "envdir DIR true" "$ours_e" "$runit_e" "$aot_e"
printf '%-22s %11s\n' "bare JVM hello-world" "$bare_wall/$bare_cpu"
