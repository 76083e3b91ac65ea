package jrunit.svlogd;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;

/**
 * The engine's self-pipe: any thread {@link #wake wakes} the engine's poll by writing a byte. Like
 * common's {@code WakePipe}, but closable: an engine lives shorter than a host's JVM (a host restarts
 * a logger whose directory is unusable every second), so its descriptors must go with it. {@link #wake}
 * and {@link #close} exclude each other, so a late wake never writes into a descriptor number that
 * something else has been given since.
 */
final class Wakeup implements AutoCloseable {
    private final int readFd;
    private final int writeFd;
    private final byte[] drained = new byte[64];
    private final byte[] one = {1};
    private boolean closed;

    Wakeup() throws ErrnoException {
        int[] p = Posix.pipe(Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        readFd = p[0];
        writeFd = p[1];
    }

    /** The end to poll for {@link Posix#POLLIN}. */
    int readFd() {
        return readFd;
    }

    /** Any thread; never blocks (a full pipe wakes the loop anyway). */
    synchronized void wake() {
        if (closed) return;
        try {
            Posix.write(writeFd, one, 0, 1);
        } catch (ErrnoException e) {
            // EAGAIN: the pipe is full, so the loop wakes anyway
        }
    }

    /** Loop thread: empties the pipe, so the next poll waits for the next wake-up. */
    void drain() {
        try {
            while (Posix.read(readFd, drained, 0, drained.length) > 0) {
                // empty it
            }
        } catch (ErrnoException e) {
            // EAGAIN: empty
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (int fd : new int[] {readFd, writeFd}) {
            try {
                Posix.close(fd);
            } catch (ErrnoException e) {
                // closed either way
            }
        }
    }
}
