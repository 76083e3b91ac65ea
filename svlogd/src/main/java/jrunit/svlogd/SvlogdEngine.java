package jrunit.svlogd;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * svlogd's engine, driven by calls: the {@code svlogd} program is a thin main around it, and a host
 * (runsv) runs one per logger on a thread of its own, in its own JVM, on the log pipe it holds.
 *
 * <p>{@link #run} is runit's loop: between reads it writes what is buffered, applies ALRM (rotate),
 * TERM (take what is already in the pipe of the current line, write it, stop), HUP (close, re-read
 * config, reopen) and {@code t} timeouts, and reaps processors; it waits with poll on the input, a
 * self-pipe the calls write to, and the processors' pidfds. Input is read in large batches; every
 * complete line of a batch is written before the next wait.
 *
 * <p>An engine has no process-wide effect of its own (no signal handlers, no descriptor flags, no
 * exit, no process title, no static state), so any number of them can run in one JVM.
 */
public final class SvlogdEngine {
    /** Input read size and per-directory write batch of the svlogd program (throughput). */
    public static final int PROGRAM_BUFFER = 256 * 1024;
    /** What a host running many loggers in one JVM uses: ~100 loggers must fit a small heap. */
    public static final int HOSTED_BUFFER = 16 * 1024;

    /**
     * svlogd refused its command line: {@link #message} (may be null) is what svlogd prints as
     * "svlogd: MESSAGE" before "usage: ARGV0 [-ttv] ...", {@link #version} true for -V (prints the
     * version line first); exit 111.
     */
    public static final class UsageException extends Exception {
        private final String message;
        private final boolean version;

        UsageException(String message, boolean version) {
            super(message == null ? "usage" : message);
            this.message = message;
            this.version = version;
        }

        public String message() {
            return message;
        }

        public boolean version() {
            return version;
        }

        /** The whole text svlogd prints to stderr for this refusal, given argv0. */
        public String text(String argv0) {
            StringBuilder sb = new StringBuilder();
            if (version) sb.append(Options.VERSION).append('\n');
            if (message != null) sb.append(argv0.substring(argv0.lastIndexOf('/') + 1)).append(": ").append(message).append('\n');
            return sb.append("usage: ").append(argv0).append(Options.USAGE).append("\n\n").toString();
        }
    }

    private final Options options;
    private final Path workingDir;
    private final Diagnostics diag;
    private final int bufferSize;

    // the calls: set by any thread, acted on by run() between reads (where runit lets its signals in)
    private final AtomicBoolean term = new AtomicBoolean();
    private final AtomicBoolean hup = new AtomicBoolean();
    private final AtomicBoolean alarm = new AtomicBoolean();
    private volatile boolean killed;
    private volatile boolean paused;
    /** Created by run(); a call before it only sets its flag, which run() reads before its first wait. */
    private volatile Wakeup wakeup;
    private final AtomicBoolean ran = new AtomicBoolean();

    // run()'s own state, touched by its thread only
    private LogDirectory[] dirs;
    private LineProcessor lines;
    /** Processors forgotten at a HUP, still to be reaped: {pid, pidfd}. */
    private final List<int[]> forgotten = new ArrayList<>();
    /** {@link #keepInputUntilWritten}: asked for, then the private pipe input is copied through (-1 if none). */
    private boolean keepInput;
    private int copyRead = -1, copyWrite = -1;
    /** Bytes read (copied) from the input and not yet consumed from it. */
    private int unconsumed;
    private byte[] consumeBuffer;
    private int[] pollFds = new int[0];
    private short[] pollEvents = new short[0];
    private short[] pollRevents = new short[0];

    private SvlogdEngine(Options options, Path workingDir, OutputStream stderr, int bufferSize) {
        this.options = options;
        this.workingDir = workingDir;
        this.diag = new Diagnostics(stderr, options.verbose());
        this.bufferSize = bufferSize;
    }

    /**
     * Parses svlogd's command line. Log directory operands are names as given (messages use them as
     * given, e.g. "./main"); relative ones are resolved against {@code workingDir} for every file
     * operation and as processors' cwd. Diagnostics (warnings, pausing, -v info, 'e' pattern copies)
     * go to {@code stderr}. {@code bufferSize}: {@link #PROGRAM_BUFFER} or {@link #HOSTED_BUFFER} (read
     * size and write batch). Allocates nothing large until {@link #run}.
     */
    public static SvlogdEngine create(List<String> args, Path workingDir, OutputStream stderr, int bufferSize)
            throws UsageException {
        if (bufferSize <= 0) throw new IllegalArgumentException("bufferSize " + bufferSize);
        Options o;
        try {
            o = Options.parse(args.toArray(String[]::new));
        } catch (Options.Usage u) {
            throw new UsageException(u.message, u.version);
        }
        return new SvlogdEngine(o, workingDir.toAbsolutePath(), stderr, bufferSize);
    }

    /** Where the program prints its own last words (out of memory) after {@link #run} failed. */
    Diagnostics diagnostics() {
        return diag;
    }

    // ------------------------------------------------------------------ calls from any thread

    /** SIGHUP: close, re-read config, reopen. Any thread; returns at once. */
    public void hangup() {
        raise(hup);
    }

    /** SIGALRM: rotate every directory. Any thread; returns at once. */
    public void alarm() {
        raise(alarm);
    }

    /** SIGTERM: take what is already in the pipe of the current line, write everything, stop. Any thread. */
    public void terminate() {
        raise(term);
    }

    /**
     * As SIGKILL would, but losing nothing already read: stop reading at once, write every byte
     * already read (a partial line too, with a newline as at TERM), close the directories (current
     * 0744, as a clean close) without waiting for the rest of the line or for running processors
     * (they are forgotten: reaped here only if already gone). run() then returns 0. Any thread.
     */
    public void kill() {
        killed = true;
        wake();
    }

    /** SIGSTOP: run() reads nothing and does nothing until {@link #resume} or {@link #kill}. Any thread. */
    public void pause() {
        paused = true;
        wake();
    }

    /** SIGCONT: calls made while paused (TERM, HUP, ALRM) take effect now. Any thread. */
    public void resume() {
        paused = false;
        wake();
    }

    private void raise(AtomicBoolean flag) {
        flag.set(true);
        wake();
    }

    private void wake() {
        Wakeup w = wakeup;
        if (w != null) w.wake();
    }

    // ------------------------------------------------------------------ the loop

    /**
     * Runs svlogd's loop on the calling thread until end of input on {@code inputFd}, or
     * terminate()/kill(); returns svlogd's exit code: 0, or 111 after printing "svlogd: fatal: ...".
     * {@code inputFd < 0} means no standard input. The descriptor is polled, then read; it is neither
     * closed nor changed. Processors are spawned and reaped from this thread. A RuntimeException
     * propagates (descriptors and locks released, {@code current} left unfinished as a crash leaves
     * it). Call once.
     */
    /**
     * Leaves what is read in the input pipe until it is written: each read copies the pipe's head (tee(2))
     * and takes the copy; once the lines are written to the log directories it is consumed. Whoever reads
     * the pipe next, after this engine's process was killed between a read and its write, finds those bytes
     * still there (a kill after the write and before the consumption, a few system calls later, has them
     * logged twice). A line that is not complete yet is consumed with its read, as without this. Call before
     * {@link #run}; if the input is not a pipe, it is read as usual.
     */
    public void keepInputUntilWritten() {
        keepInput = true;
    }

    public int run(int inputFd) {
        if (!ran.compareAndSet(false, true)) throw new IllegalStateException("run() called twice");
        if (keepInput) {
            try {
                int[] p = Posix.pipe(Posix.O_CLOEXEC | Posix.O_NONBLOCK);
                copyRead = p[0];
                copyWrite = p[1];
            } catch (ErrnoException e) {
                keepInput = false; // out of descriptors: read as usual
            }
        }
        try {
            return runLoop(inputFd);
        } finally {
            closeCopyPipe();
        }
    }

    private void closeCopyPipe() {
        for (int fd : new int[] {copyRead, copyWrite}) {
            if (fd < 0) continue;
            try {
                Posix.close(fd);
            } catch (ErrnoException ignored) {
                // best effort
            }
        }
        copyRead = copyWrite = -1;
    }

    private int runLoop(int inputFd) {
        dirs = new LogDirectory[options.dirs().size()];
        for (int i = 0; i < dirs.length; i++) {
            dirs[i] = new LogDirectory(options.dirs().get(i), workingDir, diag, options.lineMax(), bufferSize);
        }
        UdpSender udp = new UdpSender();
        lines = new LineProcessor(options, diag, udp, dirs);
        Wakeup w;
        try {
            w = new Wakeup();
        } catch (ErrnoException e) {
            diag.fatal(e.getMessage());
            return 111;
        }
        wakeup = w;
        boolean done = false;
        try {
            int code = loop(inputFd);
            done = true;
            return code;
        } catch (Fatal f) {
            done = true;
            diag.fatal(f.getMessage());
            return 111;
        } finally {
            for (LogDirectory d : dirs) {
                forget(d);
                if (!done) d.release();
            }
            reapForgotten(true);
            wakeup = null;
            w.close();
            udp.close();
        }
    }

    /** "no functional log directories.": printed as svlogd's fatal message, exit 111. */
    private static final class Fatal extends Exception {
        Fatal(String message) {
            super(message);
        }
    }

    private int loop(int in) throws Fatal {
        reopen();
        if ((long) options.lineMax() + bufferSize > Integer.MAX_VALUE - 8) throw new OutOfMemoryError("line length");
        buf = new byte[options.lineMax() + bufferSize];
        end = 0;
        termNoticed = false;
        // One call per wake-up (a line, at a line a time): the body is a method of its own so that the JIT
        // compiles it after a few hundred lines; as a loop body it ran interpreted for good (a loop that turns
        // once per line never reaches the back-edge count that compiles a running method).
        while (step(in)) {
            // next wake-up
        }
        // kill() stops at once; the rest also ends here: what is read of a line is written with a newline
        lines.finish(buf, 0, end);
        flushAll();
        consume(in);
        for (LogDirectory d : dirs) {
            if (!killed) awaitProcessor(d);
            forget(d);
            d.close();
        }
        return 0;
    }

    // loop()'s state between steps: buf[0..end) is an incomplete line kept from the last read
    private byte[] buf;
    private int end;
    private boolean termNoticed;

    /** One turn of the loop: the calls, then a wait and a read; false once the input is done (or TERM/kill ends it). */
    private boolean step(int in) throws Fatal {
        flushAll();
        consume(in);
        if (killed) return false;
        if (paused) {
            awaitResume();
            return true;
        }
        if (alarm.getAndSet(false)) {
            diag.info("sigalarm received.");
            for (LogDirectory d : dirs) d.rotate();
            flushAll();
        }
        int want = buf.length - end;
        if (term.get()) {
            if (!termNoticed) diag.info("sigterm received.");
            termNoticed = true;
            if (!lines.lineInProgress(end)) return false;
            // take what is already there of the line, one byte at a time so that nothing of
            // the next line is consumed; what is not there yet is not waited for (below)
            want = 1;
        }
        if (hup.getAndSet(false)) {
            diag.info("sighangup received.");
            reopen();
        }
        long timeout = rotateByTime();
        reapProcessors();

        // no input: straight to the read, which reports it; TERM: only what is there already
        if (in >= 0 && !await(in, termNoticed ? 0 : timeout)) {
            return !termNoticed || killed || paused; // a call or a timeout: see to it above; TERM: the rest of the line is not there
        }
        int n = read(in, buf, end, want);
        if (n > 0) {
            Instant now = Instant.now();
            lines.stamp(now.getEpochSecond(), now.getNano() / 1000);
            int total = end + n;
            int kept = lines.process(buf, 0, total);
            end = total - kept;
            if (end > 0 && kept > 0) System.arraycopy(buf, kept, buf, 0, end);
            return true;
        }
        // nothing after all (O_NONBLOCK set by someone, EINTR): go on; end of input, or TERM with the rest of the
        // line not (yet) there: stop, and log what we have with a newline rather than lose it (runit 2.1.2 drops
        // it in both cases)
        return n == 0 && !termNoticed;
    }

    /** One read of up to {@code want} bytes into {@code buf[at..)}: the count, 0 for nothing this time, -1 for the end. */
    private int read(int in, byte[] buf, int at, int want) {
        try {
            if (in < 0) throw new ErrnoException("read", Errno.EBADF);
            if (copyRead >= 0 && unconsumed == 0) {
                int n;
                try {
                    n = Posix.tee(in, copyWrite, want, true);
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EINVAL) throw e;
                    closeCopyPipe(); // not a pipe: read it as usual
                    return read(in, buf, at, want);
                }
                if (n == 0) return -1;
                for (int got = 0; got < n; ) got += Posix.read(copyRead, buf, at + got, n - got);
                unconsumed = n;
                return n;
            }
            int n = Posix.read(in, buf, at, want);
            return n == 0 ? -1 : n;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN || e.errno() == Errno.EINTR) return 0;
            diag.warning("unable to read standard input", e.errno());
            return -1;
        }
    }

    /** Takes from the input what was read from it and is now written ({@link #keepInputUntilWritten}). */
    private void consume(int in) {
        if (unconsumed == 0) return;
        if (consumeBuffer == null) consumeBuffer = new byte[Math.min(unconsumed, 64 * 1024)];
        try {
            while (unconsumed > 0) {
                int n = Posix.read(in, consumeBuffer, 0, Math.min(unconsumed, consumeBuffer.length));
                if (n <= 0) break;
                unconsumed -= n;
            }
        } catch (ErrnoException e) {
            // gone (EBADF) or nothing there (EAGAIN): the next read reports it
        }
        unconsumed = 0;
    }

    private void flushAll() {
        diag.flushCopies();
        for (LogDirectory d : dirs) {
            if (d.isOpen()) d.flush();
        }
    }

    /** HUP and start-up: close every directory, then open each by name again. */
    private void reopen() throws Fatal {
        long now = System.nanoTime();
        boolean ok = false;
        for (LogDirectory d : dirs) {
            int[] p = d.forgetProcessor();
            if (p != null) forgotten.add(p);
            d.close();
            if (d.open(now)) ok = true;
        }
        if (!ok) throw new Fatal("no functional log directories.");
    }

    /** Rotates the directories whose {@code t} time has come; returns the poll timeout until the next one (-1: none). */
    private long rotateByTime() {
        long next = Long.MAX_VALUE;
        long now = System.nanoTime();
        for (LogDirectory d : dirs) {
            if (!d.isOpen() || d.config.tMax <= 0) continue;
            if (now - d.rotateDeadline > 0) {
                d.rotate();
                d.flush();
                now = System.nanoTime();
            }
            next = Math.min(next, d.rotateDeadline - now);
        }
        if (next == Long.MAX_VALUE) return -1;
        return Math.max(0, next / 1_000_000 + 1);
    }

    private void reapProcessors() {
        for (LogDirectory d : dirs) {
            if (d.processorRunning()) d.reapProcessor();
        }
        reapForgotten(false);
    }

    /** Reaps the forgotten processors that have exited; {@code all}: and lets go of the others' pidfds too. */
    private void reapForgotten(boolean all) {
        for (int i = forgotten.size() - 1; i >= 0; i--) {
            int[] p = forgotten.get(i);
            boolean gone = true;
            try {
                gone = Posix.waitpid(p[0], Posix.WNOHANG).pid() != 0;
            } catch (ErrnoException e) {
                // not our child any more
            }
            if (!gone && !all) continue;
            try {
                Posix.close(p[1]);
            } catch (ErrnoException ignored) {
                // closed either way
            }
            forgotten.remove(i);
        }
    }

    /** Moves the directory's running processor, if any, to {@link #forgotten}. */
    private void forget(LogDirectory d) {
        int[] p = d.forgetProcessor();
        if (p != null) forgotten.add(p);
    }

    /** At the end: waits for the directory's processor (restarted while it fails, as runit does) unless kill() comes. */
    private void awaitProcessor(LogDirectory d) {
        while (d.processorRunning() && !killed) {
            if (d.processorPidfd() < 0) {
                d.waitProcessor();
                continue;
            }
            poll(new int[] {d.processorPidfd(), wakeup.readFd()}, -1);
            if (pollRevents[1] != 0) wakeup.drain();
            if (pollRevents[0] != 0) d.waitProcessor(); // it has exited: this does not block
        }
    }

    /** While paused: nothing but waiting for a call. */
    private void awaitResume() {
        while (paused && !killed) {
            poll(new int[] {wakeup.readFd()}, -1);
            wakeup.drain();
        }
    }

    /**
     * Waits until the input is readable, a call came, a processor exited, or {@code timeout} ms
     * passed (-1: no limit); true if the input is readable (or at its end, or broken: the read tells).
     */
    private boolean await(int in, long timeout) {
        int n = 2;
        for (LogDirectory d : dirs) if (d.processorPidfd() >= 0) n++;
        n += forgotten.size();
        if (pollFds.length != n) pollFds = new int[n];
        int[] fds = pollFds;
        fds[0] = in;
        fds[1] = wakeup.readFd();
        int i = 2;
        for (LogDirectory d : dirs) if (d.processorPidfd() >= 0) fds[i++] = d.processorPidfd();
        for (int[] p : forgotten) fds[i++] = p[1];
        poll(fds, timeout);
        if (pollRevents[1] != 0) wakeup.drain();
        return pollRevents[0] != 0;
    }

    /** poll on {@code fds} for input; the result in {@link #pollRevents}. */
    private void poll(int[] fds, long timeout) {
        if (pollEvents.length != fds.length) {
            pollEvents = new short[fds.length];
            pollRevents = new short[fds.length];
            Arrays.fill(pollEvents, Posix.POLLIN);
        }
        try {
            Posix.poll(fds, pollEvents, pollRevents, (int) Math.min(timeout, Integer.MAX_VALUE));
        } catch (ErrnoException e) {
            Arrays.fill(pollRevents, (short) 0);
            diag.pausing("unable to poll", e.errno());
        }
    }
}
