package jrunit.sv;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

/**
 * sv's wait loop (-v, -w and the LSB commands). runit sleeps 420 ms between rounds; this loop
 * instead wakes when runsv replaces {@code supervise/status} (a rename, seen as a create event by
 * a WatchService on {@code supervise/}), so it returns as soon as the condition holds; the same watch
 * sees jrunit's supervisor replace {@code supervise/ready} (readiness, {@link Readiness}). Rounds still
 * happen by time as a fallback: every 420 ms (a ./check script's outcome can change without any
 * status change), every 10 ms while waiting for runsv to exit (nothing in {@code supervise/}
 * changes when it does), and every 50 ms for a service whose directory cannot be watched.
 * Output, order within a round, timeouts (strictly after SEC seconds) and exit codes are runit's.
 */
final class Waiter {
    private static final long SAFETY_POLL_NANOS = 420_000_000L;
    private static final long EXIT_POLL_NANOS = 10_000_000L;
    private static final long UNWATCHED_POLL_NANOS = 50_000_000L;

    private final Sv sv;
    private final String[] pending;
    private final long startNanos;
    private WatchService watch;
    private boolean allWatched = true;

    Waiter(Sv sv, String[] pending, long startNanos) {
        this.sv = sv;
        this.pending = pending;
        this.startNanos = startNanos;
    }

    void run() {
        long timeoutNanos = sv.waitSeconds() > Long.MAX_VALUE / 2_000_000_000L ? Long.MAX_VALUE / 2
                : sv.waitSeconds() * 1_000_000_000L;
        boolean first = true;
        try {
            while (true) {
                // runit's first round counts as 0 s elapsed, so even -w 0 gets one look
                long elapsed = first ? 0 : System.nanoTime() - startNanos;
                if (!first) sv.newRound();
                boolean any = false;
                for (int i = 0; i < pending.length; i++) {
                    if (pending[i] == null) continue;
                    if (sv.checkPending(pending[i], elapsed > timeoutNanos)) pending[i] = null;
                    else any = true;
                }
                if (!any) return;
                if (first) {
                    first = false;
                    // watch now, then look once more at once: a change between the look and the watch is not lost
                    startWatching();
                    continue;
                }
                long now = System.nanoTime() - startNanos;
                long untilTimeout = timeoutNanos - now + 1_000_000L;
                long poll = sv.watchesRunsvExit() ? EXIT_POLL_NANOS : allWatched ? SAFETY_POLL_NANOS : UNWATCHED_POLL_NANOS;
                long sleep = Math.max(0, Math.min(poll, untilTimeout));
                if (now <= timeoutNanos) awaitChange(sleep);
            }
        } finally {
            if (watch != null) {
                try {
                    watch.close();
                } catch (IOException ignored) {
                    // exiting anyway
                }
            }
        }
    }

    private void startWatching() {
        try {
            watch = FileSystems.getDefault().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            allWatched = false;
            return;
        }
        for (String name : pending) {
            if (name == null) continue;
            Path dir = sv.waitDirectoryQuiet(name);
            try {
                if (dir == null) throw new IOException("no directory");
                dir.resolve("supervise").register(watch, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
            } catch (IOException | RuntimeException e) {
                allWatched = false;
            }
        }
    }

    private void awaitChange(long nanos) {
        if (nanos <= 0) return;
        try {
            if (watch == null) {
                Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
                return;
            }
            WatchKey key = watch.poll(nanos, TimeUnit.NANOSECONDS);
            while (key != null) {
                key.pollEvents();
                key.reset();
                key = watch.poll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ClosedWatchServiceException e) {
            watch = null;
        }
    }
}
