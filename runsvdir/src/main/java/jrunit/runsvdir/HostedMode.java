package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.runsv.EventLoop;
import jrunit.runsv.PipeHolder;
import jrunit.runsv.Supervisor;
import jrunit.runsv.SupervisorException;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * {@code runsvdir --hosted}: one JVM hosts the supervisor of every service ({@link Supervisor}, the same
 * code as runsv, on one {@link EventLoop}) instead of one runsv process each. On disk nothing differs
 * ({@code supervise/} files, FIFOs, locks), so sv, ours or runit's, cannot tell.
 *
 * <p>A supervisor that throws is dropped alone by the loop and started afresh at the next scan, as
 * runsvdir restarts a runsv that died. Directory scans, signals and container shutdown run on the loop's
 * thread as tasks; a ticker thread only schedules them.
 *
 * <p>Signals: TERM exits 0 at once (as runit's runsvdir; the services keep running, unsupervised);
 * HUP tells every supervisor to exit (TERM to runsv) and exits 111 once they have (at most 7 s: runit's
 * runsvdir does not wait at all, but here nothing would supervise the stopping services after exit); with
 * {@code --container}, TERM and INT shut down as {@link ContainerShutdown} describes.
 */
final class HostedMode implements EventLoop.Listener {
    private static final long TICK_MILLIS = 1000, SHUTDOWN_TICK_MILLIS = 100;
    /** How long HUP waits for the supervisors to stop their services (sv's default timeout). */
    private static final long HUP_GRACE_NANOS = 7 * Runsvdir.SECOND;

    /** One hosted supervisor, as the service table sees it; its Supervisor is null while it is being opened. */
    private static final class Hosted implements ServiceTable.Supervision {
        /** The service directory, held open: the supervisor works through /proc/PID/fd/N, see {@link #pin}. */
        final int dirFd;
        Supervisor supervisor;
        boolean finished;
        boolean terminateRequested;

        Hosted(int dirFd) {
            this.dirFd = dirFd;
        }

        void release() {
            if (dirFd < 0) return;
            try {
                Posix.close(dirFd);
            } catch (ErrnoException e) {
                // closed already
            }
        }

        @Override
        public boolean alive() {
            return !finished;
        }

        @Override
        public void terminate() {
            if (supervisor == null) terminateRequested = true;
            else if (!finished) supervisor.terminate();
        }

        @Override
        public void kill() {
            // the services are killed by pid; the supervisor then reaps them and finishes
        }
    }

    /**
     * Threads that set up each supervisor ({@link Supervisor#open}: directories, locks, FIFOs) and start
     * its service ({@link Supervisor#start}: spawn, status files) before handing it to the loop: at boot
     * the work of many services overlaps, as it does for runit's runsv processes, and the loop's thread
     * does not start them one after another. They end when idle.
     */
    private static final int OPENERS = 4;
    private final ThreadPoolExecutor opener = new ThreadPoolExecutor(OPENERS, OPENERS, 5, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> Thread.ofPlatform().daemon().name("runsvdir-open").unstarted(r));
    private final Set<Hosted> opening = new HashSet<>();
    /**
     * Held shared by an opener from a spawn to the child's pidfd (all within {@link Supervisor#start}),
     * exclusively by the orphan reaper, which takes a zombie without a pidfd here for an orphan.
     */
    private final ReentrantReadWriteLock spawning = new ReentrantReadWriteLock();

    private final Invocation inv;
    private final Messages messages;
    private final Path dir;
    private final ServiceTable table;
    private final Map<Supervisor, Hosted> hosted = new HashMap<>();
    private final boolean reapOrphans;
    private EventLoop loop;
    private ContainerShutdown shutdown;
    private boolean hangingUp;
    private long hangUpUntil;
    private volatile long tickMillis = TICK_MILLIS;
    private int exitCode = 0;
    private final PipeHolder pipeHolder;

    HostedMode(Invocation inv, Messages messages) {
        Posix.linkAhead(); // while the directory is read and the supervisors set up
        this.inv = inv;
        this.messages = messages;
        this.pipeHolder = new PipeHolder(text -> messages.write("runsvdir: warning: " + text + "\n"));
        this.dir = Path.of(inv.dir());
        this.table = new ServiceTable(inv.dir(), dir, messages);
        this.reapOrphans = inv.container() || Posix.getpid() == 1;
        opener.allowCoreThreadTimeOut(true);
    }

    int run(ReadProcTitle title) {
        try {
            loop = new EventLoop(this);
        } catch (ErrnoException e) {
            messages.fatal("unable to create selfpipe", e);
            return 100;
        }
        if (title != null) title.drainInBackground();
        onSignal("TERM", this::term);
        onSignal("INT", inv.container() ? this::term : null);
        onSignal("HUP", this::hangUp);
        onSignal("ALRM", () -> table.forcedRescan(this::start));
        Thread.ofPlatform().daemon().name("runsvdir-tick").start(() -> {
            while (true) {
                loop.execute(this::tick);
                try {
                    Thread.sleep(tickMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        loop.run();
        pipeHolder.close(); // an orderly exit: nothing is left to hold
        return exitCode;
    }

    private void onSignal(String name, Runnable onLoop) {
        if (onLoop != null) Signal.handle(new Signal(name), s -> loop.execute(onLoop));
    }

    private void tick() {
        if (reapOrphans && spawning.writeLock().tryLock()) {
            try {
                OrphanReaper.reap();
            } finally {
                spawning.writeLock().unlock();
            }
        }
        if (shutdown != null) {
            int code = shutdown.step();
            if (code >= 0) finish(code);
            return;
        }
        if (hangingUp) {
            if ((hosted.isEmpty() && opening.isEmpty()) || System.nanoTime() - hangUpUntil >= 0) finish(Runsvdir.EXIT_HUP);
            return;
        }
        table.checkDirectory(this::start);
    }

    private void term() {
        if (!inv.container()) {
            finish(0);
            return;
        }
        if (shutdown != null) return; // a second TERM changes nothing
        shutdown = new ContainerShutdown(table, messages, dir, inv.containerDeadline());
        shutdown.begin();
        tickMillis = SHUTDOWN_TICK_MILLIS;
    }

    private void hangUp() {
        if (shutdown != null || hangingUp) return;
        hangingUp = true;
        hangUpUntil = System.nanoTime() + HUP_GRACE_NANOS;
        for (Hosted h : hosted.values()) h.terminate();
        for (Hosted h : opening) h.terminate();
        tickMillis = SHUTDOWN_TICK_MILLIS;
        tick();
    }

    private void finish(int code) {
        exitCode = code;
        loop.stop();
    }

    /** Hosts a supervisor for {@code s}, set up on an opener thread; null if its log lock is busy. */
    private ServiceTable.Supervision start(ServiceTable.Service s) {
        Path serviceDir = dir.resolve(s.name);
        if (LogLock.heldElsewhere(serviceDir)) {
            // runsv would block until the lock is free; a hosted supervisor must not block the loop
            messages.write("runsv " + s.name + ": warning: log/supervise/lock is held: waiting\n");
            table.check = true;
            return null;
        }
        int dirFd;
        try {
            dirFd = Posix.open(serviceDir.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            messages.write("runsv " + s.name + ": fatal: unable to change to directory: " + e.text() + "\n");
            table.check = true;
            return null;
        }
        Hosted h = new Hosted(dirFd);
        Path pinned = pin(dirFd, serviceDir);
        String name = s.name;
        opening.add(h);
        opener.execute(() -> {
            try {
                Supervisor supervisor = Supervisor.open(pinned, name, pipeHolder);
                Throwable failure = null;
                spawning.readLock().lock();
                try {
                    supervisor.start();
                } catch (RuntimeException | StackOverflowError e) {
                    failure = e;
                } finally {
                    spawning.readLock().unlock();
                }
                Throwable startFailure = failure;
                loop.execute(() -> opened(h, supervisor, startFailure));
            } catch (SupervisorException e) {
                loop.execute(() -> failed(h, "runsv " + name + ": fatal: " + e.getMessage()));
            } catch (RuntimeException e) {
                loop.execute(() -> failed(h, "runsv " + name + ": fatal: internal error: " + e));
            }
        });
        return h;
    }

    /**
     * The path a hosted supervisor works through. runit's runsv chdirs into its directory, so a rename of
     * the service directory, or runsvchdir re-pointing the symlinked services directory, does not move it
     * to another directory; a path would. /proc/self/fd/N of a descriptor held open on the directory
     * names that directory itself, whatever it is called later (while runsvdir holds the descriptor).
     */
    private static Path pin(int dirFd, Path serviceDir) {
        // /proc/PID, not /proc/self: children chdir through it after their own descriptors are closed
        Path viaFd = Path.of("/proc/" + Posix.getpid() + "/fd/" + dirFd);
        if (java.nio.file.Files.isDirectory(viaFd)) return viaFd;
        try {
            return serviceDir.toRealPath();
        } catch (java.io.IOException e) {
            return serviceDir;
        }
    }

    /**
     * On the loop: the supervisor is set up and has started its service; the loop hosts it from now on
     * (and it is told to exit if that was asked meanwhile). If starting threw, it is dropped as the
     * loop drops a supervisor that throws ({@link #finished}).
     */
    private void opened(Hosted h, Supervisor supervisor, Throwable startFailure) {
        opening.remove(h);
        h.supervisor = supervisor;
        hosted.put(supervisor, h);
        if (startFailure != null) {
            supervisor.abandon();
            finished(supervisor, startFailure);
            return;
        }
        loop.add(supervisor);
        if (h.terminateRequested && !h.finished) supervisor.terminate();
    }

    /** On the loop: it could not be set up; as runsv exiting 111, it is tried again at a later scan. */
    private void failed(Hosted h, String message) {
        opening.remove(h);
        h.finished = true;
        h.release();
        messages.write(message + "\n");
        table.check = true;
    }

    @Override
    public void finished(Supervisor supervisor, Throwable failure) {
        Hosted h = hosted.remove(supervisor);
        if (h != null) {
            h.finished = true;
            h.release();
        }
        if (failure != null) messages.write("runsv " + supervisor.name() + ": fatal: internal error: " + failure + "\n");
        table.check = true; // as runsvdir restarts a runsv that exited
    }
}
