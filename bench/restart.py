#!/usr/bin/env python3
"""Restart latency and crash-loop CPU of a supervisor, by issue #15's method, for Debian's runsv, jrunit's
runsv (runit's layout: one JVM per service) and `runsvdir --hosted` (one JVM), in one run.

    restart.py JRUNIT_BIN [SAMPLES] [CPU_ROUNDS]

Restart latency: 6 services per supervisor mode, used in rotation; each ./run is
    echo "NAME $$" >FIFO; exec sleep 3600
and this process (the timer) holds FIFO open (O_RDWR, so writers never block and it never sees EOF).
A sample: wait until the service's current instance has run > 1.2 s (no 1 s crash pause), take the time,
SIGKILL its pid, and wait (select) on FIFO for the new instance's announcement. The modes alternate sample by
sample, so load from elsewhere hits them alike. Floor: the timer posix_spawn()s the same ./run itself and waits
for its announcement the same way (a spawn, /bin/sh's start, an echo into a FIFO, a wake-up).

Crash-loop CPU: one service per mode whose ./run announces itself and exits 0 (runsv restarts it after its
one-second pause); every round starts fresh supervisors, waits 2 s, then measures the supervisor's own CPU
(/proc/PID/task/*/schedstat, first field, thread by thread: one that ends in the window counts for nothing) over 10 s and counts announcements in that window. An idle
JVM of each kind (runsv and --hosted, each supervising one service that only sleeps) is measured over the same
window, so jrunit's figures are given raw and minus that idle baseline. Rounds alternate nothing: every mode
runs at the same time, at one restart a second each (a few ms of CPU a second: they hardly compete).

Prints medians; every figure is printed with /proc/loadavg at its start and end.
"""
import ctypes
import os
import select
import struct
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
SAMPLES = int(sys.argv[2]) if len(sys.argv) > 2 else 30
CPU_ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
NSVC = 6
MODES = ["runit", "jrunit", "hosted"]
# A/B of JVM options in the same run: VARIANTS="label=OPTIONS|label2=OPTIONS2" adds modes jrunit/label and
# hosted/label, whose JVMs get OPTIONS through JAVA_TOOL_OPTIONS; OPTIONS "bin:DIR" runs the launchers in DIR
# instead, and "bin:DIR;OPTIONS" both (DIR: another build's install tree, e.g. a copy of the tree before a change, AOT caches retrained there
# with packaging/src/aot/train.sh DIR/.. since a cache only matches the jar paths it was made with).
VARIANTS = {}
for v in filter(None, os.environ.get("VARIANTS", "").split("|")):
    label, opts = v.split("=", 1)
    VARIANTS[label] = opts
    MODES += ["jrunit/" + label, "hosted/" + label]
work = tempfile.mkdtemp(prefix="bench-restart.")
os.chmod(work, 0o755)
procs = []      # supervisors we started (Popen)
children = set()  # service pids we saw announced (to clean up)


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def write(path, text, mode=0o755):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class Fifo:
    def __init__(self, path):
        os.mkfifo(path)
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.buf = b""

    def lines(self, timeout):
        """Waits up to timeout for at least one complete line; returns [(name, pid, t_ns)]."""
        r, _, _ = select.select([self.fd], [], [], timeout)
        t = time.monotonic_ns()
        if not r:
            return []
        try:
            self.buf += os.read(self.fd, 65536)
        except BlockingIOError:
            return []
        out = []
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            name, pid = line.decode().split()
            children.add(int(pid))
            out.append((name, int(pid), t))
        return out


libc = ctypes.CDLL(None, use_errno=True)


class StatusWatch:
    """inotify IN_MOVED_TO on services' supervise/ directories: when a new supervise/status was renamed into place
    (the old bench/RestartLatency.java's end point: status showing the new pid)."""
    def __init__(self):
        self.fd = libc.inotify_init1(os.O_NONBLOCK)
        self.names = {}

    def add(self, d, name):
        wd = libc.inotify_add_watch(self.fd, d.encode(), 0x80)  # IN_MOVED_TO
        if wd < 0:
            sys.exit("inotify_add_watch %s: errno %d" % (d, ctypes.get_errno()))
        self.names[wd] = name

    def events(self, t):
        """[(service name, t)] for every status renamed into place, read now (select said readable)."""
        out = []
        try:
            buf = os.read(self.fd, 65536)
        except BlockingIOError:
            return out
        i = 0
        while i < len(buf):
            wd, mask, cookie, ln = struct.unpack_from("iIII", buf, i)
            name = buf[i + 16:i + 16 + ln].rstrip(b"\0")
            i += 16 + ln
            if name == b"status":
                out.append((self.names.get(wd), t))
        return out


def service(d, name, fifo, crash=False):
    os.makedirs(d)
    tail = "exit 0" if crash else "exec sleep 3600"
    write(os.path.join(d, "run"), '#!/bin/sh\necho "%s $$" >%s\n%s\n' % (name, fifo, tail))


def kind(mode):
    return mode.split("/")[0]


def safe(mode):
    return mode.replace("/", "_")


def start(mode, target, cwd):
    bin, extra = BIN, {}
    if "/" in mode:
        opts = VARIANTS[mode.split("/", 1)[1]]
        if opts.startswith("bin:"):
            bin, _, opts = opts[4:].partition(";")
        if opts:
            extra["JAVA_TOOL_OPTIONS"] = opts
    env = dict(os.environ, PATH=bin + ":/usr/bin:/bin", **extra)
    mode = kind(mode)
    if mode == "runit":
        cmd = ["/usr/bin/runsv", target]
    elif mode == "jrunit":
        cmd = [os.path.join(bin, "runsv"), target]
    else:
        cmd = [os.path.join(bin, "runsvdir"), "--hosted", target]
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(work, "stderr"), "ab"))
    procs.append(p)
    return p


def stop(p, hosted):
    try:
        p.send_signal(signal.SIGHUP if hosted else signal.SIGTERM)
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    if p in procs:
        procs.remove(p)


def kill_children():
    for pid in list(children):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if not f.read().startswith(b"sleep"):
                    continue
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    children.clear()


def cpu_tids(pid):
    """{tid: (comm, CPU ns)} of every thread of pid now (first field of /proc/PID/task/TID/schedstat)."""
    out = {}
    d = "/proc/%d/task" % pid
    for t in os.listdir(d):
        try:
            with open(os.path.join(d, t, "schedstat")) as f:
                ns = int(f.read().split()[0])
            with open(os.path.join(d, t, "comm")) as f:
                comm = f.read().strip()
        except OSError:
            continue
        out[t] = (comm, ns)
    return out


def cpu_ns(pid):
    return sum(ns for _, ns in cpu_tids(pid).values())


def thread_kind(comm):
    """'C1' (the JIT), 'GC', 'work' (the event loop's thread, the launcher's primordial thread, in-process
    loggers), 'other' (VM, service, monitor deflation, signal threads...)."""
    if comm.startswith("C1 ") or comm.startswith("C2 "):
        return "C1"
    if comm.startswith("GC") or comm.startswith("VM Thread"):
        return "GC"
    if comm in ("java", "runsv", "runsvdir") or comm.startswith("svlogd") or comm.startswith("runsv"):
        return "work"
    return "other"


def cpu_delta(before, after):
    """CPU ns per thread kind between two cpu_tids() of one process, thread by thread: a thread that ended in
    between counts for nothing (summing whatever threads exist at each end made an idle --hosted JVM's CPU
    negative: its "Training replay" thread ends a few seconds after start-up)."""
    out = {"C1": 0, "GC": 0, "work": 0, "other": 0}
    for tid, (comm, ns) in after.items():
        out[thread_kind(comm)] += ns - before.get(tid, (comm, 0))[1]
    return out


def med(xs):
    return statistics.median(xs) if xs else float("nan")


# ------------------------------------------------------------------ restart latency
def latency():
    fifo = Fifo(os.path.join(work, "lat.fifo"))
    sups = {}
    for mode in MODES:
        base = os.path.join(work, "lat-" + safe(mode))
        names = ["%s%d" % (safe(mode), i) for i in range(NSVC)]
        for n in names:
            service(os.path.join(base, n), n, fifo.path)
        if kind(mode) == "hosted":
            sups[mode] = [start(mode, base, base)]
        else:
            sups[mode] = [start(mode, os.path.join(base, n), base) for n in names]
    floor_dir = os.path.join(work, "lat-floor")
    service(floor_dir, "floor", fifo.path)
    current = {}  # name -> (pid, announced at)
    need = {"%s%d" % (safe(m), i) for m in MODES for i in range(NSVC)}
    deadline = time.time() + 120
    while need - current.keys() and time.time() < deadline:
        for name, pid, t in fifo.lines(1):
            current[name] = (pid, t)
    if need - current.keys():
        sys.exit("restart.py: never announced: %s (see %s/stderr)" % (sorted(need - current.keys()), work))
    watch = StatusWatch()
    for mode in MODES:
        base = os.path.join(work, "lat-" + safe(mode))
        for i in range(NSVC):
            watch.add(os.path.join(base, "%s%d" % (safe(mode), i), "supervise"), "%s%d" % (safe(mode), i))
    time.sleep(1.3)
    res = {m: [] for m in MODES + ["floor"]}
    res_status = {m: [] for m in MODES}
    l0 = load()
    for i in range(SAMPLES):
        for mode in MODES + ["floor"]:
            name = "%s%d" % (safe(mode), i % NSVC)
            if mode == "floor":
                t0 = time.monotonic_ns()
                pid = os.posix_spawn(os.path.join(floor_dir, "run"), ["./run"], os.environ)
                got = None
                while got is None:
                    for n, p, t in fifo.lines(5):
                        if n == "floor":
                            got = t
                if got is None:
                    sys.exit("floor: no announcement")
                res[mode].append((got - t0) / 1e6)
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                children.discard(pid)
                continue
            pid, since = current[name]
            wait = since + 1_250_000_000 - time.monotonic_ns()
            if wait > 0:
                time.sleep(wait / 1e9)
            try:  # status renames left over from the previous sample
                os.read(watch.fd, 65536)
            except BlockingIOError:
                pass
            t0 = time.monotonic_ns()
            os.kill(pid, signal.SIGKILL)
            got = None
            renames = []
            end = time.time() + 10
            while got is None and time.time() < end:
                r, _, _ = select.select([fifo.fd, watch.fd], [], [], 5)
                t = time.monotonic_ns()
                if watch.fd in r:
                    renames += [tt for n, tt in watch.events(t) if n == name]
                if fifo.fd in r:
                    for n, p, tt in fifo.lines(0):
                        current[n] = (p, tt)
                        if n == name:
                            got = tt
            if got is None:
                sys.exit("%s: no new instance within 10 s" % name)
            try:  # a rename that came with the announcement
                renames += [tt for n, tt in watch.events(got) if n == name]
            except OSError:
                pass
            # runit and jrunit both write status twice on a restart: down (after the reap), run (after the spawn)
            if len(renames) >= 2:
                res_status[mode].append((renames[1] - t0) / 1e6)
            res[mode].append((got - t0) / 1e6)
    l1 = load()
    for m, ps in sups.items():
        for p in ps:
            stop(p, kind(m) == "hosted")
    kill_children()
    os.close(watch.fd)
    return res, res_status, l0, l1


# ------------------------------------------------------------------ crash-loop CPU
def crash_round(r):
    fifo = Fifo(os.path.join(work, "crash%d.fifo" % r))
    sups = {}
    for mode in MODES:
        base = os.path.join(work, "crash%d-%s" % (r, safe(mode)))
        service(os.path.join(base, "c"), safe(mode), fifo.path, crash=True)
        sups[mode] = start(mode, base if kind(mode) == "hosted" else os.path.join(base, "c"), base)
    for mode in ("jrunit", "hosted"):  # idle baselines
        base = os.path.join(work, "crash%d-idle-%s" % (r, mode))
        service(os.path.join(base, "i"), "idle-" + mode, fifo.path)
        sups["idle-" + mode] = start(mode, base if mode == "hosted" else os.path.join(base, "i"), base)
    # warm-up: 2 s, and at least until every supervisor has restarted its service twice (under load a JVM's
    # start-up can take longer than 2 s, and its CPU must not count as the crash loop's)
    seen = {safe(m): 0 for m in MODES}
    seen.update({"idle-jrunit": 0, "idle-hosted": 0})
    end = time.monotonic() + 2
    limit = time.monotonic() + 60
    while (time.monotonic() < end or min(v for k, v in seen.items() if not k.startswith("idle")) < 3
           or min(seen["idle-jrunit"], seen["idle-hosted"]) < 1) and time.monotonic() < limit:
        for n, p, t in fifo.lines(0.2):
            if n in seen:
                seen[n] += 1
    th0 = {m: cpu_tids(p.pid) for m, p in sups.items()}
    t0 = time.monotonic_ns()
    count = {safe(m): 0 for m in MODES}
    end = time.monotonic() + 10
    while time.monotonic() < end:
        for n, p, t in fifo.lines(max(0, end - time.monotonic())):
            if n in count:
                count[n] += 1
    th1 = {m: cpu_tids(p.pid) for m, p in sups.items()}
    ns = {m: cpu_delta(th0[m], th1[m]) for m in sups}
    threads = {m: {k: v / 1e6 for k, v in ns[m].items()} for m in sups}
    secs = (time.monotonic_ns() - t0) / 1e9
    for m, p in sups.items():
        stop(p, kind(m) == "hosted" or m == "idle-hosted")
    kill_children()
    os.close(fifo.fd)
    ms_per_s = {m: sum(ns[m].values()) / 1e6 / secs for m in sups}
    return ms_per_s, {m: count[safe(m)] / secs for m in MODES}, threads


LABEL = {"runit": "runit runsv", "jrunit": "jrunit runsv", "hosted": "jrunit --hosted"}


def main():
    print("restart benchmark: %d cores, %d latency samples per mode, %d crash-loop rounds" % (os.cpu_count(), SAMPLES, CPU_ROUNDS))
    try:
        if SAMPLES > 0:
            lat_report()
        if CPU_ROUNDS > 0:
            cpu_report()
        if int(os.environ.get("STARTUP_ROUNDS", "0")) > 0:
            startup_report(int(os.environ["STARTUP_ROUNDS"]))
    finally:
        for p in list(procs):
            try:
                p.kill()
                p.wait()
            except OSError:
                pass
        kill_children()
        subprocess.run(["rm", "-rf", work])


def lat_report():
        res, res_status, l0, l1 = latency()
        print("\nrestart latency (SIGKILL -> new instance's announcement on the FIFO), load %s -> %s" % (l0, l1))
        r = med(res["runit"])
        for m, label in [("floor", "floor (timer spawns ./run)")] + [(m, LABEL.get(m, m)) for m in MODES]:
            xs = sorted(res[m])
            print("  %-28s median %6.2f ms  min %6.2f  p90 %6.2f   %5.2fx runit" % (
                label, med(xs), xs[0], xs[int(0.9 * (len(xs) - 1))], med(xs) / r))
        rs = med(res_status["runit"])
        print("  the old end point, same samples: SIGKILL -> the 'run' supervise/status renamed into place (inotify):")
        for m in MODES:
            print("  %-28s median %6.2f ms (%d samples)  %5.2fx runit" % (LABEL.get(m, m), med(res_status[m]), len(res_status[m]),
                                                                      med(res_status[m]) / rs))


def startup_report(rounds):
    """Start-up of each supervisor kind: launch -> first announcement of its one service, and the JVM's CPU
    3 s after launch (what eager compilation of the cache's trained methods costs). Modes alternate."""
    fifo = Fifo(os.path.join(work, "start.fifo"))
    res = {m: ([], []) for m in MODES}
    l0 = load()
    for r in range(rounds):
        for mode in MODES:
            base = os.path.join(work, "start%d-%s" % (r, safe(mode)))
            service(os.path.join(base, "s"), "start-" + safe(mode), fifo.path)
            t0 = time.monotonic_ns()
            p = start(mode, base if kind(mode) == "hosted" else os.path.join(base, "s"), base)
            got = None
            while got is None:
                ls = fifo.lines(30)
                if not ls:
                    sys.exit("start-up: no announcement from " + mode)
                got = ls[0][2]
            res[mode][0].append((got - t0) / 1e6)
            time.sleep(max(0, 3 - (time.monotonic_ns() - t0) / 1e9))
            res[mode][1].append(cpu_ns(p.pid) / 1e6)
            stop(p, kind(mode) == "hosted")
            kill_children()
    print("\nstart-up (launch -> the service's announcement; supervisor CPU 3 s after launch), %d rounds, load %s -> %s:" % (rounds, l0, load()))
    for m in MODES:
        print("  %-16s median %7.1f ms to the service, %7.1f ms CPU" % (LABEL.get(m, m), med(res[m][0]), med(res[m][1])))


def cpu_report():
        rows = []
        for i in range(CPU_ROUNDS):
            l0 = load()
            rows.append(crash_round(i) + (l0, load()))
        print("\ncrash-loop CPU (own CPU of the supervisor, 10 s after 2 s warm-up; idle = same JVM kind supervising a sleeper):")
        for ms, rate, th, a, b in rows:
            print("  round: load %s -> %s; " % (a, b) + ", ".join("%s %.2f ms/s" % (m, v) for m, v in ms.items())
                  + "; restarts/s " + ", ".join("%s %.2f" % (m, v) for m, v in rate.items()))
        per = {}
        for m in MODES:
            idle = "idle-" + kind(m) if m != "runit" else None
            raw = [ms[m] / rate[m] for ms, rate, _, _, _ in rows if rate[m] > 0]
            net = [(ms[m] - ms[idle]) / rate[m] for ms, rate, _, _, _ in rows if rate[m] > 0] if idle else raw
            per[m] = (med([ms[m] for ms, _, _, _, _ in rows]), med(raw), med(net))
        rr = per["runit"][1]
        for m, label in [(m, LABEL.get(m, m)) for m in MODES]:
            cps, raw, net = per[m]
            print("  %-16s median %6.2f ms CPU/s; per restart %6.2f ms raw (%5.2fx runit), %6.2f ms minus idle (%5.2fx runit)" % (
                label, cps, raw, raw / rr, net, net / rr))
        print("  by thread, median ms per restart (work = event loop + launcher thread; GC = GC and VM thread; idle JVM's over the same window):")
        for m in MODES + ["idle-jrunit", "idle-hosted"]:
            if m == "runit":
                continue
            parts = {}
            for k in ("work", "C1", "GC", "other"):
                if m.startswith("idle"):  # ms per second of the window
                    parts[k] = med([th[m][k] / 10 for ms, rate, th, _, _ in rows])
                else:  # ms per restart (the window is 10 s)
                    parts[k] = med([th[m][k] / (10 * rate[m]) for ms, rate, th, _, _ in rows if rate[m] > 0])
            print("    %-16s %s%s" % (m, ", ".join("%s %.2f" % kv for kv in parts.items()), " (ms/s)" if m.startswith("idle") else ""))
        print("  idle JVMs, median ms CPU/s: runsv %.2f, --hosted %.2f" % (
            med([ms["idle-jrunit"] for ms, _, _, _, _ in rows]), med([ms["idle-hosted"] for ms, _, _, _, _ in rows])))


main()
