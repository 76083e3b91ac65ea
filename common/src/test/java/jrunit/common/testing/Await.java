package jrunit.common.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits on state, never for a fixed time: polls a condition until it holds or a deadline passes. */
public final class Await {
    private Await() {}

    /** Default deadline: generous, because CI machines are shared and slow; a pass returns at once. */
    public static final Duration DEFAULT = Duration.ofSeconds(20);

    public static void until(String what, Supplier<Boolean> condition) {
        until(what, DEFAULT, condition);
    }

    public static void until(String what, Duration deadline, Supplier<Boolean> condition) {
        long end = System.nanoTime() + deadline.toNanos();
        long pause = 2;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.get())) return;
            } catch (RuntimeException e) {
                // not yet: e.g. a file that is still being created
            }
            if (System.nanoTime() > end) throw new AssertionError("timed out after " + deadline + " waiting for: " + what);
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
            pause = Math.min(pause * 2, 50);
        }
    }

    /** Polls {@code value} until it is non-null, and returns it. */
    public static <T> T value(String what, Supplier<T> value) {
        return value(what, DEFAULT, value);
    }

    /** Polls {@code value} until it is non-null or {@code deadline} has passed, and returns it. */
    public static <T> T value(String what, Duration deadline, Supplier<T> value) {
        Object[] box = new Object[1];
        until(what, deadline, () -> (box[0] = value.get()) != null);
        @SuppressWarnings("unchecked") T t = (T) box[0];
        return t;
    }
}
