package jrunit.svlogd;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.ProcessTitle;
import jrunit.common.ProgramName;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * svlogd: reads lines from stdin and appends them to rotated log directories, as runit's svlogd.
 *
 * <p>The event loop mirrors runit's: between reads it writes what is buffered, applies ALRM (rotate),
 * TERM (take what is already in the pipe of the current line, write it, exit), HUP (close, re-read config, reopen) and {@code t}
 * timeouts, and reaps processors; it waits for input with poll on stdin, a self-pipe the signal
 * handlers write to, and the processors' pidfds. Input is read in large batches; every complete
 * line of a batch is written before the next wait.
 */
public final class Svlogd {
    /** Bytes asked of stdin per read (a pipe gives at most its capacity, 64 KiB by default). */
    static final int READ = 256 * 1024;

    private final Options options;
    private final Diagnostics diag;
    private final LogDirectory[] dirs;
    private final LineProcessor lines;
    private final List<int[]> forgotten = new ArrayList<>();
    private final Signals signals;

    private Svlogd(Options options, Diagnostics diag, Signals signals) {
        this.options = options;
        this.diag = diag;
        this.signals = signals;
        this.dirs = new LogDirectory[options.dirs().size()];
        for (int i = 0; i < dirs.length; i++) dirs[i] = new LogDirectory(options.dirs().get(i), diag, options.lineMax());
        this.lines = new LineProcessor(options, diag, new UdpSender(), dirs);
    }

    /** "no functional log directories" and other start-up failures: message printed, exit 111. */
    static final class Fatal extends Exception {
        Fatal(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs svlogd; returns its exit code. */
    static int run(String[] args) {
        String argv0 = ProgramName.argv0("svlogd");
        Options o;
        try {
            o = Options.parse(args);
        } catch (Options.Usage u) {
            Diagnostics d = new Diagnostics(false);
            if (u.version) d.message(Options.VERSION);
            if (u.message != null) d.message(ProgramName.basename("svlogd") + ": " + u.message);
            d.message("usage: " + argv0 + Options.USAGE + "\n");
            return 111;
        }
        String[] title = new String[args.length + 1];
        title[0] = "svlogd";
        System.arraycopy(args, 0, title, 1, args.length);
        ProcessTitle.set("svlogd", title);
        Diagnostics diag = new Diagnostics(o.verbose());
        try {
            Signals signals = Signals.install(diag);
            return new Svlogd(o, diag, signals).loop();
        } catch (Fatal f) {
            diag.fatal(f.getMessage());
            return 111;
        } catch (OutOfMemoryError e) {
            diag.fatal("out of memory.");
            return 111;
        } catch (ErrnoException e) {
            diag.fatal(e.getMessage());
            return 111;
        }
    }

    private int loop() throws Fatal {
        boolean stdin = inheritedStdin();
        if (stdin) {
            try {
                Posix.setNonBlocking(0, true);
            } catch (ErrnoException e) {
                // runit ignores this too
            }
        }
        reopen();
        FileChannel in = new FileInputStream(FileDescriptor.in).getChannel();
        if ((long) options.lineMax() + READ > Integer.MAX_VALUE - 8) throw new OutOfMemoryError("line length");
        byte[] buf = new byte[options.lineMax() + READ];
        ByteBuffer window = ByteBuffer.wrap(buf);
        int end = 0; // buf[0..end) is an incomplete line kept from the last read
        boolean termNoticed = false;
        while (true) {
            flushAll();
            if (signals.alarm()) {
                diag.info("sigalarm received.");
                for (LogDirectory d : dirs) d.rotate();
                flushAll();
            }
            int want = buf.length - end;
            if (signals.terminated()) {
                if (!termNoticed) diag.info("sigterm received.");
                termNoticed = true;
                if (!lines.lineInProgress(end)) break;
                // take what is already there of the line, one byte at a time so that nothing of
                // the next line is consumed; what is not there yet is not waited for (below)
                want = 1;
            }
            if (signals.hangup()) {
                diag.info("sighangup received.");
                reopen();
            }
            long timeout = rotateByTime();
            reapProcessors();

            int n;
            try {
                if (!stdin) throw new ErrnoException("read", Errno.EBADF);
                window.limit(end + want).position(end);
                n = in.read(window);
            } catch (IOException e) {
                diag.warning("unable to read standard input", Errno.of(e));
                n = -1;
            }
            if (n > 0) {
                Instant now = Instant.now();
                lines.stamp(now.getEpochSecond(), now.getNano() / 1000);
                int total = end + n;
                int kept = lines.process(buf, 0, total);
                end = total - kept;
                if (end > 0 && kept > 0) System.arraycopy(buf, kept, buf, 0, end);
                continue;
            }
            if (n < 0 || termNoticed) {
                // end of input, or TERM with the rest of the line not (yet) written: log what we
                // have with a newline rather than lose it (runit 2.1.2 drops it in both cases)
                lines.finish(buf, 0, end);
                end = 0;
                break;
            }
            await(timeout);
        }
        flushAll();
        for (LogDirectory d : dirs) {
            while (d.processorRunning()) d.waitProcessor();
            d.close();
        }
        return 0;
    }

    /**
     * Whether descriptor 0 is the stdin svlogd was started with. Started with 0 closed, the JVM
     * reuses 0 for a file of its own (its runtime image {@code lib/modules}, a jar): svlogd must not
     * log that, so such a descriptor counts as a closed stdin.
     */
    private static boolean inheritedStdin() {
        try {
            if ((Posix.fcntl(0, Posix.F_GETFD, 0) & Posix.FD_CLOEXEC) != 0) return false;
        } catch (ErrnoException e) {
            return false;
        }
        try {
            java.nio.file.Path target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/0"));
            if (target.startsWith(java.nio.file.Path.of(System.getProperty("java.home")))) return false;
            for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
                if (!entry.isEmpty() && target.equals(java.nio.file.Path.of(entry).toAbsolutePath().normalize())) return false;
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: trust the descriptor
        }
        return true;
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
        for (int i = forgotten.size() - 1; i >= 0; i--) {
            int[] p = forgotten.get(i);
            try {
                if (Posix.waitpid(p[0], Posix.WNOHANG).pid() == 0) continue;
            } catch (ErrnoException e) {
                // gone already
            }
            try {
                Posix.close(p[1]);
            } catch (ErrnoException ignored) {
                // closed either way
            }
            forgotten.remove(i);
        }
    }

    /** Waits until stdin is readable, a signal came, a processor exited, or {@code timeout} ms passed. */
    private void await(long timeout) {
        int n = 2;
        for (LogDirectory d : dirs) if (d.processorPidfd() >= 0) n++;
        n += forgotten.size();
        if (pollFds.length != n) {
            pollFds = new int[n];
            pollEvents = new short[n];
            pollRevents = new short[n];
            java.util.Arrays.fill(pollEvents, Posix.POLLIN);
        }
        pollFds[0] = 0;
        pollFds[1] = signals.wakeFd();
        int i = 2;
        for (LogDirectory d : dirs) if (d.processorPidfd() >= 0) pollFds[i++] = d.processorPidfd();
        for (int[] p : forgotten) pollFds[i++] = p[1];
        try {
            Posix.poll(pollFds, pollEvents, pollRevents, (int) Math.min(timeout, Integer.MAX_VALUE));
        } catch (ErrnoException e) {
            diag.pausing("unable to poll", e.errno());
        }
        if (pollRevents[1] != 0) signals.drain();
    }

    private int[] pollFds = new int[0];
    private short[] pollEvents;
    private short[] pollRevents;
}
