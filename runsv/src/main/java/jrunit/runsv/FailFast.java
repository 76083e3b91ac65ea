package jrunit.runsv;

/**
 * A supervising process that hits an {@link Error} (other than one supervisor's stack overflow, which
 * {@link EventLoop} drops that supervisor for) exits at once with 111 instead of living on half-dead: init,
 * runsvdir or the container runtime starts it again, and the new one adopts what runs ({@link Adoption}).
 * {@link OutOfMemoryError} never gets here: the launchers run the daemons with
 * {@code -XX:+ExitOnOutOfMemoryError}, which ends the JVM in whichever thread it happens.
 */
public final class FailFast {
    private static volatile String prefix = "fatal: internal error: ";

    private FailFast() {}

    /** Makes an Error that ends any thread (a set-up thread, the loop) end the process; {@code prefix} starts the message. */
    public static void install(String messagePrefix) {
        prefix = messagePrefix;
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof Error && !(e instanceof StackOverflowError)) exit(e);
            else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                e.printStackTrace();
            }
        });
    }

    /** Prints the message and ends the process now (no shutdown hooks: they might not run to completion either). */
    public static void exit(Throwable e) {
        try {
            System.err.print(prefix + e + "\n");
            System.err.flush();
        } finally {
            Runtime.getRuntime().halt(111);
        }
    }
}
