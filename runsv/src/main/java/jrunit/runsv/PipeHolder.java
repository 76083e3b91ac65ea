package jrunit.runsv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.WakePipe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Keeps the read ends of log pipes whose logger runs inside this JVM open in a small child process, so
 * that they outlive this process. A process logger (svlogd) holds its pipe itself and survives its
 * supervisor; an in-process logger dies with its host, and then, until a new host reopens the pipe
 * ({@link Adoption}), the service's writes would find no reader and kill it with SIGPIPE. With a holder
 * they wait in the pipe (the writer blocks once it is full), and the next host logs them.
 *
 * <p>The holder is {@code sleep} with {@code argv[0]} {@value #MARK}: descriptor 3 and up are the pipes,
 * and its environment names each one's service directory ({@code JRUNIT_PIPE_<fd>=<real path>}), so that a
 * new host finds the pipe of a service that died while no host was alive ({@link #reopenPrevious}). One
 * holder per host, spawned again (on its own thread, changes coalesced) when the set of pipes changes; it
 * ends by itself after {@link #LIFETIME_SECONDS} and is replaced at half that, so after its host's death
 * it covers at least half an hour and is gone within an hour. {@link #close} (a host's orderly exit) ends it.
 */
public final class PipeHolder implements AutoCloseable {
    static final String MARK = "jrunit-pipes";
    static final String ENV_PREFIX = "JRUNIT_PIPE_";
    static final long LIFETIME_SECONDS = 3600;
    private static final long REFRESH_NANOS = LIFETIME_SECONDS / 2 * 1_000_000_000L;
    /** Changes within this time after the first share one new holder (a boot holds a pipe per service). */
    private static final long COALESCE_MILLIS = 50;
    /** After a failed spawn (no sleep in PATH, no processes left), how long before trying again. */
    private static final long RETRY_NANOS = 60_000_000_000L;

    private final Consumer<String> warn;
    /** Made at the first {@link #hold}: a host without in-process loggers pays for neither. */
    private WakePipe wake;
    private Thread thread;
    /** Real path of the service directory → this process's duplicate of its pipe's read end. */
    private final Map<Path, Integer> held = new LinkedHashMap<>();
    private boolean changed;
    private boolean closed;
    /** What other holders (of hosts that died) held when first asked: real path → {pid, fd}. */
    private Map<Path, int[]> previous;

    private int holderPid = -1, holderPidfd = -1;

    /** @param warn how to report that no holder could be started (once per failure streak) */
    public PipeHolder(Consumer<String> warn) {
        this.warn = warn;
    }

    /** Holds (a duplicate of) {@code readFd}, the log pipe of {@code serviceDir}, until {@link #release}. */
    public void hold(Path serviceDir, int readFd) {
        Path key = realPath(serviceDir);
        int dup;
        try {
            dup = Posix.fcntl(readFd, Posix.F_DUPFD_CLOEXEC, 3);
        } catch (ErrnoException e) {
            warn.accept("unable to hold the log pipe: " + e.text());
            return;
        }
        synchronized (this) {
            if (closed) {
                closeQuietly(dup);
                return;
            }
            if (thread == null) {
                try {
                    wake = new WakePipe();
                } catch (ErrnoException e) {
                    closeQuietly(dup);
                    warn.accept("unable to hold the log pipe: " + e.text());
                    return;
                }
                thread = new Thread(null, this::run, "pipe-holder", 256 * 1024);
                thread.setDaemon(true); // a host that dies (System.exit on a fatal error) leaves the holder: that is its use
                thread.start();
            }
            Integer old = held.put(key, dup);
            if (old != null) closeQuietly(old);
            changed = true;
        }
        wake.wake(); // set before the first hold returned
    }

    /** Stops holding {@code serviceDir}'s pipe (its supervisor exits). */
    public void release(Path serviceDir) {
        Path key = realPath(serviceDir);
        WakePipe w;
        synchronized (this) {
            Integer old = held.remove(key);
            if (old == null) return;
            closeQuietly(old);
            changed = true;
            w = wake;
        }
        w.wake();
    }

    /**
     * Both ends of the pipe that the holder of a host that died held for {@code serviceDir}, reopened
     * (see {@link Adoption#reopenPipe}), or null. What other holders there are is read once, at the first
     * call: they are left to end by themselves.
     */
    public int[] reopenPrevious(Path serviceDir) {
        Map<Path, int[]> found;
        synchronized (this) {
            if (previous == null) previous = findHolders();
            found = previous;
        }
        int[] where = found.get(realPath(serviceDir));
        return where == null ? null : Adoption.reopenPipe(where[0], where[1]);
    }

    /** Ends the holder (the host exits in order: nothing is left to hold) and its thread. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
            if (t == null) return;
        }
        wake.wake();
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The holder's pid, or -1 (for tests). */
    synchronized int holderPid() {
        return holderPid;
    }

    private void run() {
        long refreshAt = 0, retryAt = 0;
        boolean failing = false;
        int[] fds = new int[2];
        short[] events = {Posix.POLLIN, Posix.POLLIN};
        short[] revents = new short[2];
        while (true) {
            long now = System.nanoTime();
            boolean want;
            synchronized (this) {
                if (closed) break;
                want = changed || (!held.isEmpty() && (holderPid < 0 || now - refreshAt >= 0));
            }
            if (want && (!failing || now - retryAt >= 0)) {
                if (holderPid >= 0) sleepQuietly(COALESCE_MILLIS); // the first holder at once: the pipe has no other keeper yet
                List<Path> dirs;
                List<Integer> pipes;
                synchronized (this) {
                    if (closed) break;
                    changed = false;
                    dirs = new ArrayList<>(held.keySet());
                    pipes = new ArrayList<>(held.values());
                }
                int oldPid = holderPid, oldPidfd = holderPidfd;
                holderPid = holderPidfd = -1;
                if (!pipes.isEmpty()) {
                    try {
                        spawn(dirs, pipes);
                        failing = false;
                        refreshAt = System.nanoTime() + REFRESH_NANOS;
                    } catch (ErrnoException e) {
                        if (!failing) warn.accept("unable to start " + MARK + " (sleep) to hold log pipes: " + e.text());
                        failing = true;
                        retryAt = System.nanoTime() + RETRY_NANOS;
                    }
                }
                end(oldPid, oldPidfd); // after the new one holds them: never a moment without a holder
            }
            int n = 1;
            fds[0] = wake.readFd();
            if (holderPidfd >= 0) fds[n++] = holderPidfd;
            long until = failing ? retryAt : refreshAt;
            int timeout = holderPidfd < 0 && !failing ? -1
                    : (int) Math.max(1, Math.min(Integer.MAX_VALUE, (until - System.nanoTime()) / 1_000_000 + 1));
            try {
                Posix.poll(java.util.Arrays.copyOf(fds, n), java.util.Arrays.copyOf(events, n), revents, timeout);
            } catch (ErrnoException e) {
                // EINTR: look again
            }
            wake.drain();
            if (holderPidfd >= 0 && n == 2 && revents[1] != 0) { // it ended (its time, or someone killed it)
                end(holderPid, holderPidfd);
                holderPid = holderPidfd = -1;
            }
        }
        end(holderPid, holderPidfd);
        synchronized (this) {
            holderPid = holderPidfd = -1;
            for (int fd : held.values()) closeQuietly(fd);
            held.clear();
        }
    }

    private void spawn(List<Path> dirs, List<Integer> pipes) throws ErrnoException {
        int[] childFds = new int[3 + pipes.size()];
        childFds[0] = childFds[1] = childFds[2] = -1;
        List<String> env = new ArrayList<>();
        for (int i = 0; i < pipes.size(); i++) {
            childFds[3 + i] = pipes.get(i);
            env.add(ENV_PREFIX + (3 + i) + "=" + dirs.get(i));
        }
        Posix.Spawn s = new Posix.Spawn("sleep", List.of(MARK, Long.toString(LIFETIME_SECONDS)), env, null,
                childFds, true, false, false);
        int pid = Posix.spawn(s);
        int pidfd;
        try {
            pidfd = Posix.pidfdOpen(pid);
        } catch (ErrnoException e) {
            pidfd = -1;
        }
        synchronized (this) {
            holderPid = pid;
            holderPidfd = pidfd;
        }
    }

    /** KILLs (through its pidfd, so never another process) and reaps a holder of ours. */
    private static void end(int pid, int pidfd) {
        if (pid < 0) return;
        try {
            if (pidfd >= 0) Posix.pidfdSendSignal(pidfd, Posix.SIGKILL);
            else Posix.kill(pid, Posix.SIGKILL); // our child, not reaped yet: its pid is still its own
            Posix.waitpid(pid, 0);
        } catch (ErrnoException e) {
            // gone, or reaped by a PID 1's reaper already
        }
        closeQuietly(pidfd);
    }

    /**
     * Holders of other hosts that are still alive and this user's: {@code /proc/PID/cmdline} starts with
     * {@value #MARK}, and the environment maps descriptors to service directories. When several held a
     * directory's pipe, the one started last wins (its host was the last to supervise the service).
     */
    private static Map<Path, int[]> findHolders() {
        Map<Path, int[]> found = new HashMap<>();
        Map<Path, Long> startOf = new HashMap<>();
        int self = Posix.getpid();
        byte[] mark = (MARK + "\0").getBytes(StandardCharsets.US_ASCII);
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : procs) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                try {
                    byte[] cmd = Files.readAllBytes(p.resolve("cmdline"));
                    if (cmd.length < mark.length || !java.util.Arrays.equals(cmd, 0, mark.length, mark, 0, mark.length)) continue;
                    if ((int) Files.getAttribute(p, "unix:uid") != Posix.geteuid()) continue;
                    int pid = Integer.parseInt(name);
                    String line = Files.readString(p.resolve("stat"), StandardCharsets.ISO_8859_1);
                    String[] stat = line.substring(line.lastIndexOf(')') + 2).split(" ");
                    if (Integer.parseInt(stat[1]) == self) continue; // our own
                    long start = Long.parseLong(stat[22 - 3]);
                    for (String var : new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8).split("\0")) {
                        if (!var.startsWith(ENV_PREFIX)) continue;
                        int eq = var.indexOf('=');
                        if (eq < 0) continue;
                        int fd = Integer.parseInt(var.substring(ENV_PREFIX.length(), eq));
                        Path dir = Path.of(var.substring(eq + 1));
                        Long seen = startOf.get(dir);
                        if (seen != null && seen > start) continue;
                        startOf.put(dir, start);
                        found.put(dir, new int[] {pid, fd});
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile, or not readable: not a holder we can use
                }
            }
        } catch (IOException e) {
            // no /proc: nothing found
        }
        return found;
    }

    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
