package jrunit.svlogd;

import jrunit.common.ErrnoException;
import jrunit.common.WakePipe;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TERM, HUP and ALRM as flags: the handlers (run by the JVM on its own thread) only record the
 * signal and write a byte to a self-pipe, which the event loop polls; the loop acts on the flags
 * between reads, where runit's svlogd lets its signals in.
 */
final class Signals {
    private final AtomicBoolean term = new AtomicBoolean();
    private final AtomicBoolean hup = new AtomicBoolean();
    private final AtomicBoolean alarm = new AtomicBoolean();
    private final WakePipe pipe;

    private Signals(WakePipe pipe) {
        this.pipe = pipe;
    }

    static Signals install(Diagnostics diag) throws ErrnoException {
        Signals s = new Signals(new WakePipe());
        Signal.handle(new Signal("TERM"), sig -> s.raise(s.term));
        Signal.handle(new Signal("HUP"), sig -> s.raise(s.hup));
        Signal.handle(new Signal("ALRM"), sig -> s.raise(s.alarm));
        return s;
    }

    private void raise(AtomicBoolean flag) {
        flag.set(true);
        pipe.wake();
    }

    /** TERM stays set once received. */
    boolean terminated() {
        return term.get();
    }

    /** Takes a pending HUP. */
    boolean hangup() {
        return hup.getAndSet(false);
    }

    /** Takes a pending ALRM. */
    boolean alarm() {
        return alarm.getAndSet(false);
    }

    int wakeFd() {
        return pipe.readFd();
    }

    void drain() {
        pipe.drain();
    }
}
