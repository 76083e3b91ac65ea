package jrunit.svlogd;

import sun.misc.Signal;

/**
 * The svlogd program's signals as calls on its engine: TERM, HUP and ALRM handlers (run by the JVM
 * on its own thread) only tell the engine, which wakes its loop and acts between reads, where
 * runit's svlogd lets its signals in. A TERM handler replaces the JVM's shutdown on TERM: the
 * program exits when the engine's run returns.
 */
final class Signals {
    private Signals() {}

    static void install(SvlogdEngine engine) {
        Signal.handle(new Signal("TERM"), sig -> engine.terminate());
        Signal.handle(new Signal("HUP"), sig -> engine.hangup());
        Signal.handle(new Signal("ALRM"), sig -> engine.alarm());
    }
}
