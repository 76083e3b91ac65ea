package jrunit.common;

/**
 * A self-pipe: another thread, or a signal handler (which the JVM runs on a thread of its own), wakes a
 * poll loop by writing a byte; the loop polls {@link #readFd()} and {@link #drain() drains} it. Both
 * ends are non-blocking and close-on-exec, so a wake-up never blocks and no child inherits them.
 */
public final class WakePipe {
    private final int readFd;
    private final int writeFd;

    public WakePipe() throws ErrnoException {
        int[] p = Posix.pipe(Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        readFd = p[0];
        writeFd = p[1];
    }

    /** The end to poll for {@link Posix#POLLIN}. */
    public int readFd() {
        return readFd;
    }

    /** Any thread. */
    public void wake() {
        try {
            Posix.write(writeFd, new byte[] {1}, 0, 1);
        } catch (ErrnoException e) {
            // EAGAIN: the pipe is full, so the loop wakes anyway
        }
    }

    /** Loop thread: empties the pipe, so the next poll waits for the next wake-up. */
    public void drain() {
        byte[] buf = new byte[64];
        try {
            while (Posix.read(readFd, buf, 0, buf.length) > 0) {
                // empty it
            }
        } catch (ErrnoException e) {
            // EAGAIN: empty
        }
    }
}
