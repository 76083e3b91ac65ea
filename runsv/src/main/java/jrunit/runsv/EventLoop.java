package jrunit.runsv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.WakePipe;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A single-threaded event loop hosting any number of {@link Supervisor}s: one {@code poll} over a
 * self-pipe, every supervisor's control FIFOs and its children's pidfds, with each supervisor's
 * timer as the timeout. Children are reaped with {@code waitpid} on this thread, which is also the
 * thread that spawns them (posix_spawn reaps a child whose exec failed itself, so spawning and
 * reaping must not race).
 *
 * <p>A supervisor that throws is abandoned alone (its descriptors closed, its children left
 * running) and reported to the {@link Listener} with the exception; the others carry on.
 *
 * <p>Thread rules: {@link #run()} runs the loop on the calling thread; {@link #add} and the
 * supervisors' methods must be called on that thread (or before {@code run()}); {@link #execute}
 * and {@link #stop} may be called from any thread, e.g. a signal handler.
 */
public final class EventLoop {
    /** Told when a supervisor leaves the loop. Called on the loop's thread. */
    public interface Listener {
        /**
         * @param supervisor the supervisor that left
         * @param failure    null if it finished normally (after {@code x} or {@link Supervisor#terminate()}),
         *                   otherwise what it threw (it was abandoned)
         */
        void finished(Supervisor supervisor, Throwable failure);
    }

    private final Listener listener;
    private final WakePipe wakeUp;
    private final List<Supervisor> supervisors = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;

    /** @throws ErrnoException if the self-pipe cannot be created */
    public EventLoop(Listener listener) throws ErrnoException {
        this.listener = listener;
        wakeUp = new WakePipe();
    }

    /**
     * Hosts {@code supervisor} from now on and starts its service (and log service) as runsv would,
     * unless it was {@link Supervisor#start() started} already. Loop thread only.
     */
    public void add(Supervisor supervisor) {
        supervisors.add(supervisor);
        if (!supervisor.isStarted()) guarded(supervisor, supervisor::start);
        reapFinished();
    }

    /** The supervisors hosted now. Loop thread only. */
    public List<Supervisor> supervisors() {
        return List.copyOf(supervisors);
    }

    /** Runs {@code task} on the loop's thread soon. Any thread (the way to deliver signals). */
    public void execute(Runnable task) {
        tasks.add(task);
        wakeUp.wake();
    }

    /** Makes {@link #run()} return after the current iteration. Any thread. Hosted supervisors are left as they are. */
    public void stop() {
        stopped = true;
        wakeUp.wake();
    }

    /** Runs the loop on this thread until {@link #stop()}. */
    public void run() {
        Supervisor.IntList fds = new Supervisor.IntList();
        List<Supervisor> owners = new ArrayList<>();
        while (!stopped) {
            Runnable task;
            while ((task = tasks.poll()) != null) task.run();
            reapFinished();
            if (stopped) break;

            fds.clear();
            owners.clear();
            fds.add(wakeUp.readFd());
            owners.add(null);
            long now = System.nanoTime();
            long earliest = Long.MAX_VALUE;
            boolean due = false;
            for (Supervisor s : supervisors) {
                int before = fds.size();
                s.addWatchedFds(fds);
                for (int i = before; i < fds.size(); i++) owners.add(s);
                long d = s.deadline();
                if (d == Long.MAX_VALUE) continue;
                if (d == Long.MIN_VALUE || d - now <= 0) due = true;
                else earliest = Math.min(earliest, d - now);
            }
            int timeout;
            if (due) timeout = 0;
            else if (earliest == Long.MAX_VALUE) timeout = 1_000_000; // runit wakes hourly; nothing depends on it
            else timeout = (int) Math.min(1_000_000, (earliest + 999_999) / 1_000_000);

            int n = fds.size();
            int[] pollFds = new int[n];
            short[] events = new short[n];
            short[] revents = new short[n];
            for (int i = 0; i < n; i++) {
                pollFds[i] = fds.get(i);
                events[i] = Posix.POLLIN;
            }
            try {
                Posix.poll(pollFds, events, revents, timeout);
            } catch (ErrnoException e) {
                throw new IllegalStateException("poll failed: " + e.text(), e);
            }
            if (revents[0] != 0) wakeUp.drain();
            now = System.nanoTime();
            List<Supervisor> ready = new ArrayList<>();
            for (int i = 1; i < n; i++) {
                Supervisor s = owners.get(i);
                if (revents[i] != 0 && !ready.contains(s)) ready.add(s);
            }
            for (Supervisor s : supervisors) {
                long d = s.deadline();
                if (d != Long.MAX_VALUE && (d == Long.MIN_VALUE || d - now <= 0) && !ready.contains(s)) ready.add(s);
            }
            for (Supervisor s : ready) guarded(s, s::wake);
            reapFinished();
        }
    }

    private void guarded(Supervisor s, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | StackOverflowError e) {
            supervisors.remove(s);
            try {
                s.abandon();
            } catch (RuntimeException ignored) {
                // it is being dropped anyway
            }
            listener.finished(s, e);
        }
    }

    private void reapFinished() {
        for (int i = 0; i < supervisors.size(); i++) {
            Supervisor s = supervisors.get(i);
            if (s.isFinished()) {
                supervisors.remove(i--);
                listener.finished(s, null);
            }
        }
    }
}
