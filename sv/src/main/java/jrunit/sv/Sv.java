package jrunit.sv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.ProgramName;
import jrunit.common.RunitOptions;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * sv: controls and reports services supervised by runsv (runit 2.1.2's sv, with 2.3.0's fixes for
 * {@code check} and for the init-script {@code status} exit code). Output and exit codes are runit's,
 * byte for byte; see sv/README.md for what goes beyond runit ({@code --json}, event-driven waiting).
 */
public final class Sv {
    static final String VERSION = "$Id: 900314260c6d52c986c5357673bea2f3bd3f4698 $";
    /** Debian builds runit with /etc/service/ as the default services directory. */
    static final String DEFAULT_SVDIR = "/etc/service/";
    private static final long DEFAULT_WAIT = 7;

    /** Ends the run with an exit code (runit's done()/usage()/fatal()). */
    static final class Exit extends RuntimeException {
        final int code;

        Exit(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    private final String progname;
    private final boolean lsb;
    private final String svdir;
    private final Output out;
    private final Output err;

    private Command command;
    private long waitSeconds = DEFAULT_WAIT;
    private boolean verbose;
    private int rc;

    /** The 20-byte status buffer; shared like runit's, so a short read leaves older bytes behind. */
    private final byte[] status = new byte[20];
    /** The service being worked on: its name as typed, its directory, whether it is the log part. */
    private String service;
    private Path dir;
    private boolean islog;
    /** TAI64 seconds: when sv started, and "now" for ages (renewed before each wait round). */
    private long tstart;
    private long tnow;

    Sv(String progname, String svdir, OutputStream stdout, OutputStream stderr) {
        this.progname = progname;
        this.lsb = !progname.equals("sv");
        this.svdir = svdir;
        this.out = new Output(stdout);
        this.err = new Output(stderr);
    }

    public static void main(String[] args) {
        String progname = ProgramName.basename("sv");
        String svdir = System.getenv("SVDIR");
        Sv sv = new Sv(progname, svdir == null ? DEFAULT_SVDIR : svdir,
                new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err));
        int code = sv.run(System.getenv("SVWAIT"), args);
        sv.out.flush();
        sv.err.flush();
        Runtime.getRuntime().halt(code);
    }

    /** Runs sv; returns the exit code. */
    int run(String svwait, String... argv) {
        try {
            return runChecked(svwait, argv);
        } catch (Exit e) {
            return e.code;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int runChecked(String svwait, String[] argv) {
        if (svwait != null) waitSeconds = scanUlong(svwait);
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        boolean json = takeJsonFlag(args);
        RunitOptions.Parsed opts;
        try {
            opts = new RunitOptions("w:vV").parse(args.toArray(new String[0]));
        } catch (RunitOptions.UsageException e) {
            err.print(progname + ": " + e.getMessage() + "\n");
            throw usage();
        }
        if (opts.has('V')) {
            err.print(VERSION + "\n");
            throw usage();
        }
        for (String w : opts.all('w')) waitSeconds = scanUlong(w);
        verbose = opts.has('v') || opts.has('w');
        List<String> operands = opts.operands();
        if (operands.isEmpty()) throw usage();
        command = Command.of(operands.get(0), lsb);
        List<String> services = lsb ? List.of(progname) : operands.subList(1, operands.size());
        if (services.isEmpty()) throw usage();
        if (command == null) throw usage();
        if (json && command.kind() != Command.Kind.STATUS) {
            err.print(progname + ": --json works with status only\n");
            throw usage();
        }

        tstart = tnow = Clock.taiSeconds();
        long startNanos = System.nanoTime();
        if (!new File(".").canRead()) fatal("unable to open current directory", Errno.EACCES);

        if (json) return new JsonStatus(this).print(services);

        // First pass: send the command to every service, in argument order.
        String[] pending = services.toArray(new String[0]);
        for (int i = 0; i < pending.length; i++) {
            service = pending[i];
            dir = sendDirectory(service);
            if (dir == null) {
                pending[i] = null;
                continue;
            }
            switch (command.kind()) {
                case CONTROL -> {
                    if (control(command.acts()) == -1) pending[i] = null;
                }
                case STATUS -> status();
                case CHECK -> { }
            }
        }

        boolean waits = command.kind() != Command.Kind.STATUS && (verbose || command.waits());
        if (waits) new Waiter(this, pending, startNanos).run();
        return Math.min(rc, 99);
    }

    /**
     * Removes {@code --json} from among the options before the command word; true if it was there.
     * (runit's getopt would reject it, so it cannot clash with a runit command line.)
     */
    static boolean takeJsonFlag(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--json")) {
                args.remove(i);
                return true;
            }
            if (a.equals("--") || !a.startsWith("-") || a.equals("-")) return false;
            if (a.indexOf('w') == a.length() - 1) i++; // "-w SEC", "-vw SEC": skip the argument
        }
        return false;
    }

    // ------------------------------------------------------------------ the wait loop's steps

    /** Checks one pending service (second-pass name resolution). Returns true when it is settled. */
    boolean checkPending(String name, boolean deadlinePassed) {
        service = name;
        dir = waitDirectory(name);
        if (dir == null) return true;
        boolean settled = check(command.acts()) != 0;
        if (!settled && deadlinePassed) {
            out.print(command.kills() ? "kill: " : "timeout: ");
            if (statusGet() > 0) {
                printStatus(service);
                ++rc;
            }
            out.print("\n");
            out.flush();
            if (command.kills()) control("k");
            return true;
        }
        return settled;
    }

    /** Renews "now" for the ages printed in this round. */
    void newRound() {
        tnow = Clock.taiSeconds();
    }

    Path waitDirectoryQuiet(String name) {
        if (name.startsWith("/") || name.startsWith(".")) return Path.of(name);
        return svdir.isEmpty() || name.isEmpty() ? null : Path.of(svdir).resolve(name);
    }

    boolean watchesRunsvExit() {
        return command.first() == 'x';
    }

    // ------------------------------------------------------------------ name resolution

    /** First pass: a leading '/' or '.', an empty name or a trailing '/' means relative to the cwd. */
    private Path sendDirectory(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.startsWith(".") || name.endsWith("/")) {
            return enter(null, name);
        }
        return enter(svdir, name);
    }

    /** Second pass (waiting): only a leading '/' or '.' means relative to the cwd, as in runit. */
    private Path waitDirectory(String name) {
        if (name.startsWith("/") || name.startsWith(".")) return enter(null, name);
        return enter(svdir, name);
    }

    /** runit's chdir(base) then chdir(name), without changing our directory: errors as chdir's. */
    private Path enter(String base, String name) {
        Path p;
        int errno;
        if (base != null && (errno = chdirError(base)) != 0) {
            fail("unable to change to service directory", errno);
            return null;
        }
        p = base == null ? (name.isEmpty() ? null : Path.of(name)) : (name.isEmpty() ? null : Path.of(base).resolve(name));
        errno = p == null ? Errno.ENOENT : chdirError(p.toString());
        if (errno != 0) {
            fail("unable to change to service directory", errno);
            return null;
        }
        return p;
    }

    /** The errno chdir(2) would fail with, or 0. */
    static int chdirError(String path) {
        if (path.isEmpty()) return Errno.ENOENT;
        Path p = Path.of(path);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            if (!a.isDirectory()) return Errno.ENOTDIR;
        } catch (IOException e) {
            return Errno.of(e);
        }
        return Files.isExecutable(p) ? 0 : Errno.EACCES;
    }

    // ------------------------------------------------------------------ status

    /**
     * Liveness and status of the service in {@link #dir}: 1 = status read, 0 = runsv not running
     * (reported), -1 = error (reported).
     */
    int statusGet() {
        try {
            Fifo.close(Fifo.openWrite(dir.resolve("supervise/ok")));
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENXIO) {
                if (command.first() == 'x') ok("runsv not running");
                else fail("runsv not running", 0);
                return 0;
            }
            warn("unable to open supervise/ok", e.errno());
            return -1;
        }
        Path statusFile = dir.resolve("supervise/status");
        // runit opens status non-blocking: a FIFO there reads as empty instead of hanging sv
        if (statErrno(statusFile) == 0 && isFifoLike(statusFile)) {
            warn("unable to read supervise/status: bad format", 0);
            return -1;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(statusFile);
        } catch (IOException e) {
            warn("unable to open supervise/status", Errno.of(e));
            return -1;
        }
        int n;
        try (ch) {
            n = ch.read(ByteBuffer.wrap(status));
        } catch (IOException e) {
            warn("unable to read supervise/status", Errno.of(e));
            return -1;
        }
        if (n != 20) {
            warn("unable to read supervise/status: bad format", 0);
            return -1;
        }
        return 1;
    }

    /** The status line (without newline) for the status buffer: 1 = has a pid, 2 = no pid, 0 = error. */
    int printStatus(String label) {
        int downErrno = statErrno(dir.resolve("down"));
        if (downErrno != 0 && downErrno != Errno.ENOENT) {
            err.print("warning: unable to stat " + service + "/down: " + Errno.text(downErrno) + "\n");
            err.flush();
            return 0;
        }
        boolean normallyUp = downErrno == Errno.ENOENT;
        StatusRecord s = new StatusRecord(status);
        StringBuilder b = new StringBuilder();
        switch (s.state()) {
            case 0 -> b.append("down: ");
            case 1 -> b.append("run: ");
            case 2 -> b.append("finish: ");
            default -> { }
        }
        b.append(label).append(": ");
        if (s.state() != 0) b.append("(pid ").append(s.pid()).append(") ");
        b.append(s.age(tnow)).append('s');
        boolean pid = s.pid() != 0;
        if (pid && !normallyUp) b.append(", normally down");
        if (!pid && normallyUp) b.append(", normally up");
        if (pid && s.paused()) b.append(", paused");
        if (!pid && s.want() == 'u') b.append(", want up");
        if (pid && s.want() == 'd') b.append(", want down");
        if (pid && s.gotTerm()) b.append(", got TERM");
        out.print(b.toString());
        return pid ? 1 : 2;
    }

    /** The {@code status} command for the service in {@link #dir}, log part included. */
    private void status() {
        int r = statusGet();
        if (r == -1 && lsb) throw new Exit(4);
        if (r <= 0) return;
        int main = printStatus(service);
        islog = true;
        Path log = dir.resolve("log");
        int errno = chdirError(log.toString());
        if (errno == Errno.ENOENT) {
            out.print("\n");
        } else if (errno != 0) {
            out.print("; ");
            warn("unable to change directory", errno);
        } else {
            out.print("; ");
            dir = log;
            // runit prints the (possibly stale) buffer even when the log's status could not be read
            if (statusGet() != 0) {
                printStatus("log");
                out.print("\n");
            }
        }
        islog = false;
        out.flush();
        // runit 2.3.0: the init-script exit code is the main service's, not the log's
        if (lsb) throw new Exit(switch (main) { case 1 -> 0; case 2 -> 3; default -> 4; });
    }

    private static boolean isFifoLike(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).isOther();
        } catch (IOException e) {
            return false;
        }
    }

    /** The errno stat(2) would fail with, or 0. */
    static int statErrno(Path p) {
        try {
            Files.readAttributes(p, BasicFileAttributes.class);
            return 0;
        } catch (NoSuchFileException e) {
            return Errno.ENOENT;
        } catch (AccessDeniedException e) {
            return Errno.EACCES;
        } catch (IOException e) {
            return Errno.of(e);
        }
    }

    // ------------------------------------------------------------------ control and check

    /** Sends {@code acts} unless runsv already wants it: 1 sent, 0 not needed, -1 error (reported). */
    int control(String acts) {
        if (statusGet() <= 0) return -1;
        StatusRecord s = new StatusRecord(status);
        char a = acts.charAt(0);
        // want already matches; but "down" is re-sent when no TERM went out (service started with once)
        if (s.wantByte() == a && (a != 'd' || s.termByte() == 1)) return 0;
        int fd;
        try {
            fd = Fifo.openWrite(dir.resolve("supervise/control"));
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENXIO) warn("unable to open supervise/control", e.errno());
            else if (a == 'x') ok("runsv not running");
            else fail("runsv not running", 0);
            return -1;
        }
        byte[] bytes = acts.getBytes(StandardCharsets.ISO_8859_1);
        int written;
        int errno = 0;
        try {
            written = Fifo.write(fd, bytes);
        } catch (ErrnoException e) {
            written = -1;
            errno = e.errno();
        } finally {
            Fifo.close(fd);
        }
        if (written != bytes.length) {
            warn("unable to write to supervise/control", errno);
            return -1;
        }
        return 1;
    }

    /** Whether the service satisfies the check letters: 1 yes (printed ok), 0 not yet, -1 error. */
    private int check(String letters) {
        int r = statusGet();
        if (r == -1) return -1;
        for (int i = 0; i < letters.length(); i++) {
            char c = letters.charAt(i);
            if (r == 0) return c == 'x' ? 1 : -1;
            StatusRecord s = new StatusRecord(status);
            // runit 2.3.0: "check" waits for the state runsv wants (2.1.2 took any down service as ok)
            if (c == 'C') c = s.wantByte() == 'd' ? 'd' : 'u';
            boolean pid = s.pid() != 0;
            switch (c) {
                case 'x' -> {
                    return 0;
                }
                case 'u' -> {
                    if (!pid || s.state() != 1) return 0;
                    // beyond runit: where ./check is consulted, so is readiness (s6's notification-fd)
                    if (Readiness.pending(dir)) return 0;
                    if (!CheckScript.passes(dir, service, err)) return 0;
                }
                case 'd' -> {
                    if (pid || s.state() != 0) return 0;
                }
                case 't', 'k' -> {
                    if (!pid && s.wantByte() == 'd') break;
                    if (Long.compareUnsigned(tstart, s.taiSeconds()) > 0 || !pid || s.termByte() != 0
                            || Readiness.pending(dir) || !CheckScript.passes(dir, service, err)) return 0;
                }
                case 'o' -> {
                    if ((!pid && Long.compareUnsigned(tstart, s.taiSeconds()) > 0) || (pid && s.wantByte() != 'd')) return 0;
                }
                case 'p' -> {
                    if (pid && !s.paused()) return 0;
                }
                case 'c' -> {
                    if (pid && s.paused()) return 0;
                }
                default -> { }
            }
        }
        out.print("ok: ");
        printStatus(service);
        out.print("\n");
        out.flush();
        return 1;
    }

    // ------------------------------------------------------------------ messages

    private void line(String prefix, String msg, int errno) {
        StringBuilder b = new StringBuilder(prefix).append(service);
        if (islog) b.append("/log");
        b.append(": ").append(msg);
        if (errno != 0) b.append(": ").append(Errno.text(errno));
        out.print(b.append('\n').toString());
        out.flush();
    }

    void fail(String msg, int errno) {
        ++rc;
        line("fail: ", msg, errno);
    }

    void warn(String msg, int errno) {
        ++rc;
        line("warning: ", msg, errno);
    }

    private void ok(String msg) {
        line("ok: ", msg, 0);
    }

    private Exit usage() {
        err.print(lsb ? "usage: " + progname + " [-w sec] command\n\n" : "usage: " + progname + " [-v] [-w sec] command service ...\n\n");
        return new Exit(lsb ? 2 : 100);
    }

    private void fatal(String msg, int errno) {
        err.print("fatal: " + msg + ": " + Errno.text(errno) + "\n");
        throw new Exit(lsb ? 151 : 100);
    }

    /** djb's scan_ulong: the leading decimal digits, 0 if none (saturating instead of wrapping). */
    static long scanUlong(String s) {
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') break;
            v = v > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE / 2 : v * 10 + (c - '0');
        }
        return v;
    }

    // ------------------------------------------------------------------ accessors for helpers

    long waitSeconds() {
        return waitSeconds;
    }

    Output out() {
        return out;
    }

    String svdir() {
        return svdir;
    }

    long tnow() {
        return tnow;
    }

    int incrementRc() {
        return ++rc;
    }

    int rc() {
        return Math.min(rc, 99);
    }
}
