package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * TERM, HUP, INT and ALRM as events of the poll loop: the handler only records the signal and writes a
 * byte to a self-pipe, whose read end the loop polls. (A JVM must not take SIGCHLD: children are
 * noticed through pidfds and reaped with waitpid.)
 */
final class SignalPipe {
    static final int TERM = 1, HUP = 2, INT = 4, ALRM = 8;

    private final int readFd;
    private final int writeFd;
    private final AtomicInteger pending = new AtomicInteger();

    SignalPipe() throws ErrnoException {
        int[] p = Posix.pipe(Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        readFd = p[0];
        writeFd = p[1];
    }

    void handle(String name, int bit) {
        Signal.handle(new Signal(name), s -> {
            pending.getAndUpdate(v -> v | bit);
            try {
                Posix.write(writeFd, new byte[] {1}, 0, 1);
            } catch (ErrnoException e) {
                // pipe full: the loop is awake already
            }
        });
    }

    int readFd() {
        return readFd;
    }

    /** The signals caught since the last call, as bits; empties the pipe. */
    int take() {
        byte[] buf = new byte[64];
        try {
            while (Posix.read(readFd, buf, 0, buf.length) > 0) {
                // empty it
            }
        } catch (ErrnoException e) {
            // EAGAIN: empty
        }
        return pending.getAndSet(0);
    }
}
