package jrunit.runsv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.SuperviseStatus.State;
import jrunit.runsv.Service.Want;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * The supervisor of one service directory (its {@code ./run}, {@code ./finish}, {@code control/*}
 * and optional {@code log/} service), behaving exactly as runit 2.1.2's runsv does, on disk and
 * towards its children.
 *
 * <p>It is a non-blocking state machine: it never waits on a thread. An {@link EventLoop} drives it
 * when its control FIFOs become readable, when one of its children exits, or when its timer is due.
 * Where runit's runsv blocks (the one-second pause after a child that ran less than a second, a
 * {@code control/<c>} script that runs to completion before anything else happens) this supervisor
 * enters a waiting state in which it reads no control byte and reaps no child, so what a client
 * observes is the same. One loop may host any number of supervisors.
 *
 * <p>Typical use: {@code loop.add(Supervisor.open(Path.of("web"), "web"))}. {@link #open} takes the
 * locks and creates {@code supervise/}; the supervisor starts its children once added to a loop (or
 * at {@link #start()}, before) and
 * finishes (releasing everything it holds) after {@code x} or {@link #terminate()} once the service
 * and its log service are down, which the loop reports to its {@link EventLoop.Listener}.
 * All methods but {@link #open} and {@link #start()} must be called on the loop's thread.
 */
public final class Supervisor {
    private static final long SECOND = 1_000_000_000L;
    private static final int S_IXUSR = 0100;

    private final Path dir;
    private final String name;
    private final Service main;
    private final Service log;
    private int logRead = -1, logWrite = -1;
    /** Keeps the log pipe open while no host is alive, if the logger runs in this JVM; null: none. */
    private PipeHolder pipeHolder;
    private boolean pipeHeld;
    /** runsv's own descriptors 0, 1, 2 (-1 where closed), which the children inherit. */
    private final int[] stdio;
    /** runit keeps a single "pid changed" flag for both services; so do we (it decides when a pid file is rewritten). */
    private boolean pidChanged = true;
    private boolean termRequested;
    private boolean wakeRequested;
    private boolean started;
    /** When to look for the exit of a child that has no pidfd; 0 when not set. */
    private long lookAt;
    private boolean finished;

    /** The rest of the current main-loop iteration; runs until empty or until the supervisor waits. */
    private final Deque<Runnable> steps = new ArrayDeque<>();
    /** Monotonic time a runit-style sleep ends; 0 when not sleeping. */
    private long sleepUntil;
    /** The control script runsv is waiting for, or null. */
    private Script script;
    /** Children no longer tracked as a service's pid (only after {@code k} then {@code u}): reaped and ignored, as runit does. */
    private final List<int[]> strays = new ArrayList<>();

    private record Script(int pid, int pidfd, Consumer<Integer> then) {}

    private Supervisor(Path dir, String name, Service main, Service log, int[] stdio) {
        this.dir = dir;
        this.name = name;
        this.main = main;
        this.log = log;
        this.stdio = stdio;
    }

    /**
     * Sets up supervision of {@code dir} as runsv does at start-up: reads {@code down}, {@code log/}
     * and {@code log/down}, creates the log pipe, {@code supervise/} (following a symlink),
     * {@code lock} (held; a second supervisor fails with "unable to lock supervise/lock: temporary
     * failure"), the {@code control} and {@code ok} FIFOs. Starts nothing: that happens at {@link #start()}
     * or once the supervisor is {@link EventLoop#add added} to a loop, which also writes the first status
     * and opens {@code ok}, as runit does at the end of its set-up.
     *
     * <p>Like runsv, this blocks while someone else holds {@code log/supervise/lock}.
     *
     * @param dir  the service directory
     * @param name how messages name it: runsv prints {@code "runsv NAME: warning: …"}; runsv passes its argument
     * @throws SupervisorException with runit's fatal text; nothing is left open
     */
    public static Supervisor open(Path dir, String name) throws SupervisorException {
        return open(dir, name, null);
    }

    /**
     * As {@link #open(Path, String)}, with the {@link PipeHolder} of the hosting process: it holds the log
     * pipe while an in-process logger runs, and gives back the pipe of a service that died while no host was.
     */
    public static Supervisor open(Path dir, String name, PipeHolder pipeHolder) throws SupervisorException {
        if (dir.toString().isEmpty()) throw new SupervisorException("unable to change to directory: " + Errno.text(Errno.ENOENT));
        Path abs = dir.toAbsolutePath(); // not normalised: "a/../b" means what chdir makes of it
        try {
            BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class);
            if (!a.isDirectory()) throw new SupervisorException("unable to change to directory: " + Errno.text(Errno.ENOTDIR));
            if (!Files.isExecutable(abs)) throw new SupervisorException("unable to change to directory: " + Errno.text(Errno.EACCES));
        } catch (IOException e) {
            throw new SupervisorException("unable to change to directory: " + Errno.text(e));
        }
        int[] stdio = new int[3];
        for (int fd = 0; fd < 3; fd++) {
            try {
                Posix.fcntl(fd, Posix.F_GETFD, 0);
                stdio[fd] = fd;
            } catch (ErrnoException e) {
                stdio[fd] = -1;
            }
        }
        Service main = new Service(false, abs);
        if (Files.exists(abs.resolve("down"))) main.want = Want.DOWN;
        Service log = null;
        Path logDir = abs.resolve("log");
        try {
            if (Files.readAttributes(logDir, BasicFileAttributes.class).isDirectory()) {
                log = new Service(true, logDir);
                if (Files.exists(logDir.resolve("down"))) log.want = Want.DOWN;
            } else {
                warnLine(name, "./log: not a directory.");
            }
        } catch (NoSuchFileException e) {
            // no log service
        } catch (IOException e) {
            warnLine(name, "unable to stat() ./log: : " + Errno.text(e));
        }
        Supervisor s = new Supervisor(abs, name, main, log, stdio);
        s.pipeHolder = pipeHolder;
        try {
            s.setUp();
        } catch (SupervisorException | RuntimeException e) {
            s.closeAll();
            throw e;
        }
        return s;
    }

    private void setUp() throws SupervisorException {
        if (log != null) {
            try {
                int[] p = Posix.pipe(Posix.O_CLOEXEC);
                logRead = p[0];
                logWrite = p[1];
            } catch (ErrnoException e) {
                throw fatal("unable to create log pipe", e);
            }
        }
        SuperviseDirectory.make(main.dir, "./supervise");
        main.lockFd = SuperviseDirectory.openLock(main.dir, "supervise/lock");
        try {
            Posix.flock(main.lockFd, Posix.LOCK_EX | Posix.LOCK_NB);
        } catch (ErrnoException e) {
            throw fatal("unable to lock supervise/lock", e);
        }
        if (log != null) {
            SuperviseDirectory.make(log.dir, "./log/supervise");
            log.lockFd = SuperviseDirectory.openLock(log.dir, "log/supervise/lock");
            try {
                Posix.flock(log.lockFd, Posix.LOCK_EX);
            } catch (ErrnoException e) {
                throw fatal("unable to lock log/supervise/lock", e);
            }
        }
        Path mainControl = dir.resolve("supervise/control");
        SuperviseDirectory.openControl(main, mainControl, "supervise/control");
        if (log != null) {
            // runit 2.1.2 checks the main service's control FIFO here, not the log's: kept as is.
            SuperviseDirectory.openControl(log, mainControl, "log/supervise/control");
        }
        // runit writes each status here, then opens the ok FIFOs (from then on sv talks to it), then starts
        // the services, writing each status again. Here the first status write and the ok FIFOs wait for
        // start(): one status write less per service at boot, and sv still never finds a supervisor whose
        // status is not written yet. Whether ok can be opened is checked now, so that failure stays fatal
        // before anything is started.
        SuperviseDirectory.checkOk(dir.resolve("supervise/ok"), "unable to read supervise/ok");
        if (log != null) SuperviseDirectory.checkOk(dir.resolve("log/supervise/ok"), "unable to read log/supervise/ok");
        adopt();
        for (Service s : log == null ? List.of(main) : List.of(main, log)) {
            if (s.adopted) s.extras.keepReadyFileOfAdoptedRun(s.start, this::warn);
            else s.extras.removeStaleReadyFile(this::warn);
        }
    }

    /**
     * Takes over what a supervisor that died left running ({@link Adoption}): the service and the log
     * service as the records name them, and the log pipe again, both ends, reopened through the adopted
     * service's descriptor 1 (or the adopted logger's 0). Nothing adopted: runit's start, unchanged.
     */
    private void adopt() {
        Adoption.Running m = Adoption.find(dir);
        Adoption.Running l = log == null ? null : Adoption.find(log.dir);
        if (log != null) {
            int[] pipe = m != null ? Adoption.reopenPipe(m.pid(), 1) : null;
            if (l != null) {
                String logPipe = Adoption.pipeOf(l.pid(), 0);
                if (pipe == null && m == null) pipe = Adoption.reopenPipe(l.pid(), 0);
                else if (pipe == null || logPipe == null || !logPipe.equals(Adoption.pipeOf(Posix.getpid(), pipe[0]))) {
                    l = null; // it reads another pipe than the service writes: not this service's logger any more
                }
            }
            if (pipe == null && l == null && pipeHolder != null && (m != null || Adoption.recordedRunning(dir))) {
                // the logger ran in a host that died: what the service wrote since (and, if it died too,
                // before its end) waits in the pipe a holder kept
                pipe = pipeHolder.reopenPrevious(dir);
            }
            if (pipe != null) {
                closeQuietly(logRead);
                closeQuietly(logWrite);
                logRead = pipe[0];
                logWrite = pipe[1];
            }
        }
        if (m != null) take(main, m);
        if (l != null) take(log, l);
    }

    private void take(Service s, Adoption.Running r) {
        try {
            s.pidfd = Posix.pidfdOpen(r.pid());
        } catch (ErrnoException e) {
            return; // gone meanwhile: started afresh
        }
        s.pid = r.pid();
        s.adopted = true;
        s.state = State.RUN;
        s.start = r.record().since();
        s.startNanos = System.nanoTime() - r.ageNanos();
        s.want = r.record().want() == 'u' ? Want.UP : Want.DOWN;
        s.paused = r.record().paused();
        s.termSent = r.record().termSent();
        pidChanged = true;
    }

    /** The end of runit's set-up, after the first iteration: every status written, then the ok FIFOs open. */
    private void becomeReachable() {
        if (!main.statusWritten) writeSetUpStatus(main);
        if (log != null && !log.statusWritten) writeSetUpStatus(log);
        try {
            main.okFd = SuperviseDirectory.openOk(dir.resolve("supervise/ok"));
            if (log != null) log.okFd = SuperviseDirectory.openOk(dir.resolve("log/supervise/ok"));
        } catch (ErrnoException e) {
            // open() could open it a moment ago: someone removed or replaced it since
            throw new IllegalStateException("unable to read " + (main.okFd < 0 ? "" : "log/") + "supervise/ok: " + e.text(), e);
        }
    }

    private static SupervisorException fatal(String text, ErrnoException e) {
        return new SupervisorException(text + ": " + e.text());
    }

    // ------------------------------------------------------------------ public API

    /** The service directory (absolute). */
    public Path directory() {
        return dir;
    }

    /** The name used in messages ({@code runsv NAME: …}). */
    public String name() {
        return name;
    }

    /**
     * What SIGTERM does to runsv: acts as {@code x} on the main service at the end of the current
     * (or next) loop iteration. The supervisor finishes once the service and its log service are down.
     */
    public void terminate() {
        termRequested = true;
        wakeRequested = true;
    }

    /**
     * Delivers {@code signal} to the log service if it runs in this JVM ({@link InProcessLogger}), as a
     * signal sent to its pid (this process) would have reached an svlogd process. False if it does not.
     */
    public boolean signalInProcessLogger(int signal) {
        if (log == null || log.inProcess == null) return false;
        log.inProcess.signal(signal);
        return true;
    }

    /** True once the supervisor has finished (after {@code x}/{@link #terminate()}) and released everything. */
    public boolean isFinished() {
        return finished;
    }

    @Override
    public String toString() {
        return "Supervisor[" + name + "]";
    }

    // ------------------------------------------------------------------ what the event loop calls

    /**
     * Runs the first iteration: runit's loop begins by starting the log service, then the service.
     * {@link EventLoop#add} does this itself; a host that sets up many supervisors may instead call it
     * on the thread that {@link #open opened} this one, before handing it to the loop, so services start
     * as soon as their supervisor is ready rather than one after another on the loop's thread. Until it
     * is added to a loop, nothing else may touch this supervisor; nothing here reaps or waits.
     *
     * @throws IllegalStateException if it has run already
     */
    public void start() {
        if (started) throw new IllegalStateException(this + " was already started");
        started = true;
        steps.add(this::startLogIfWanted);
        steps.add(this::startMainIfWanted);
        runSteps();
        becomeReachable();
    }

    /** True once {@link #start()} has run (by itself or through {@link EventLoop#add}). */
    boolean isStarted() {
        return started;
    }

    /** Descriptors whose readability should {@link #wake} this supervisor. */
    void addWatchedFds(IntList fds) {
        addExtrasFds(fds);
        if (finished || sleepUntil != 0) return;
        if (script != null) {
            fds.add(script.pidfd());
            return;
        }
        fds.add(main.controlRead);
        if (main.pidfd >= 0 && main.exitSeenAt == 0) fds.add(main.pidfd); // once exited, it stays readable
        if (log != null) {
            fds.add(log.controlRead);
            if (log.pidfd >= 0 && log.exitSeenAt == 0) fds.add(log.pidfd);
        }
        for (int[] stray : strays) fds.add(stray[1]);
    }

    /** Monotonic time at which to {@link #wake} this supervisor even if no descriptor is ready; Long.MAX_VALUE for never. */
    long deadline() {
        return earliest(runitDeadline(), extrasDeadline());
    }

    private long runitDeadline() {
        if (finished) return Long.MAX_VALUE;
        if (sleepUntil != 0) return sleepUntil;
        if (script != null) return Long.MAX_VALUE;
        if (wakeRequested || main.execFailed || (log != null && log.execFailed)) return Long.MIN_VALUE;
        // an adopted process's exit record is looked for every 10 ms while its parent has not reaped it
        if (main.exitSeenAt != 0 || (log != null && log.exitSeenAt != 0)) {
            if (lookAt == 0) lookAt = System.nanoTime() + SECOND / 100;
            return lookAt;
        }
        // a child without a pidfd (pidfd_open failed) is looked for every 100 ms
        if ((main.pid != 0 && main.pidfd < 0) || (log != null && log.pid != 0 && log.pidfd < 0)) {
            if (lookAt == 0) lookAt = System.nanoTime() + SECOND / 10;
            return lookAt;
        }
        return Long.MAX_VALUE;
    }

    /** Something this supervisor watches happened (or its deadline passed): carry on as far as possible without blocking. */
    void wake() {
        if (finished) return;
        wakeExtras();
        lookAt = 0;
        if (sleepUntil != 0) {
            if (System.nanoTime() - sleepUntil < 0) return;
            sleepUntil = 0;
        } else if (script != null) {
            Integer status = reap(script.pid());
            if (status == null) return;
            Script done = script;
            script = null;
            closeQuietly(done.pidfd());
            done.then().accept(status);
        } else if (steps.isEmpty()) {
            // runit's poll returned: one iteration of its main loop
            wakeRequested = false;
            steps.add(this::reapChildren);
            steps.add(() -> readControl(main));
            if (log != null) steps.add(() -> readControl(log));
            steps.add(this::checkTerm);
            steps.add(this::checkExit);
            steps.add(this::startLogIfWanted);
            steps.add(this::startMainIfWanted);
        }
        runSteps();
    }

    /** Releases every descriptor (locks, FIFOs, the log pipe) after a failure; children are left running. */
    public void abandon() {
        finished = true;
        steps.clear();
        closeAll();
    }

    private void runSteps() {
        Runnable step;
        while (!finished && sleepUntil == 0 && script == null && (step = steps.pollFirst()) != null) step.run();
    }

    /** runit's {@code sleep(n)}: nothing happens for this supervisor until it has passed. */
    private void sleep(long nanos) {
        sleepUntil = System.nanoTime() + nanos;
        if (sleepUntil == 0) sleepUntil = 1;
    }

    // ------------------------------------------------------------------ the loop's steps

    private void startLogIfWanted() {
        if (log != null && !log.hasChild() && log.want == Want.UP) startService(log, () -> {});
    }

    private void startMainIfWanted() {
        if (!main.hasChild() && (main.want == Want.UP || main.state == State.FINISH)) startService(main, () -> {});
    }

    /** Reaps one exited child of ours, then comes back for the next (after any sleep the exit caused). */
    private void reapChildren() {
        for (Service s : log == null ? List.of(main) : List.of(main, log)) {
            Integer status = s.execFailed ? Integer.valueOf(111 << 8)
                    : s.inProcess != null ? s.inProcess.exitStatus()
                    : s.adopted ? Adoption.exitStatus(s)
                    : s.pid != 0 ? reap(s.pid) : null;
            if (status == null) continue;
            steps.addFirst(this::reapChildren);
            if (s.isLog) logExited(status);
            else mainExited(status);
            return;
        }
        strays.removeIf(stray -> {
            if (reap(stray[0]) == null) return false;
            closeQuietly(stray[1]);
            return true;
        });
    }

    private void mainExited(int status) {
        if (main.state == State.FINISH && main.want == Want.UP && ServiceExtras.finishSaysPermanent(status)) main.want = Want.DOWN;
        forgetChild(main);
        main.waitStatus = status;
        main.termSent = false;
        if (main.state != State.FINISH && finishPresent()) {
            main.state = State.FINISH;
            writeStatus(main);
            return;
        }
        becomeDown(main);
    }

    private void logExited(int status) {
        forgetChild(log);
        log.termSent = false;
        becomeDown(log);
    }

    private void forgetChild(Service s) {
        s.extras.childGone(this::warn);
        s.pid = 0;
        s.adopted = false;
        s.execFailed = false;
        if (s.inProcess != null) {
            s.inProcess.close(); // its pidfd is the logger's done pipe
            s.inProcess = null;
        } else {
            closeQuietly(s.pidfd);
        }
        s.pidfd = -1;
        pidChanged = true;
    }

    /** Down after an exit: a child (run + finish) that lived less than a second costs a one-second pause. */
    private void becomeDown(Service s) {
        s.state = State.DOWN;
        long deadline = s.startNanos + SECOND;
        s.markStart();
        writeStatus(s);
        if (s.startNanos - deadline < 0) sleep(SECOND);
    }

    private boolean finishPresent() {
        if (!dir.resolve("finish").toFile().exists()) return false; // the common case, without an exception
        try {
            int fd = Posix.open(dir.resolve("finish").toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            closeQuietly(fd);
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    private void readControl(Service s) {
        if (!readable(s.controlRead)) return; // cheaper than the EAGAIN a read would throw
        byte[] b = new byte[1];
        int n;
        try {
            n = Posix.read(s.controlRead, b, 0, 1);
        } catch (ErrnoException e) {
            return; // EAGAIN: nothing written
        }
        if (n == 1) control(s, (char) (b[0] & 0xff));
    }

    static boolean readable(int fd) {
        short[] revents = new short[1];
        try {
            return Posix.poll(new int[] {fd}, new short[] {Posix.POLLIN}, revents, 0) > 0 && revents[0] != 0;
        } catch (ErrnoException e) {
            return true; // let the read tell
        }
    }

    private void checkTerm() {
        if (termRequested) {
            termRequested = false;
            control(main, 'x');
        }
    }

    private void checkExit() {
        if (main.want != Want.EXIT || main.state != State.DOWN) return;
        if (log == null || !log.hasChild()) {
            finish();
            return;
        }
        if (log.want != Want.EXIT) {
            log.want = Want.EXIT;
            writeStatus(log);
            // the logger sees end of file once the service's processes are gone too
            closeLogPipeEnd(true);
            closeLogPipeEnd(false);
        }
    }

    private void closeLogPipeEnd(boolean writeEnd) {
        int fd = writeEnd ? logWrite : logRead;
        String shown = writeEnd ? "logpipe[1]" : "logpipe[0]";
        if (writeEnd) logWrite = -1;
        else logRead = -1;
        try {
            if (fd < 0) throw new ErrnoException("close", Errno.EBADF);
            Posix.close(fd);
        } catch (ErrnoException e) {
            warn("unable to close " + shown + ": " + e.text());
        }
    }

    private void finish() {
        finished = true;
        steps.clear();
        for (Service s : log == null ? List.of(main) : List.of(main, log)) s.extras.removeReadyFile(this::warn);
        closeAll();
    }

    // ------------------------------------------------------------------ beyond runit: ServiceExtras

    private void addExtrasFds(IntList fds) {
        if (finished) return;
        for (Service s : log == null ? List.of(main) : List.of(main, log)) {
            if (s.extras.watchedFd() >= 0) fds.add(s.extras.watchedFd());
        }
    }

    private long extrasDeadline() {
        if (finished) return Long.MAX_VALUE;
        long d = main.extras.deadline();
        return log == null ? d : earliest(d, log.extras.deadline());
    }

    /** Timers due and readiness, whatever runit-like state the supervisor is in (sleeping, waiting for a script). */
    private void wakeExtras() {
        main.extras.wake(main.pid, () -> kill(main, Posix.SIGKILL), this::warn);
        if (log != null) log.extras.wake(log.pid, () -> kill(log, Posix.SIGKILL), this::warn);
    }

    /** The earlier of two {@link #deadline()} values (Long.MIN_VALUE: due now; Long.MAX_VALUE: never). */
    private static long earliest(long a, long b) {
        if (a == Long.MIN_VALUE || b == Long.MIN_VALUE) return Long.MIN_VALUE;
        if (a == Long.MAX_VALUE) return b;
        if (b == Long.MAX_VALUE) return a;
        return a - b <= 0 ? a : b;
    }

    // ------------------------------------------------------------------ commands

    private void control(Service s, char c) {
        switch (c) {
            case 'd' -> {
                s.want = Want.DOWN;
                writeStatus(s);
                if (s.state == State.RUN) stopService(s, () -> {});
            }
            case 'u' -> {
                s.want = Want.UP;
                writeStatus(s);
                if (s.state == State.DOWN) startService(s, () -> {});
            }
            case 'x' -> {
                if (s.isLog) return;
                s.want = Want.EXIT;
                writeStatus(s);
                if (s.state == State.RUN) stopService(s, () -> {});
            }
            case 't' -> {
                if (s.state == State.RUN) stopService(s, () -> {});
            }
            case 'k' -> signalUnlessHandled(s, c, Posix.SIGKILL, () -> s.state = State.DOWN);
            case 'p' -> signalUnlessHandled(s, c, Posix.SIGSTOP, () -> {
                s.paused = true;
                writeStatus(s);
            });
            case 'c' -> signalUnlessHandled(s, c, Posix.SIGCONT, () -> {
                s.paused = false;
                writeStatus(s);
            });
            case 'o' -> {
                s.want = Want.DOWN;
                writeStatus(s);
                if (s.state == State.DOWN) startService(s, () -> {});
            }
            case 'a' -> signalUnlessHandled(s, c, Posix.SIGALRM, () -> {});
            case 'h' -> signalUnlessHandled(s, c, Posix.SIGHUP, () -> {});
            case 'i' -> signalUnlessHandled(s, c, Posix.SIGINT, () -> {});
            case 'q' -> signalUnlessHandled(s, c, Posix.SIGQUIT, () -> {});
            case '1' -> signalUnlessHandled(s, c, Posix.SIGUSR1, () -> {});
            case '2' -> signalUnlessHandled(s, c, Posix.SIGUSR2, () -> {});
            default -> {
                // runit ignores every other byte, 'e' included
            }
        }
    }

    /** If running: {@code control/<c>}, and the signal unless the script exited 0; then {@code then}. */
    private void signalUnlessHandled(Service s, char c, int signal, Runnable then) {
        if (s.state != State.RUN) {
            then.run();
            return;
        }
        custom(s, c, handled -> {
            if (!handled) kill(s, signal);
            then.run();
        });
    }

    /** runit's stop sequence: control/t, TERM unless handled, then CONT and control/d or control/x. */
    private void stopService(Service s, Runnable then) {
        Consumer<Boolean> afterTerm = handled -> {
            s.extras.stopRequested(s.pid);
            if (!handled) {
                kill(s, s.extras.downSignal());
                s.termSent = true;
                writeStatus(s);
            }
            if (s.want == Want.DOWN) {
                kill(s, Posix.SIGCONT);
                custom(s, 'd', ignored -> then.run());
            } else if (s.want == Want.EXIT) {
                kill(s, Posix.SIGCONT);
                custom(s, 'x', ignored -> then.run());
            } else {
                then.run();
            }
        };
        if (s.pid != 0) custom(s, 't', afterTerm);
        else afterTerm.accept(true);
    }

    private void kill(Service s, int signal) {
        if (s.inProcess != null) {
            s.inProcess.signal(signal);
            return;
        }
        int pid = s.pid;
        if (pid == 0) return; // runit's kill(0, …) would signal its whole process group; it never gets here with 0
        try {
            // an adopted process is not our child: no zombie of ours holds its pid once it exits
            if (s.adopted && s.pidfd >= 0) Posix.pidfdSendSignal(s.pidfd, signal);
            else Posix.kill(pid, signal);
        } catch (ErrnoException e) {
            // runit ignores kill's result too
        }
    }

    /**
     * Runs {@code control/<c>} if it exists with the owner-execute bit, waiting for it without
     * blocking the thread, then calls {@code then} with "handled" (it exited 0). Never for the log.
     */
    private void custom(Service s, char c, Consumer<Boolean> then) {
        if (s.isLog) {
            then.accept(false);
            return;
        }
        String rel = "control/" + c;
        Path file = dir.resolve(rel);
        try {
            if (!Posix.exists(file.toString())) { // runit: stat() failing with ENOENT, a dangling link included
                then.accept(false); // the common case, one call without an exception
                return;
            }
        } catch (ErrnoException e) {
            warn("unable to stat " + rel + ": " + e.text());
            then.accept(false);
            return;
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(file, "unix:mode");
        } catch (NoSuchFileException e) {
            then.accept(false);
            return;
        } catch (IOException e) {
            warn("unable to stat " + rel + ": " + Errno.text(e));
            then.accept(false);
            return;
        }
        if ((mode & S_IXUSR) == 0) {
            then.accept(false);
            return;
        }
        int out = stdio[1];
        if (log != null) {
            if (logWrite >= 0) out = logWrite;
            else warn("unable to setup stdout for " + rel + ": " + Errno.text(Errno.EBADF));
        }
        int pid;
        try {
            pid = Posix.spawn(new Posix.Spawn(rel, List.of(rel), null, dir.toString(),
                    new int[] {stdio[0], out, stdio[2]}, false, false, false));
        } catch (ErrnoException e) {
            if (isForkFailure(e)) warn("unable to fork for " + rel + ": " + e.text());
            else childFatal("unable to run control/?: " + e.text()); // that child exits 111: not handled
            then.accept(false);
            return;
        }
        int pidfd;
        try {
            pidfd = Posix.pidfdOpen(pid);
        } catch (ErrnoException e) {
            warn("unable to wait for child " + rel + ": " + e.text());
            strays.add(new int[] {pid, -1});
            then.accept(false);
            return;
        }
        script = new Script(pid, pidfd, status -> then.accept(((status >> 8) & 0xff) == 0));
    }

    // ------------------------------------------------------------------ starting children

    private void startService(Service s, Runnable then) {
        if (s.state == State.FINISH) {
            spawnChild(s);
            then.run();
            return;
        }
        custom(s, 'u', ignored -> {
            if (s.pid != 0) {
                // runit: "should never happen" (k, then u): stop it, and start a new one anyway
                stopService(s, () -> {
                    if (s.inProcess != null) {
                        // it ends by itself (it was told to stop); nothing of it is waited for
                        s.inProcess.close();
                        s.inProcess = null;
                    } else {
                        strays.add(new int[] {s.pid, s.pidfd});
                    }
                    s.pid = 0;
                    s.pidfd = -1;
                    spawnChild(s);
                    then.run();
                });
            } else {
                spawnChild(s);
                then.run();
            }
        });
    }

    private void spawnChild(Service s) {
        boolean finishing = s.state == State.FINISH;
        List<String> argv;
        if (finishing) {
            int w = s.waitStatus;
            boolean crashed = (w & 0x7f) != 0;
            if (w == Service.UNKNOWN_STATUS) argv = List.of("./finish", "-1", "0"); // an adopted process that was not our child
            else argv = List.of("./finish", crashed ? "-1" : Integer.toString((w >> 8) & 0xff), Integer.toString(w & 0xff));
        } else {
            argv = List.of("./run");
        }
        int[] fds = {stdio[0], stdio[1], stdio[2]};
        String fdFailure = null;
        if (log != null) {
            if (s.isLog) {
                fds[0] = logRead;
                if (logRead < 0) fdFailure = "unable to setup filedescriptor for ./log/run";
            } else {
                fds[1] = logWrite;
                if (logWrite < 0) fdFailure = "unable to setup filedescriptor for ./run";
            }
        }
        int pid = 0;
        if (fdFailure == null && s.isLog && !finishing && startInProcess(s)) return;
        if (fdFailure != null) {
            if (!s.statusWritten) writeSetUpStatus(s); // down until the failed child is reaped, as before start()
            childFatal(fdFailure + ": " + Errno.text(Errno.EBADF));
            s.execFailed = true;
        } else {
            try {
                int[] childFds = finishing ? fds : s.extras.beforeRun(fds, this::warn);
                pid = Posix.spawn(new Posix.Spawn(argv.get(0), argv, null, s.dir.toString(), childFds, false, false, false));
            } catch (ErrnoException e) {
                if (isForkFailure(e)) {
                    warn("unable to fork, sleeping: " + e.text());
                    steps.addFirst(() -> spawnChild(s));
                    sleep(5 * SECOND);
                    return;
                }
                if (!s.statusWritten) writeSetUpStatus(s); // down until the failed child is reaped, as before start()
                childFatal((s.isLog ? "unable to start log/" : "unable to start ") + argv.get(0) + ": " + e.text());
                s.execFailed = true;
            }
        }
        if (finishing) s.extras.afterFinish(pid);
        else s.extras.afterRun(pid, this::warn);
        if (!finishing) {
            s.markStart();
            s.state = State.RUN;
        }
        s.pid = pid;
        pidChanged = true;
        s.paused = false;
        s.termSent = false;
        if (pid != 0) {
            try {
                s.pidfd = Posix.pidfdOpen(pid);
            } catch (ErrnoException e) {
                // without a pidfd the exit is still found by the next reap (any wake-up)
                s.pidfd = -1;
            }
            writeStatus(s);
        }
    }

    /**
     * Runs the log service in this JVM if {@code log/run} is one of the forms {@link LogRunScript}
     * recognises and this process can give it the rights the script would have had; false to spawn it.
     */
    private boolean startInProcess(Service s) {
        LogRunScript.Plan plan = LogRunScript.forLogService(s.dir);
        if (plan == null) return false;
        if (plan.account() != null && Posix.geteuid() != 0) return false; // only root can become the script's user
        InProcessLogger logger;
        try {
            logger = InProcessLogger.start(plan, s.dir, logRead, name, stdioStream(1), stdioStream(2));
        } catch (ErrnoException e) {
            return false; // out of descriptors: the spawn reports it as runit would
        }
        s.extras.inProcessRun(this::warn);
        if (pipeHolder != null && !pipeHeld) {
            pipeHolder.hold(dir, logRead);
            pipeHeld = true;
        }
        s.markStart();
        s.state = State.RUN;
        s.inProcess = logger;
        // the record needs a pid, never 0 (sv would print "run" without one, and kill 0 hits a whole group):
        // the process that hosts the logger
        s.pid = Posix.getpid();
        s.pidfd = logger.doneFd();
        pidChanged = true;
        s.paused = false;
        s.termSent = false;
        writeStatus(s);
        return true;
    }

    /** runsv's own descriptor 1 or 2 as a stream for an in-process child (nothing if it was closed). */
    private OutputStream stdioStream(int fd) {
        if (stdio[fd] < 0) return OutputStream.nullOutputStream();
        return new FileOutputStream(fd == 1 ? FileDescriptor.out : FileDescriptor.err);
    }

    private static boolean isForkFailure(ErrnoException e) {
        return e.errno() == Errno.EAGAIN || e.errno() == Errno.ENOMEM;
    }

    /** waitpid without blocking: the wait status, or null while the child runs. A child someone else reaped counts as exited 0. */
    private static Integer reap(int pid) {
        try {
            Posix.Exited e = Posix.waitpid(pid, Posix.WNOHANG);
            return e.pid() == 0 ? null : e.status();
        } catch (ErrnoException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ supervise/ files

    /**
     * runit's status write at set-up, for a service whose first iteration wrote none (not started, or
     * its start failed): as in runit, the main service's pid file is written (runit's one "pid changed"
     * flag starts set) and the log's is not (the main service's write has cleared the flag by then).
     */
    private void writeSetUpStatus(Service s) {
        SuperviseDirectory.writeStatus(s, !s.isLog, this::warn);
    }

    /** runit's update_status, with its one "pid changed" flag for both services. */
    private void writeStatus(Service s) {
        if (SuperviseDirectory.writeStatus(s, pidChanged, this::warn)) pidChanged = false;
    }

    // ------------------------------------------------------------------ messages and cleanup

    private void warn(String text) {
        warnLine(name, text);
    }

    private static void warnLine(String name, String text) {
        System.err.print("runsv " + name + ": warning: " + text + "\n");
    }

    /** What runit's forked child prints before it exits 111. */
    private void childFatal(String text) {
        System.err.print("runsv " + name + ": fatal: " + text + "\n");
    }

    private void closeAll() {
        if (log != null && log.inProcess != null) {
            // abandoned with its logger running: no supervisor would ever reap it; let it write what it has and end
            log.inProcess.signal(Posix.SIGTERM);
            log.inProcess.close();
            log.inProcess = null;
            log.pidfd = -1;
        }
        for (Service s : log == null ? List.of(main) : List.of(main, log)) {
            closeQuietly(s.controlRead);
            closeQuietly(s.controlWrite);
            closeQuietly(s.okFd);
            closeQuietly(s.pidfd);
            closeQuietly(s.lockFd);
            s.extras.close();
            s.controlRead = s.controlWrite = s.okFd = s.pidfd = s.lockFd = -1;
        }
        if (script != null) closeQuietly(script.pidfd());
        for (int[] stray : strays) closeQuietly(stray[1]);
        if (pipeHeld) pipeHolder.release(dir);
        pipeHeld = false;
        closeQuietly(logRead);
        closeQuietly(logWrite);
        logRead = logWrite = -1;
    }

    private static void closeQuietly(int fd) {
        if (fd < 0) return;
        try {
            Posix.close(fd);
        } catch (ErrnoException e) {
            // closing is best effort here
        }
    }

    /** A growable int array, so collecting descriptors for poll allocates little. */
    static final class IntList {
        private int[] a = new int[16];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        int size() {
            return n;
        }

        int get(int i) {
            return a[i];
        }

        void clear() {
            n = 0;
        }
    }
}
