#!/usr/bin/env python3
"""Waits until every FILE named on stdin is non-empty (one path a line), one stat every 2 ms, without
forking (bench/logged.sh's boot timer: a shell loop forks a `sleep` per round, which on 2 cores slows
the very boot it times). Exits 1 after TIMEOUT seconds (argv[1], default 120)."""
import os
import sys
import time

files = [l.rstrip("\n") for l in sys.stdin if l.strip()]
deadline = time.monotonic() + float(sys.argv[1] if len(sys.argv) > 1 else 120)

def logged(f):
    try:
        return os.stat(f).st_size > 0
    except FileNotFoundError:
        return False


# one stat a round: the files are waited for one after another, so the timer costs next to nothing
i = 0
while i < len(files):
    if logged(files[i]):
        i += 1
        continue
    if time.monotonic() > deadline:
        sys.exit("%d of %d still empty, e.g. %s" % (len(files) - i, len(files), files[i]))
    time.sleep(0.002)
