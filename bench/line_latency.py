#!/usr/bin/env python3
"""Line latency of a log service, as a service sees it: the time from write(2) of one line into the
service's stdout (the log pipe) until inotify reports a write to the logger's `current`.

Run as the service itself (its stdout is the log pipe):
    line_latency.py CURRENT SAMPLES WARMUP GAP_MS OUT
Lines are GAP_MS apart (the logger is idle between them, as in real use: a busy-spinning reader or lines
back to back would measure something else). Writes the per-line latencies in ms to OUT, one a line,
then sleeps until killed, like a daemon that has nothing more to say.
Floor: the same with `exec cat > main/current` as log/run (a pipe write, a reader's wake-up, a write).
"""
import ctypes
import os
import select
import struct
import sys
import time

IN_MODIFY = 0x2

current, samples, warmup, gap_ms, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
libc = ctypes.CDLL(None, use_errno=True)
while not os.path.exists(current):
    time.sleep(0.01)
fd = libc.inotify_init1(os.O_NONBLOCK)
if fd < 0 or libc.inotify_add_watch(fd, current.encode(), IN_MODIFY) < 0:
    sys.exit("inotify: errno %d" % ctypes.get_errno())
poller = select.poll()
poller.register(fd, select.POLLIN)


def drain():
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


line = b"x" * 99 + b"\n"
result = []
for i in range(samples + warmup):
    drain()
    t0 = time.monotonic_ns()
    os.write(1, line)
    if not poller.poll(5000):
        sys.exit("no write to %s within 5 s" % current)
    t1 = time.monotonic_ns()
    if i >= warmup:
        result.append((t1 - t0) / 1e6)
    time.sleep(gap_ms / 1000)
with open(out + ".tmp", "w") as f:
    f.write("".join("%.4f\n" % r for r in result))
os.rename(out + ".tmp", out)
while True:
    time.sleep(3600)
