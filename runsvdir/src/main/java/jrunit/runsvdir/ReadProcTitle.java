package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.ProcessTitle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * runit's readproctitle log: the {@code log} argument, as {@code ps} shows it in runsvdir's command line,
 * is a window on the latest bytes written to runsvdir's stderr (and its children's). A pipe replaces
 * stderr; every byte read from it enters at the right end of the window, the rest moves one to the
 * left, the first five bytes (e.g. {@code "log: "}) never change. A dot goes in every 15 minutes so old
 * messages scroll away.
 *
 * <p>The command line is rewritten in place through {@code /proc/self/mem} ({@link ProcessTitle}): the
 * JVM's own argv area (flags, class path, then runsvdir's arguments) is always longer than runsvdir's
 * arguments alone.
 */
final class ReadProcTitle {
    static final long DOT_INTERVAL_NANOS = 900L * 1_000_000_000L;
    private static final int FIXED = 5;

    private final ProcessTitle title;
    private final int offset;
    private final byte[] window;
    private final int readFd;
    private final int writeFd;
    private long nextDot;

    private ReadProcTitle(ProcessTitle title, int offset, byte[] window, int readFd, int writeFd) {
        this.title = title;
        this.offset = offset;
        this.window = window;
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.nextDot = System.nanoTime();
    }

    /**
     * Sets the command line to {@code words} (the last being the log argument) and opens the pipe.
     * Throws if the pipe cannot be made; returns {@code null} if the argv area is too small to hold the
     * window (then {@code ps} keeps the JVM's own command line and messages go to the pipe regardless).
     */
    static ReadProcTitle open(List<String> words) throws IOException {
        int[] p = Posix.pipe(Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        ProcessTitle title = ProcessTitle.ofSelf();
        int offset = 0;
        for (int i = 0; i < words.size() - 1; i++) offset += words.get(i).getBytes(StandardCharsets.UTF_8).length + 1;
        byte[] window = words.getLast().getBytes(StandardCharsets.UTF_8);
        if (offset + window.length + 1 > title.capacity()) {
            Posix.close(p[0]);
            Posix.close(p[1]);
            return null;
        }
        title.setCommandLine(words.toArray(String[]::new));
        ReadProcTitle t = new ReadProcTitle(title, offset, window, p[0], p[1]);
        t.tick(t.nextDot); // the start-up dot, before any child can write
        return t;
    }

    /** The pipe's write end: runsvdir's and every runsv's stderr. */
    int writeFd() {
        return writeFd;
    }

    int readFd() {
        return readFd;
    }

    /**
     * Makes the pipe this process's fd 2, as runit does, so that everything inheriting stderr (runsv
     * processes, hosted supervisors' children) and the JVM's own System.err write into the log.
     */
    void becomeStderr(Messages messages) {
        try {
            // dup2 by hand: once 2 is closed, F_DUPFD takes the lowest free descriptor from 2 up
            try {
                Posix.close(2);
            } catch (ErrnoException e) {
                // runsvdir was started with fd 2 closed: free already
            }
            int fd = Posix.fcntl(writeFd, Posix.F_DUPFD, 2);
            messages.redirectTo(fd);
        } catch (ErrnoException e) {
            messages.redirectTo(writeFd);
            messages.warn("unable to set filedescriptor for log.");
        }
    }

    /** Hosted mode: a daemon thread moves the pipe into the title (no supervisor state is touched). */
    void drainInBackground() {
        Thread.ofPlatform().daemon().name("readproctitle").start(() -> {
            int[] fds = {readFd};
            short[] ev = {Posix.POLLIN};
            short[] rev = new short[1];
            while (true) {
                long wait = tick(System.nanoTime());
                try {
                    Posix.poll(fds, ev, rev, (int) Math.min(Integer.MAX_VALUE, wait / 1_000_000 + 1));
                } catch (ErrnoException e) {
                    return;
                }
                drain();
            }
        });
    }

    /** Writes the periodic dot when it is due; returns nanoseconds until the next one. */
    long tick(long now) {
        if (now - nextDot >= 0) {
            try {
                Posix.write(writeFd, new byte[] {'.'}, 0, 1);
            } catch (ErrnoException e) {
                // a full pipe will be drained at once; the dot is not worth waiting for
            }
            nextDot = now + DOT_INTERVAL_NANOS;
        }
        return nextDot - now;
    }

    /** Moves everything readable from the pipe into the window. */
    void drain() {
        byte[] buf = new byte[4096];
        boolean changed = false;
        while (true) {
            int n;
            try {
                n = Posix.read(readFd, buf, 0, buf.length);
            } catch (ErrnoException e) {
                break; // EAGAIN: empty
            }
            if (n <= 0) break;
            for (int i = 0; i < n; i++) {
                if (buf[i] != 0) {
                    append(buf[i]);
                    changed = true;
                }
            }
        }
        if (changed) {
            try {
                title.writeArea(window, offset, window.length);
            } catch (IOException e) {
                // ps shows a stale window; nothing else depends on it
            }
        }
    }

    private void append(byte b) {
        if (window.length <= FIXED) return;
        System.arraycopy(window, FIXED + 1, window, FIXED, window.length - FIXED - 1);
        window[window.length - 1] = b;
    }
}
