#!/bin/sh
# Makes TREE/lib/jrunit/aot/<tool>.aot, one AOT cache per tool (JDK 25, JEP 514's one-step workflow),
# and runsvdir-hosted.aot for `runsvdir --hosted` (the launcher picks it when given that option),
# from a training run of the tool's own launcher on a harmless workload in a temporary directory.
# The launcher turns JRUNIT_AOT_TRAIN into -XX:AOTCacheOutput, so training sees the exact flags and
# class path of a real run. The JVM writes the cache when it exits, whatever the exit code, so a tool
# that fails its workload still leaves a cache of what it loaded. Every run has a deadline; every
# process started here is ended by its PID. Usage: train.sh TREE
set -u
tree=${1:?usage: train.sh TREE}
bin=$tree/bin
aot=$tree/lib/jrunit/aot
rm -rf "$aot"
mkdir -p "$aot"
work=$(mktemp -d "${TMPDIR:-/tmp}/jrunit-aot.XXXXXX")
runsv= runsvdir=
cleanup() {
    # our daemons, while not yet waited for (a reaped PID may belong to someone else by now)
    for p in $runsv $runsvdir; do kill -KILL "$p" 2>/dev/null; done
    # the example services' sleeps, if a supervisor left one behind
    for p in $(cat "$work"/*/*/supervise/pid "$work"/*/*/log/supervise/pid 2>/dev/null); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && kill -KILL "$p"
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# train TOOL ARGS...: a client run, stdin empty, 120 s at most
train() {
    _tool=$1; shift
    JRUNIT_AOT_TRAIN=$aot/$_tool.aot timeout 120 "$bin/$_tool" "$@" </dev/null >>"$work/log" 2>&1
    echo "train: $_tool $* -> exit $?" >>"$work/log"
}

# until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds or SECONDS pass
until_ok() {
    _n=$(($1 * 10)); shift
    while [ "$_n" -gt 0 ]; do "$@" && return 0; sleep 0.1; _n=$((_n - 1)); done
    return 1
}
running() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
is_up() { [ "$(cat "$1/supervise/stat" 2>/dev/null)" = run ]; }
up_or_gone() { is_up "$1" || gone "$2"; }     # DIR PID

service() { # DIR: a service that sleeps until stopped
    mkdir -p "$1"
    printf '#!/bin/sh\nexec sleep 60\n' >"$1/run"
    chmod 755 "$1/run"
}

logged() { # DIR: a log service as runit's convention has it, which a supervisor runs in its own JVM
    mkdir -p "$1/log"
    printf '#!/bin/sh\nmkdir -p ./main\nexec svlogd -tt ./main\n' >"$1/log/run"
    chmod 755 "$1/log/run"
    printf '#!/bin/sh\necho started\nexec sleep 60\n' >"$1/run"
}

# Restarts (issue #15): a daemon restarts a service rarely, so its restart path never reaches the JIT's
# thresholds and runs interpreted every time. runsvdir --hosted's training therefore runs a crash loop
# (./run exits at once: reap, status files, the one-second pause, spawn) with compile thresholds lowered
# (CompileThresholdScaling, this training run only: JAVA_TOOL_OPTIONS, and that JVM's children are shell
# scripts), so that the methods of that path are compiled in training and recorded as such in the cache;
# the launcher runs --hosted with -XX:+AOTCompileEagerly, which compiles them at their first call.
# runsv's training does not: without eager compilation the record changes nothing, and with it every runsv
# JVM (runit's layout: one per service) would pay ~250 ms of CPU at start (bench/README.md).
restart_opts=-XX:CompileThresholdScaling=${JRUNIT_AOT_TRAIN_SCALING:-0.05}
crash_loop() { # SECONDS DIR...: makes each DIR's service crash-loop for SECONDS, then run as before
    _secs=$1; shift
    for _d do
        mv "$_d/run" "$_d/run.keep"
        printf '#!/bin/sh\necho crash\nexit 0\n' >"$_d/run.crash"
        chmod 755 "$_d/run.crash"
        mv "$_d/run.crash" "$_d/run"
        _p=$(cat "$_d/supervise/pid" 2>/dev/null)
        [ -n "$_p" ] && [ "$(cat "/proc/$_p/comm" 2>/dev/null)" = sleep ] && kill -KILL "$_p"
    done
    sleep "$_secs"
    for _d do mv "$_d/run.keep" "$_d/run"; done
    for _d do until_ok 5 is_up "$_d"; done
}

# Clients.
mkdir -p "$work/env" "$work/log.d"
echo train >"$work/env/JRUNIT_TRAINING"
# exec replaces a JVM, so train up to a failed exec; every step on the way, as this very user (as root
# that is root again: setgroups, setgid, setuid and getpwnam are trained, each a native call to link)
train chpst -u "$(id -un)" -U "$(id -un)" -n 1 -l "$work/lock" -o 1000 -e "$work/env" "$work/no-such-program"
printf 'first line\nsecond line\n' >"$work/lines"
JRUNIT_AOT_TRAIN=$aot/svlogd.aot timeout 120 "$bin/svlogd" -tt "$work/log.d" <"$work/lines" >>"$work/log" 2>&1
echo "train: svlogd -> exit $?" >>"$work/log"
train runsvchdir                                       # usage only: never touch /etc/runit

# runsv, with sv status against it while it supervises a service.
service "$work/one/hello"
logged "$work/one/hello"
PATH=$bin:$PATH JRUNIT_AOT_TRAIN=$aot/runsv.aot "$bin/runsv" "$work/one/hello" </dev/null >>"$work/log" 2>&1 &
runsv=$!
until_ok 30 up_or_gone "$work/one/hello" "$runsv"
until_ok 30 sh -c '[ -s "$1" ]' - "$work/one/hello/log/main/current"
# one waiting restart covers what sv does most: read status, write control, wait, print
sleep 1.2
train sv -w 5 restart "$work/one/hello"
# down, then exit (runsv's control FIFO); a runsv that is not listening gets TERM after the deadline
[ -p "$work/one/hello/supervise/control" ] && timeout 10 sh -c 'printf dx >"$1"' - "$work/one/hello/supervise/control"
until_ok 30 gone "$runsv" || { kill -TERM "$runsv"; until_ok 30 gone "$runsv"; }
wait "$runsv" 2>/dev/null; runsv=

# runsvdir, starting the trained runsv by name from PATH; HUP makes it stop its runsv's and exit.
service "$work/tree/hello"
PATH=$bin:$PATH JRUNIT_AOT_TRAIN=$aot/runsvdir.aot "$bin/runsvdir" "$work/tree" </dev/null >>"$work/log" 2>&1 &
runsvdir=$!
until_ok 60 up_or_gone "$work/tree/hello" "$runsvdir"
kill -HUP "$runsvdir" 2>/dev/null
until_ok 30 gone "$runsvdir" || { kill -TERM "$runsvdir"; until_ok 30 gone "$runsvdir"; }
wait "$runsvdir" 2>/dev/null; runsvdir=
[ -p "$work/tree/hello/supervise/control" ] && timeout 10 sh -c 'printf dx >"$1"' - "$work/tree/hello/supervise/control"
until_ok 10 sh -c '! kill -0 "$(cat "$1")" 2>/dev/null' - "$work/tree/hello/supervise/pid"

# runsvdir --hosted (its own cache: other code than above): the boot of a small tree, one service with a
# log service and one marked down, as far as every service running; then HUP, which stops them all.
for s in a b c d e f; do service "$work/hosted/$s"; done
logged "$work/hosted/a"
logged "$work/hosted/b"
: >"$work/hosted/f/down"
PATH=$bin:$PATH JRUNIT_AOT_TRAIN=$aot/runsvdir-hosted.aot JAVA_TOOL_OPTIONS="$restart_opts" "$bin/runsvdir" --hosted "$work/hosted" </dev/null >>"$work/log" 2>&1 &
runsvdir=$!
for s in a b c d e; do until_ok 60 up_or_gone "$work/hosted/$s" "$runsvdir"; done
until_ok 10 up_or_gone "$work/hosted/a/log" "$runsvdir"
until_ok 30 sh -c '[ -s "$1" ] && [ -s "$2" ]' - "$work/hosted/a/log/main/current" "$work/hosted/b/log/main/current"
crash_loop 8 "$work/hosted/c" "$work/hosted/d" "$work/hosted/e"
kill -HUP "$runsvdir" 2>/dev/null
until_ok 30 gone "$runsvdir" || { kill -TERM "$runsvdir"; until_ok 30 gone "$runsvdir"; }
wait "$runsvdir" 2>/dev/null
echo "train: runsvdir --hosted -> exit $?" >>"$work/log"
runsvdir=

grep '^train:' "$work/log" | sed 's/^/[aot] /'
for t in runsv runsvdir runsvdir-hosted runsvchdir sv chpst svlogd; do
    if [ -s "$aot/$t.aot" ]; then echo "[aot] $t.aot: $(wc -c <"$aot/$t.aot") bytes"
    else echo "[aot] WARNING: no cache for $t (it will start without one); training log:"; sed 's/^/[aot]   /' "$work/log"; fi
done
exit 0
