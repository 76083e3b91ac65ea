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
# The floor under any Java program that runs another in its place: a JVM whose main does nothing but
# link execve(2) through FFM and call it, with an AOT cache of its own (trained on a failing execve).
cat > "$tmp/ExecTrue.java" <<'JAVA'
import java.lang.foreign.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
public class ExecTrue {
    public static void main(String[] a) throws Throwable {
        Linker linker = Linker.nativeLinker();
        var execve = linker.downcallHandle(linker.defaultLookup().find("execve").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(a[0]), argv = arena.allocate(ADDRESS, 2), envp = arena.allocate(ADDRESS, 1);
            argv.setAtIndex(ADDRESS, 0, path);
            int r = (int) execve.invokeExact(path, argv, envp);
        }
        System.exit(111);
    }
}
JAVA
"$jdk/bin/javac" -d "$tmp" "$tmp/Hello.java" "$tmp/ExecTrue.java"
"$jdk/bin/jar" cf "$tmp/exec.jar" -C "$tmp" ExecTrue.class # an AOT cache takes classes from jars only
# the bare JVM gets the same flags as the chpst launcher
opts=$(sed -n 's/^exec "$_jrunit_jdk\/bin\/java" \(.*\) "$@"$/\1/p' "$bin/chpst")

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
"$jdk/bin/java" $aotopts -XX:AOTCacheOutput="$tmp/exec.aot" --enable-native-access=ALL-UNNAMED -cp "$tmp/exec.jar" ExecTrue /no/such/program >/dev/null 2>&1 || true
floor=$(time_ms "$jdk/bin/java" $aotopts -XX:AOTCache="$tmp/exec.aot" --enable-native-access=ALL-UNNAMED -cp "$tmp/exec.jar" ExecTrue /bin/true)
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
set -- $floor
printf '%-22s %11s   (the floor: a JVM that only execs /bin/true through FFM, with an AOT cache)\n' "JVM + FFM execve" "$1/$2"
for r in "chpst -u nobody true:$ours_u" "envdir DIR true:$ours_e"; do
    set -- ${r#*:}
    printf '%-22s %s the floor (wall)\n' "${r%%:*}" "$(ratio "$1" "${floor%% *}")x"
done
