#!/usr/bin/env python3
"""Soak: kill the supervision host with KILL again and again under load, start it again, count instances and lines.

    ./mvn25 -B -q -pl packaging -am package -DskipTests   # builds packaging/target/jrunit/bin
    sudo bench/adoption.py [CYCLES] [SERVICES]            # default 20 cycles, 6 services

Modes, one after the other on trees of their own:
  hosted  jrunit's `runsvdir --hosted` (the host is the one JVM);
  jrunit  jrunit's runsvdir with jrunit's runsv per service (the host is runsvdir and every runsv);
  runit   Debian's runsvdir and runsv (the same).
Each service's ./run (the sh itself, comm "run") writes "PID N" every 20 ms; half of them are logged by
Debian's svlogd (a process: it outlives its supervisor), or with LOGGER=inprocess by `exec svlogd main`
(jrunit runs it inside the host, which dies with it). A cycle: wait until every service is supervised,
let it run 0.5 s, KILL the host (runsvdir, then every runsv), start a new runsvdir, and measure the time
from that start until every service is supervised again (supervise/ok has a reader and supervise/status
says run with a live pid). Then count instances of each service (processes whose cwd is its directory
and whose comm is "run"): more than one is a second instance; extras are killed (by pid) and counted, so
the load stays the same. At the end every writer is told to stop and every logged stream is checked:
each instance's numbers 1..n, none missing, none twice (a killed extra instance's stream ends early,
which is not a loss). Also reports the hosted JVM's RSS after each start.
"""
import os, signal, subprocess, sys, tempfile, time, shutil, statistics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("JRUNIT_BIN", os.path.join(ROOT, "packaging/target/jrunit/bin"))
CYCLES = int(sys.argv[1]) if len(sys.argv) > 1 else 20
SERVICES = int(sys.argv[2]) if len(sys.argv) > 2 else 6
# LOGGER=inprocess: log/run is `exec svlogd main`, which jrunit runs inside the host (its pipes kept open
# between hosts by the host's jrunit-pipes holder); runit runs Debian's svlogd for it
IN_PROCESS = os.environ.get("LOGGER", "process") == "inprocess"


def write(path, text, mode=0o755):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def make_tree(work):
    svc = os.path.join(work, "service")
    os.makedirs(svc)
    dirs = []
    for i in range(SERVICES):
        d = os.path.join(svc, "s%d" % i)
        os.makedirs(d)
        write(os.path.join(d, "run"), "#!/bin/sh\nexec 2>&1\ni=0\n"
              "while [ ! -e stop ]; do i=$((i+1)); echo \"$$ $i\"; sleep 0.02; done\n"
              "echo \"$$ END\"; exec sleep 100000\n")
        if i % 2 == 0:
            os.makedirs(os.path.join(d, "log"))
            # a logger killed with its host leaves current as an unfinished @….u file at its next start, one
            # per cycle: keep them all (svlogd's default keeps 10 old files)
            os.makedirs(os.path.join(d, "log/main"))
            write(os.path.join(d, "log/main/config"), "n1000\n", 0o644)
            svlogd = "svlogd" if IN_PROCESS else "/usr/bin/svlogd"
            write(os.path.join(d, "log/run"), "#!/bin/sh\nmkdir -p main\nexec %s main\n" % svlogd)
        dirs.append(d)
    os.utime(svc, (time.time() - 10, time.time() - 10))
    return dirs


def start_host(mode, work):
    env = dict(os.environ)
    if mode == "runit":
        env["PATH"] = "/usr/bin:/bin"
        cmd = ["/usr/bin/runsvdir", "-P", "service"]
    elif mode == "jrunit":
        env["PATH"] = BIN + ":/usr/bin:/bin"
        cmd = [os.path.join(BIN, "runsvdir"), "-P", "service"]
    else:
        env["PATH"] = (BIN + ":" if IN_PROCESS else "") + "/usr/bin:/bin"
        cmd = [os.path.join(BIN, "runsvdir"), "--hosted", "-P", "service"]
    return subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                            stdout=open(os.path.join(work, "host.out"), "ab"), stderr=subprocess.STDOUT)


def children(pid):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
            if int(st[st.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(p))
        except (OSError, ValueError):
            pass
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return st[st.rindex(")") + 2] not in "ZX"
    except OSError:
        return False


def cwd_under(work):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            c = os.readlink("/proc/%s/cwd" % p)
            if c == work or c.startswith(work + "/"):
                out.append((int(p), c))
        except OSError:
            pass
    return out


def supervised(d):
    """supervise/ok has a reader and supervise/status says run with a live pid."""
    for sd in [d] + ([os.path.join(d, "log")] if os.path.isdir(os.path.join(d, "log")) else []):
        try:
            fd = os.open(os.path.join(sd, "supervise/ok"), os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
            with open(os.path.join(sd, "supervise/status"), "rb") as f:
                b = f.read()
        except OSError:
            return False
        if len(b) != 20 or b[19] != 1:
            return False
        pid = int.from_bytes(b[12:16], "little")
        if pid <= 0 or not alive(pid):
            return False
    return True


def record_pid(d):
    with open(os.path.join(d, "supervise/status"), "rb") as f:
        return int.from_bytes(f.read()[12:16], "little")


def ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return int(st[st.rindex(")") + 2:].split()[1])
    except (OSError, ValueError):
        return 0


def instances(d):
    """The sh running ./run in d; not its children between fork and exec (they are "run" too for a moment)."""
    found = [p for p, c in cwd_under(d) if c == d and comm(p) == "run" and alive(p)]
    return [p for p in found if ppid(p) not in found]


def wait(cond, seconds=60):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.005)
    return False


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def kill_host(host):
    runsvs = [c for c in children(host.pid) if comm(c) == "runsv"]
    os.kill(host.pid, signal.SIGKILL)
    host.wait()
    for c in runsvs:
        try:
            os.kill(c, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # the runsv processes are gone once their pids are (init or a subreaper reaps them)
    wait(lambda: not any(alive(c) for c in runsvs), 10)


def check_stream(d):
    lines = []
    main = os.path.join(d, "log/main")
    for name in sorted(os.listdir(main)):
        if name.startswith("@"):
            lines += open(os.path.join(main, name), errors="replace").read().splitlines()
    lines += open(os.path.join(main, "current"), errors="replace").read().splitlines()
    nxt, missing, dup, total = {}, 0, 0, 0
    for line in lines:
        w = line.split(" ")
        if len(w) != 2 or w[1] == "END":
            continue
        n, e = int(w[1]), nxt.get(w[0], 1)
        total += 1
        if n > e:
            missing += n - e
        elif n < e:
            dup += 1
        nxt[w[0]] = max(e, n + 1)
    return total, missing, dup


def run(mode):
    work = tempfile.mkdtemp(prefix="bench-adoption-%s." % mode)
    dirs = make_tree(work)
    host = start_host(mode, work)
    times, rss, extra, cycles_with_extra = [], [], 0, 0
    try:
        if not wait(lambda: all(supervised(d) for d in dirs)):
            raise SystemExit("%s: services never came up" % mode)
        for cycle in range(CYCLES):
            time.sleep(0.5)
            kill_host(host)
            t0 = time.monotonic()
            host = start_host(mode, work)
            ok = wait(lambda: all(supervised(d) for d in dirs))
            times.append((time.monotonic() - t0) * 1000 if ok else float("inf"))
            if mode == "hosted":
                rss.append(rss_kb(host.pid))
            # instances: a second one shows up at once with runit (the new runsv starts ./run)
            wait(lambda: False, 0.3)
            seen = 0
            for d in dirs:
                keep = record_pid(d)
                for p in instances(d):
                    if p != keep:
                        seen += 1
                        os.kill(p, signal.SIGKILL)
            extra += seen
            cycles_with_extra += 1 if seen else 0
        for d in dirs:
            write(os.path.join(d, "stop"), "", 0o644)
        logged = [d for d in dirs if os.path.isdir(os.path.join(d, "log"))]
        wait(lambda: all(("%d END" % record_pid(d)) in open(os.path.join(d, "log/main/current"), errors="replace").read()
                         for d in logged), 60)
        total = missing = dup = 0
        for d in logged:
            t, m, u = check_stream(d)
            total, missing, dup = total + t, missing + m, dup + u
    finally:
        try:
            os.kill(host.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        host.wait()
        for _ in range(5):
            left = cwd_under(work) + [(c, "") for c in children(os.getpid()) if comm(c) == "runsv"]
            if not left:
                break
            for p, _c in left:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        shutil.rmtree(work, ignore_errors=True)
    ok_times = [t for t in times if t != float("inf")]
    print("%-7s cycles %d  services %d  second instances %d (in %d cycles)  re-supervised: median %.0f ms, max %.0f ms%s"
          % (mode, CYCLES, SERVICES, extra, cycles_with_extra, statistics.median(ok_times), max(ok_times),
             "" if len(ok_times) == len(times) else ", %d never" % (len(times) - len(ok_times))))
    print("        logged lines %d: missing %d, duplicated %d%s" % (total, missing, dup,
          "  (extras killed each cycle: their streams end early)" if extra else ""))
    if rss:
        print("        hosted JVM RSS after each start: min %d kB, max %d kB" % (min(rss), max(rss)))


if __name__ == "__main__":
    for mode in os.environ.get("MODES", "hosted jrunit runit").split():
        run(mode)
