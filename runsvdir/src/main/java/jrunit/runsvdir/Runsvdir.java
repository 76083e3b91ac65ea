package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.ProcessTitle;
import jrunit.common.ProgramName;
import jrunit.common.Tai64n;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * runsvdir: starts and monitors one supervisor per service directory (runit's stage 2).
 *
 * <p>{@code runsvdir [--container[=SECONDS]] [--hosted] [-P] dir [log]}. Without jrunit's options it is
 * runit's runsvdir: one {@code runsv} process per service, rescans at least every 5 s, TERM exits 0 at
 * once, HUP sends TERM to every runsv and exits 111. See {@link ContainerShutdown} for {@code --container}.
 */
public final class Runsvdir {
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    static final int EXIT_USAGE = 1, EXIT_HUP = 111;

    private final Invocation inv;
    private final Path dir;
    private final String cwd;
    private final Messages messages;
    private final ServiceTable table;
    private final SignalPipe signals;
    private final int stdin, stdout;
    private final ReadProcTitle title;
    private final Map<Integer, RunsvProcess> runsvByPid = new HashMap<>();
    private long lastCheck;

    private Runsvdir(Invocation inv, Messages messages, SignalPipe signals, ReadProcTitle title) {
        this.title = title;
        this.inv = inv;
        this.dir = Path.of(inv.dir());
        this.cwd = dir.toAbsolutePath().toString();
        this.messages = messages;
        this.table = new ServiceTable(inv.dir(), dir, messages);
        this.signals = signals;
        this.stdin = openOrClosed(0);
        this.stdout = openOrClosed(1);
    }

    public static void main(String[] args) {
        jrunit.runsv.FailFast.install("runsvdir " + (args.length > 0 ? args[args.length - 1] : "") + ": fatal: internal error: ");
        int code;
        try {
            code = run(args);
        } catch (Error e) {
            jrunit.runsv.FailFast.exit(e);
            return;
        }
        System.exit(code);
    }

    /** Runs runsvdir until a signal ends it; returns the exit code. */
    static int run(String... args) {
        String argv0 = ProgramName.argv0("runsvdir");
        Invocation inv;
        try {
            inv = Invocation.parse(args);
        } catch (Invocation.UsageException e) {
            String why = e.getMessage() == null ? "" : argv0 + ": " + e.getMessage() + "\n";
            byte[] b = (why + "usage: " + argv0 + " [-P] dir\n\n").getBytes(StandardCharsets.UTF_8);
            System.err.write(b, 0, b.length);
            System.err.flush();
            return EXIT_USAGE;
        }
        Messages messages = new Messages(inv.dir());
        List<String> words = new ArrayList<>();
        words.add(argv0);
        words.addAll(List.of(args));
        try {
            ProcessTitle.setName("runsvdir");
        } catch (IOException e) {
            // ps shows "java"; nothing depends on it
        }
        Runsvdir r;
        ReadProcTitle title = setUpLog(inv, messages, words);
        if (inv.container()) ContainerShutdown.becomeReaper(messages);
        if (inv.hosted()) return new HostedMode(inv, messages).run(title);
        try {
            r = new Runsvdir(inv, messages, new SignalPipe(), title);
        } catch (ErrnoException e) {
            messages.fatal("unable to create signal pipe", e);
            return 100;
        }
        r.signals.handle("TERM", SignalPipe.TERM);
        r.signals.handle("HUP", SignalPipe.HUP);
        r.signals.handle("ALRM", SignalPipe.ALRM);
        if (inv.container()) r.signals.handle("INT", SignalPipe.INT);
        return r.loop();
    }

    /** The readproctitle log if {@code log} was given and usable; sets the command line {@code ps} shows either way. */
    private static ReadProcTitle setUpLog(Invocation inv, Messages messages, List<String> words) {
        String log = inv.log();
        if (log != null && log.length() < 7) {
            messages.warn("log must have at least seven characters.");
            messages.warn("log service disabled.");
            log = null;
        }
        if (log == null) {
            try {
                ProcessTitle.ofSelf().setCommandLine(words.toArray(String[]::new));
            } catch (IOException | RuntimeException e) {
                // ps shows the JVM's command line
            }
            return null;
        }
        // the title ends with the log argument: drop anything runit ignores after it
        int logIndex = words.lastIndexOf(log);
        ReadProcTitle title;
        try {
            title = ReadProcTitle.open(words.subList(0, logIndex + 1));
        } catch (IOException | RuntimeException e) {
            messages.warn("unable to create pipe for log.");
            return null;
        }
        if (title == null) {
            messages.warn("log service disabled.");
            return null;
        }
        title.becomeStderr(messages);
        return title;
    }

    private int loop() {
        lastCheck = System.nanoTime() - SECOND;
        while (true) {
            reapChildren();
            long now = System.nanoTime();
            if (now - lastCheck >= SECOND) {
                lastCheck = now;
                table.checkDirectory(this::startRunsv);
            }
            long timeout = table.check ? Math.max(0, lastCheck + SECOND - now) : 5 * SECOND;
            if (inv.container()) timeout = Math.min(timeout, SECOND); // orphans have no pidfd: reap them often
            waitForEvents(timeout);
            int sig = signals.take();
            if ((sig & SignalPipe.TERM) != 0 || (sig & SignalPipe.INT) != 0) {
                if (!inv.container()) return 0;
                return shutDown();
            }
            if ((sig & SignalPipe.HUP) != 0) {
                for (ServiceTable.Service s : table.services()) {
                    if (s.supervised()) s.supervision.terminate();
                }
                return EXIT_HUP;
            }
            if ((sig & SignalPipe.ALRM) != 0) {
                lastCheck = System.nanoTime();
                table.forcedRescan(this::startRunsv);
            }
        }
    }

    /** Container mode: drives the shutdown, reaping and waking on runsv exits in between. */
    private int shutDown() {
        ContainerShutdown shutdown = new ContainerShutdown(table, messages, dir, inv.containerDeadline());
        reapChildren();
        shutdown.begin();
        while (true) {
            reapChildren();
            int code = shutdown.step();
            if (code >= 0) return code;
            waitForEvents(ContainerShutdown.STEP);
            signals.take(); // a second TERM changes nothing
        }
    }

    private ServiceTable.Supervision startRunsv(ServiceTable.Service s) {
        try {
            RunsvProcess p = RunsvProcess.spawn(s.name, cwd, inv.newSessions(), stdin, stdout, messages.fd());
            runsvByPid.put(p.pid, p);
            return p;
        } catch (ErrnoException e) {
            // runit's forked child prints this and exits 100; runsvdir retries at the next scan
            messages.fatal("unable to start runsv " + s.name, e);
            table.check = true;
            return null;
        }
    }

    /** Reaps every exited child: runsv processes (whose services then get a new one) and orphans alike. */
    void reapChildren() {
        while (true) {
            Posix.Exited e;
            try {
                e = Posix.waitpid(-1, Posix.WNOHANG);
            } catch (ErrnoException x) {
                return; // ECHILD
            }
            if (e.pid() <= 0) return;
            RunsvProcess p = runsvByPid.remove(e.pid());
            if (p != null) {
                p.reaped();
                table.check = true;
            }
        }
    }

    /** Sleeps until a signal, a runsv exit, log input, or the timeout; drains the log pipe. */
    void waitForEvents(long timeoutNanos) {
        if (title != null) timeoutNanos = Math.min(timeoutNanos, title.tick(System.nanoTime()));
        List<Integer> fds = new ArrayList<>();
        fds.add(signals.readFd());
        if (title != null) fds.add(title.readFd());
        for (RunsvProcess p : runsvByPid.values()) {
            if (p.pidfd >= 0) fds.add(p.pidfd);
        }
        int[] f = fds.stream().mapToInt(Integer::intValue).toArray();
        short[] ev = new short[f.length];
        java.util.Arrays.fill(ev, Posix.POLLIN);
        short[] rev = new short[f.length];
        int ms = (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + 1);
        try {
            Posix.poll(f, ev, rev, ms);
        } catch (ErrnoException e) {
            messages.warn("unable to poll", e);
        }
        if (title != null) title.drain();
    }

    private static int openOrClosed(int fd) {
        try {
            Posix.fcntl(fd, Posix.F_GETFD, 0);
            return fd;
        } catch (ErrnoException e) {
            return -1;
        }
    }
}
