#!/bin/sh
# jrunit @TOOL@ launcher, generated from packaging/src/launcher/launcher.sh at build time.
# It exec's the JVM, so the PID its caller started is the tool itself (signals, /proc, accounting).
# It sets only shell variables, never exported ones: supervised children see the caller's environment.
self=$(readlink -f -- "$0") || self=$0
lib=${self%/*/*}/lib/jrunit
. "$lib/find-jdk.sh"
jdk=$(jrunit_find_jdk) || { echo "@TOOL@: fatal: no JDK 25 or newer found: set JRUNIT_JAVA_HOME" >&2; exit 111; }
aot=
[ -r "$lib/aot/@TOOL@.aot" ] && aot="-XX:AOTCache=$lib/aot/@TOOL@.aot"
sigign=
case @TOOL@ in chpst)
    # chpst hands its caller's ignored signals on to the program; the JVM hides those it catches itself
    while IFS=' 	:' read -r k v; do [ "$k" = SigIgn ] && { sigign=-Djrunit.sigign=$v; break; }; done 2>/dev/null </proc/$$/status
esac
exec "$jdk/bin/java" @JVM_OPTS@ $aot $sigign --enable-native-access=ALL-UNNAMED -Djrunit.argv0="$0" \
    -cp "@CLASSPATH@" @MAIN@ "$@"
