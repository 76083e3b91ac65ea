package jrunit.runsv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.Tai64n;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/**
 * What a supervisor does for one service beyond runit, driven by the {@link ServiceOptions} read at each
 * start of {@code ./run}: the readiness pipe and {@code supervise/ready}, the down signal, and the
 * timeout-kill and timeout-finish deadlines. With none of the option files present it does nothing, and
 * the supervisor behaves exactly as runit's runsv.
 *
 * <p>Readiness: with {@code notification-fd} N, {@code ./run} starts with the write end of a pipe as
 * descriptor N; the supervisor polls the read end, and the first newline read makes the service ready:
 * {@code supervise/ready} then holds the 12-byte TAI64N label of that moment. {@code supervise/ready} is
 * <ul>
 * <li>absent when the current run was started without a notification descriptor (readiness is then
 *     runit's "up": state run with a pid);</li>
 * <li>empty while a run started with one has not written its newline yet, and after it ends;</li>
 * <li>12 bytes (like the first 12 of {@code supervise/status}) once that run is ready.</li>
 * </ul>
 * It is replaced by rename ({@code ready.new}), emptied before the status that says the service ended is
 * written, written (empty) before the status that says a new run started, removed at set-up (a stale one
 * left by a supervisor that was killed) and when the supervisor exits. End of file on the pipe without a
 * newline leaves the service not ready; the pipe is closed once ready or when the run ends.
 *
 * <p>Deadlines are timers the event loop honours ({@link #deadline()}): the supervisor never blocks on them.
 * All methods run on the supervisor's (loop's) thread.
 */
final class ServiceExtras {
    private static final long MILLI = 1_000_000L;

    /** The service directory (DIR or DIR/log). */
    private final Path dir;
    /** How option files and programs are named in warnings: "" or "log/". */
    private final String prefix;
    private ServiceOptions options = ServiceOptions.RUNIT;

    /** Read end of the current run's notification pipe, -1 when none; the write end lives only until the spawn. */
    private int notifyRead = -1, notifyWrite = -1;
    /** What supervise/ready holds as far as we know: null absent, empty array empty, else the label. */
    private byte[] readyContent;

    /** Monotonic time to send KILL to {@link #killPid}; 0 when not armed. */
    private long killAt;
    private int killPid;
    /** Monotonic time to send KILL to the running ./finish {@link #finishPid}; 0 when not armed. */
    private long finishKillAt;
    private int finishPid;

    ServiceExtras(Path dir, boolean isLog) {
        this.dir = dir;
        this.prefix = isLog ? "log/" : "";
    }

    /** The options the current (or last) run was started with. */
    ServiceOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ set-up and exit

    /** At set-up, with supervise/lock held: a ready file left by a supervisor that was killed is stale. */
    void removeStaleReadyFile(Consumer<String> warn) {
        readyContent = new byte[0]; // unknown: make removeReadyFile look
        removeReadyFile(warn);
    }

    /**
     * At set-up, for a run adopted from a supervisor that was killed: the ready file it left stays if it
     * says this run became ready (a 12-byte label not before the run's start); anything else goes, which
     * means "ready when running" (the run's notification pipe died with that supervisor).
     */
    void keepReadyFileOfAdoptedRun(jrunit.common.Tai64n since, Consumer<String> warn) {
        try {
            byte[] label = Files.readAllBytes(readyFile());
            if (label.length == 12 && !jrunit.common.Tai64n.unpack(label, 0).toInstant().isBefore(since.toInstant())) {
                readyContent = label;
                return;
            }
        } catch (IOException | RuntimeException e) {
            // absent or unreadable: removed below
        }
        removeStaleReadyFile(warn);
    }

    /** When the supervisor exits: leave nothing that a supervisor knowing nothing of readiness would keep stale. */
    void removeReadyFile(Consumer<String> warn) {
        if (readyContent == null) return;
        try {
            Files.deleteIfExists(readyFile());
            readyContent = null;
        } catch (IOException e) {
            warn.accept("unable to remove " + prefix + "supervise/ready: " + Errno.text(e));
        }
    }

    /** Releases the notification pipe (the supervisor finishes or is abandoned). */
    void close() {
        closeNotification();
    }

    // ------------------------------------------------------------------ starting ./run and ./finish

    /**
     * Before {@code ./run} is spawned: reads the option files (warning through {@code warn} about any it
     * ignores) and, with {@code notification-fd}, creates the pipe. Returns the descriptors the child gets:
     * {@code stdio} as is, or extended to N+1 with the pipe's write end as N and nothing in between.
     */
    int[] beforeRun(int[] stdio, Consumer<String> warn) {
        closeNotification(); // a run replaced without being reaped (k, then u) leaves its pipe behind
        options = ServiceOptions.read(dir, prefix, warn);
        int n = options.notificationFd();
        if (n < 0) return stdio;
        try {
            int[] p = Posix.pipe(Posix.O_CLOEXEC);
            notifyRead = p[0];
            notifyWrite = p[1];
            Posix.setNonBlocking(notifyRead, true);
        } catch (ErrnoException e) {
            warn.accept("unable to create notification pipe for " + prefix + "./run: " + e.text());
            closeNotification();
            return stdio;
        }
        int[] fds = new int[n + 1];
        java.util.Arrays.fill(fds, -1);
        System.arraycopy(stdio, 0, fds, 0, 3);
        fds[n] = notifyWrite;
        return fds;
    }

    /**
     * After the spawn of {@code ./run} (pid 0 if it failed), before its status is written: the parent's
     * write end goes, and supervise/ready says "not ready yet" (notification) or goes (none).
     */
    void afterRun(int pid, Consumer<String> warn) {
        closeQuietly(notifyWrite);
        notifyWrite = -1;
        killAt = 0;
        finishKillAt = 0;
        if (pid == 0) {
            closeNotification();
            return;
        }
        if (notifyRead >= 0) writeReadyFile(new byte[0], warn);
        else removeReadyFile(warn);
    }

    /**
     * Instead of {@link #beforeRun}/{@link #afterRun} for a log service run in this JVM: its options apply
     * (down-signal), but it has no descriptor to notify through, so ready means up, as without
     * {@code notification-fd}; its timeout-kill ends it through the supervisor's kill.
     */
    void inProcessRun(Consumer<String> warn) {
        closeNotification();
        options = ServiceOptions.read(dir, prefix, warn);
        killAt = 0;
        finishKillAt = 0;
        removeReadyFile(warn);
    }

    /** After the spawn of {@code ./finish}: arms timeout-finish. */
    void afterFinish(int pid) {
        if (pid == 0 || options.timeoutFinishMillis() == 0) return;
        finishPid = pid;
        finishKillAt = nonZero(System.nanoTime() + options.timeoutFinishMillis() * MILLI);
    }

    // ------------------------------------------------------------------ stopping

    /** The signal the stop sequence sends instead of TERM. */
    int downSignal() {
        return options.downSignal();
    }

    /** The stop sequence has asked {@code pid} to stop (down signal, or control/t): arms timeout-kill. */
    void stopRequested(int pid) {
        if (pid == 0 || options.timeoutKillMillis() == 0 || (killAt != 0 && killPid == pid)) return;
        killPid = pid;
        killAt = nonZero(System.nanoTime() + options.timeoutKillMillis() * MILLI);
    }

    /**
     * A child of this service was reaped (./run or ./finish), before the status saying so is written:
     * its deadlines go, and so do the run's readiness and pipe.
     */
    void childGone(Consumer<String> warn) {
        killAt = 0;
        finishKillAt = 0;
        closeNotification();
        if (readyContent != null && readyContent.length > 0) writeReadyFile(new byte[0], warn);
    }

    /** s6's convention: {@code ./finish} exiting 125 means "do not restart" (as if {@code sv once} had been given). */
    static boolean finishSaysPermanent(int waitStatus) {
        return (waitStatus & 0x7f) == 0 && ((waitStatus >> 8) & 0xff) == 125;
    }

    // ------------------------------------------------------------------ what the loop drives

    /** The read end of the notification pipe, to be polled, or -1. */
    int watchedFd() {
        return notifyRead;
    }

    /** The earliest timer, monotonic; Long.MAX_VALUE when none is armed. */
    long deadline() {
        long d = Long.MAX_VALUE;
        if (killAt != 0) d = killAt;
        if (finishKillAt != 0 && (d == Long.MAX_VALUE || finishKillAt - d < 0)) d = finishKillAt;
        return d;
    }

    /**
     * On every wake of the supervisor: KILLs the run through {@code killRun} for a deadline that has passed
     * (only if {@code currentPid}, the service's pid now, is the one the deadline was armed for), KILLs a
     * finish past its own, and reads the pipe.
     */
    void wake(int currentPid, Runnable killRun, Consumer<String> warn) {
        long now = System.nanoTime();
        if (killAt != 0 && now - killAt >= 0) {
            killAt = 0;
            if (currentPid == killPid) {
                warn.accept(prefix + "./run still running " + options.timeoutKillMillis()
                        + " ms after the down signal (timeout-kill): sending KILL");
                killRun.run(); // the supervisor's kill: an in-process logger is ended by a call, not a signal
            }
        }
        if (finishKillAt != 0 && now - finishKillAt >= 0) {
            finishKillAt = 0;
            if (currentPid == finishPid) {
                warn.accept("./finish still running after " + options.timeoutFinishMillis()
                        + " ms (timeout-finish): sending KILL");
                kill(finishPid);
            }
        }
        if (notifyRead >= 0) readNotification(warn);
    }

    private void readNotification(Consumer<String> warn) {
        byte[] buf = new byte[4096];
        while (notifyRead >= 0) {
            int n;
            try {
                n = Posix.read(notifyRead, buf, 0, buf.length);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EAGAIN) closeNotification();
                return;
            }
            if (n <= 0) { // end of file: the run closed it without saying it is ready
                closeNotification();
                return;
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    closeNotification();
                    byte[] label = new byte[12];
                    Tai64n.now().pack(label, 0);
                    writeReadyFile(label, warn);
                    return;
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private Path readyFile() {
        return dir.resolve("supervise/ready");
    }

    /** supervise/ready via ready.new and rename, as runsv writes its other files. */
    private void writeReadyFile(byte[] content, Consumer<String> warn) {
        Path tmp = dir.resolve("supervise/ready.new");
        String shown = prefix + "supervise/ready.new";
        int fd;
        try {
            fd = Posix.open(tmp.toString(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_TRUNC | Posix.O_CREAT | Posix.O_CLOEXEC, 0644);
        } catch (ErrnoException e) {
            warn.accept("unable to open " + shown + ": " + e.text());
            return;
        }
        try {
            if (content.length > 0 && Posix.write(fd, content, 0, content.length) != content.length) {
                warn.accept("unable to write " + shown + ": partial write.");
                return;
            }
        } catch (ErrnoException e) {
            warn.accept("unable to write " + shown + ": " + e.text());
            return;
        } finally {
            closeQuietly(fd);
        }
        try {
            Files.move(tmp, readyFile(), StandardCopyOption.ATOMIC_MOVE);
            readyContent = content;
        } catch (IOException e) {
            warn.accept("unable to rename " + shown + " to " + prefix + "supervise/ready: " + Errno.text(e));
        }
    }

    private void closeNotification() {
        closeQuietly(notifyRead);
        closeQuietly(notifyWrite);
        notifyRead = notifyWrite = -1;
    }

    private static void kill(int pid) {
        // an in-process logger's record shows the hosting process: never KILL ourselves
        if (pid <= 0 || pid == Posix.getpid()) return;
        try {
            Posix.kill(pid, Posix.SIGKILL);
        } catch (ErrnoException e) {
            // gone meanwhile: it is reaped as usual
        }
    }

    private static long nonZero(long t) {
        return t == 0 ? 1 : t;
    }

    private static void closeQuietly(int fd) {
        if (fd < 0) return;
        try {
            Posix.close(fd);
        } catch (ErrnoException e) {
            // best effort
        }
    }
}
