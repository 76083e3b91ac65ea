#!/bin/sh
# jrunit @TOOL@ launcher, generated from packaging/src/launcher/launcher.sh at build time.
# It exec's the JVM, so the PID its caller started is the tool itself (signals, /proc, accounting).
# It exports nothing and assigns only _jrunit_* shell variables: supervised children see exactly the
# caller's environment (a variable the caller exported would be re-exported if assigned here).
# The shell itself exports PWD (dash; bash also SHLVL) whether or not the caller did: put back what the
# caller passed, as the kernel still shows it in /proc/$$/environ (one `tr`, about a millisecond).
if [ -r /proc/$$/environ ] && _jrunit_env=$(tr '\0' '\n' </proc/$$/environ); then
    for _jrunit_name in PWD OLDPWD SHLVL; do
        case "
$_jrunit_env" in
            *"
$_jrunit_name="*)
                _jrunit_value=${_jrunit_env#*"
$_jrunit_name="}
                export "$_jrunit_name=${_jrunit_value%%"
"*}" ;;
            *) unset "$_jrunit_name" ;;
        esac
    done
fi
# lib/jrunit beside this launcher's bin/; readlink (a process) only for a symlink (chpst's personalities,
# a link into the tree) or a relative name.
case $0 in
    /*/*/*) if [ -L "$0" ]; then _jrunit_self=$(readlink -f -- "$0") || _jrunit_self=$0; else _jrunit_self=$0; fi ;;
    *) _jrunit_self=$(readlink -f -- "$0") || _jrunit_self=$0 ;;
esac
_jrunit_lib=${_jrunit_self%/*/*}/lib/jrunit
. "$_jrunit_lib/find-jdk.sh"
jrunit_locate_jdk || { echo "@TOOL@: fatal: no JDK 25 or newer found: set JRUNIT_JAVA_HOME" >&2; exit 111; }
# runsvdir --hosted runs other code (every supervisor inside this JVM) than runsvdir without it, so it has
# a cache of its own. Any argument "--hosted" selects it: at worst (a log argument of that name) the wrong
# cache, which costs start time, never behaviour.
_jrunit_aot=@TOOL@
case @TOOL@ in runsvdir)
    for _jrunit_arg do [ "$_jrunit_arg" = --hosted ] && _jrunit_aot=runsvdir-hosted; done
esac
# The command line after the JVM flags, built with `set --`: no path is ever word-split or globbed.
# jrunit.bin: where this tree's tools are, so a supervisor knows a log/run that execs our svlogd (it then
# runs that logger inside its own JVM) from one that execs another program of that name.
set -- --enable-native-access=ALL-UNNAMED -Djrunit.argv0="$0" -Djrunit.bin="${_jrunit_self%/*}" -cp "@CLASSPATH@" @MAIN@ "$@"
case @TOOL@ in chpst)
    # chpst hands its caller's ignored signals on to the program; the JVM hides those it catches itself
    # (the chpst module's addition, kept as it wrote it but for the _jrunit_ names)
    while IFS=' 	:' read -r _jrunit_k _jrunit_v; do
        [ "$_jrunit_k" = SigIgn ] && { set -- "-Djrunit.sigign=$_jrunit_v" "$@"; break; }
    done 2>/dev/null </proc/$$/status
esac
# The AOT cache (JEP 483/514/515) was made at build time by a training run of this very launcher. The
# JVM checks that it matches this JDK and these jars, and otherwise runs without it; unified logging would
# report that on stdout, so the aot/cds tags are switched off: a stale cache costs start time, never output.
# JRUNIT_AOT_TRAIN is the build's hook (packaging/src/aot/train.sh): record a training run into that file
# instead; it is unset before exec, so the tool's own children (runsvdir's runsv) do not train too.
if [ -n "${JRUNIT_AOT_TRAIN:-}" ]; then
    set -- "-XX:AOTCacheOutput=$JRUNIT_AOT_TRAIN" "$@"
    unset JRUNIT_AOT_TRAIN
elif [ -r "$_jrunit_lib/aot/$_jrunit_aot.aot" ]; then
    set -- "-XX:AOTCache=$_jrunit_lib/aot/$_jrunit_aot.aot" '-Xlog:aot*=off,cds*=off' "$@"
    # runsvdir --hosted: its cache's training ran crash loops with lowered compile thresholds, so the methods
    # of the restart path are recorded as compiled; AOTCompileEagerly compiles those at their first call
    # rather than after ~200 (at one restart a second: never, and interpreted every time). Costs the one JVM
    # ~250-400 ms of CPU on the compiler thread at start-up (bench/restart.py, STARTUP_ROUNDS); not for runsv,
    # where runit's layout pays it once per service (issue #15, bench/README.md).
    [ "$_jrunit_aot" = runsvdir-hosted ] && set -- -XX:+UnlockExperimentalVMOptions -XX:+AOTCompileEagerly "$@"
fi
exec "$_jrunit_jdk/bin/java" @JVM_OPTS@ "$@"
