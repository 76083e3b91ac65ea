package jrunit.runsv;

import jrunit.common.Account;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.svlogd.SvlogdEngine;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A log service whose {@code log/run} is one of the forms {@link LogRunScript} recognises, run in this
 * JVM instead of as an svlogd process: svlogd's engine on a platform thread of its own, reading the log
 * pipe the supervisor holds.
 *
 * <p>It behaves towards its supervisor as a child process would: it runs the script's preparation,
 * takes the script's user (on its own thread only, see {@link Posix#dropThreadCredentials}), runs until
 * svlogd would have exited, and then ends with a wait status. Its end is seen on {@link #doneFd()},
 * which becomes readable (end of file) then, as a pidfd does when a child exits; signals are
 * {@link #signal calls}. The thread never waits on the supervisor's loop, and the loop never waits on
 * it: a logger stuck on a full disk delays nobody else.
 */
final class InProcessLogger {
    /** svlogd's and chpst's "fatal" exit code. */
    private static final int FATAL = 111;
    /** Enough for the engine's small buffers; the default (1 MB or more) would be reserved per logger. */
    private static final long STACK_BYTES = 256 * 1024;
    private static final int SIGURG = 23, SIGWINCH = 28;

    private final Object lock = new Object();
    private final int doneRead;
    private int doneWrite;
    /** The engine once created; signals that come earlier are kept in {@link #pendingSignal}. */
    private SvlogdEngine engine;
    private int pendingSignal;
    private boolean paused;
    /** The signal that ended it "by force" (KILL and signals svlogd does not catch), or 0. */
    private volatile int killedBy;
    /** The wait status once it has ended; -1 before. */
    private volatile int waitStatus = -1;

    private InProcessLogger(int doneRead, int doneWrite) {
        this.doneRead = doneRead;
        this.doneWrite = doneWrite;
    }

    /**
     * Starts it: a thread that prepares what the script prepares, becomes the script's user, and runs
     * svlogd's engine on a descriptor of its own for the log pipe's read end.
     *
     * @param plan    what {@code log/run} says
     * @param logDir  the log service's directory (where the script would run); may be a /proc/PID/fd path
     * @param logRead the read end of the log pipe (duplicated: the supervisor may close its own at any time)
     * @param name    the service's name, for the thread's name
     * @param stdout  the script's standard output (the supervisor's), where messages go after {@code exec 2>&1}
     * @param stderr  the script's standard error (the supervisor's)
     * @throws ErrnoException if the pipe or the duplicate cannot be made (the caller treats it as a failed spawn)
     */
    static InProcessLogger start(LogRunScript.Plan plan, Path logDir, int logRead, String name, OutputStream stdout,
                                 OutputStream stderr) throws ErrnoException {
        int[] done = Posix.pipe(Posix.O_CLOEXEC);
        int input;
        try {
            input = Posix.fcntl(logRead, Posix.F_DUPFD_CLOEXEC, 3);
        } catch (ErrnoException e) {
            closeQuietly(done[0]);
            closeQuietly(done[1]);
            throw e;
        }
        InProcessLogger logger = new InProcessLogger(done[0], done[1]);
        Thread.ofPlatform().name("log " + name).daemon().stackSize(STACK_BYTES).start(() -> logger.run(plan, logDir, input, stdout, stderr));
        return logger;
    }

    /** Becomes readable (end of file) once the logger has ended; poll it as a child's pidfd. */
    int doneFd() {
        return doneRead;
    }

    /** The wait status as a child's would read (exit code << 8, or the signal), or null while it runs. */
    Integer exitStatus() {
        int w = waitStatus;
        return w < 0 ? null : w;
    }

    /**
     * What the signal would do to svlogd: TERM, HUP, ALRM as svlogd's handlers; STOP and CONT pause and
     * resume reading (the pipe fills and the service blocks, as with a stopped svlogd); KILL and the
     * signals svlogd does not catch end it at once, writing what it has already read.
     */
    void signal(int sig) {
        synchronized (lock) {
            if (engine == null) {
                if (sig == Posix.SIGCONT) paused = false;
                else if (sig == Posix.SIGSTOP) paused = true;
                else if (pendingSignal == 0 || isFatal(sig)) pendingSignal = sig;
                return;
            }
        }
        deliver(engine, sig);
    }

    private void deliver(SvlogdEngine e, int sig) {
        switch (sig) {
            case Posix.SIGTERM -> e.terminate();
            case Posix.SIGHUP -> e.hangup();
            case Posix.SIGALRM -> e.alarm();
            case Posix.SIGSTOP -> e.pause();
            case Posix.SIGCONT -> e.resume();
            default -> {
                if (isFatal(sig)) {
                    killedBy = sig;
                    e.kill();
                }
            }
        }
    }

    /** Signals whose default action ends a process (svlogd catches only TERM, HUP, ALRM, CHLD). */
    private static boolean isFatal(int sig) {
        return switch (sig) {
            case Posix.SIGTERM, Posix.SIGHUP, Posix.SIGALRM, Posix.SIGSTOP, Posix.SIGCONT, Posix.SIGCHLD,
                 SIGURG, SIGWINCH -> false; // ignored by default
            default -> sig > 0 && sig < 32;
        };
    }

    /** Closes what is left once it has ended (the supervisor calls this after reaping it). */
    void close() {
        closeQuietly(doneRead);
    }

    // ------------------------------------------------------------------ the logger's thread

    private void run(LogRunScript.Plan plan, Path logDir, int input, OutputStream stdout, OutputStream stderr) {
        OutputStream err = plan.stderrToStdout() ? stdout : stderr;
        int status;
        try {
            status = runScript(plan, logDir, input, stdout, stderr, err);
        } catch (RuntimeException | Error e) {
            // the engine failed: this logger ends as svlogd would on an internal error; others go on
            message(err, "svlogd: fatal: internal error: " + e + "\n");
            if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
                end(input, FATAL << 8);
                throw vme;
            }
            status = FATAL << 8;
        }
        end(input, status);
    }

    private int runScript(LogRunScript.Plan plan, Path logDir, int input, OutputStream stdout, OutputStream stderr,
                          OutputStream err) {
        int prepared = LogRunScript.prepare(plan, logDir, stdout, stderr);
        if (prepared != 0) return prepared << 8;
        // a thread that drops to another user can no longer reach a root process's /proc/PID/fd paths
        Path workingDir = realPath(logDir);
        if (plan.account() != null) {
            Account account;
            try {
                account = plan.account().resolve();
            } catch (Account.Failure f) {
                message(err, "chpst: fatal: " + f.getMessage() + "\n");
                return FATAL << 8;
            }
            try {
                Posix.dropThreadCredentials(account.uid(), account.gids());
            } catch (ErrnoException e) {
                message(err, "chpst: fatal: unable to set user: " + e.text() + "\n");
                return FATAL << 8;
            }
        }
        SvlogdEngine e;
        try {
            e = SvlogdEngine.create(plan.svlogdArgs(), workingDir, err, SvlogdEngine.HOSTED_BUFFER);
        } catch (SvlogdEngine.UsageException u) {
            message(err, u.text("svlogd"));
            return FATAL << 8;
        }
        int pending;
        boolean pausedBefore;
        synchronized (lock) {
            engine = e;
            pending = pendingSignal;
            pausedBefore = paused;
        }
        // the host may be killed between a read and its write: the pipe outlives it (PipeHolder), so
        // what was read stays in the pipe until written, for the next host to log
        e.keepInputUntilWritten();
        if (pausedBefore) e.pause();
        if (pending != 0) deliver(e, pending);
        int code = e.run(input);
        int sig = killedBy;
        return sig != 0 ? sig : (code & 0xff) << 8;
    }

    private void end(int input, int status) {
        closeQuietly(input);
        waitStatus = status;
        int fd;
        synchronized (lock) {
            fd = doneWrite;
            doneWrite = -1;
        }
        closeQuietly(fd); // the supervisor's poll sees end of file: it reaps this "child"
    }

    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir; // the engine reports what is wrong with it, as svlogd would
        }
    }

    private static void message(OutputStream err, String text) {
        try {
            err.write(text.getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            // stderr is gone: nothing left to tell
        }
    }

    private static void closeQuietly(int fd) {
        if (fd < 0) return;
        try {
            Posix.close(fd);
        } catch (ErrnoException e) {
            // closing is best effort here
        }
    }
}
