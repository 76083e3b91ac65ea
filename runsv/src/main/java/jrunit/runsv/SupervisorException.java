package jrunit.runsv;

/**
 * A supervisor could not be set up. The message is runit's text as it follows
 * {@code "runsv DIR: fatal: "}, errno text included, e.g.
 * {@code "unable to lock supervise/lock: temporary failure"}; runsv prints it and exits 111.
 */
public final class SupervisorException extends Exception {
    public SupervisorException(String message) {
        super(message);
    }
}
