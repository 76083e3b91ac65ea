package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.WakePipe;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * TERM, HUP, INT and ALRM as events of the poll loop: the handler only records the signal and writes a
 * byte to a self-pipe, whose read end the loop polls. (A JVM must not take SIGCHLD: children are
 * noticed through pidfds and reaped with waitpid.)
 */
final class SignalPipe {
    static final int TERM = 1, HUP = 2, INT = 4, ALRM = 8;

    private final WakePipe pipe;
    private final AtomicInteger pending = new AtomicInteger();

    SignalPipe() throws ErrnoException {
        pipe = new WakePipe();
    }

    void handle(String name, int bit) {
        Signal.handle(new Signal(name), s -> {
            pending.getAndUpdate(v -> v | bit);
            pipe.wake();
        });
    }

    int readFd() {
        return pipe.readFd();
    }

    /** The signals caught since the last call, as bits; empties the pipe. */
    int take() {
        pipe.drain();
        return pending.getAndSet(0);
    }
}
