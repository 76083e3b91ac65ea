package jrunit.runsv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A runsv (ours in a fresh JVM, or Debian's) supervising a service directory in a test, with what
 * the tests need to drive and observe it. {@link #close()} stops it and everything it started.
 */
final class Supervised implements AutoCloseable {
    final Path dir;
    final Process process;
    final Path stderr;
    final Path stdout;
    private final Set<Long> children = new LinkedHashSet<>();

    private Supervised(Path dir, Process process, Path stdout, Stderr stderrFile) {
        this.dir = dir;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderrFile.path;
    }

    private record Stderr(Path path) {}

    /**
     * Whether {@link #ours} supervises as {@code runsvdir --hosted} does ({@link HostedRunsv}) instead of
     * as a runsv process. Set for a whole test class by {@link Hosted}; test classes run one at a time.
     */
    static volatile boolean hosted;

    /** /proc/PID/cmdline of each process {@link #ours} started (as exec'ed), for {@link Hosted}'s check. */
    static final List<String> oursCommandLines = new CopyOnWriteArrayList<>();

    /** Our runsv on {@code dir} (or, {@link #hosted}, our hosted supervisor). */
    static Supervised ours(Path dir) throws IOException {
        List<String> command = new ArrayList<>(Tools.jrunit("runsv", dir.toString()));
        if (hosted) command.set(command.indexOf(Tools.mainClass("runsv")), HostedRunsv.class.getName());
        Supervised s = start(dir, command);
        // read at once: the exec has happened when start returns, and runsv rewrites its argv only later
        oursCommandLines.add(read(Path.of("/proc/" + s.pid() + "/cmdline")));
        return s;
    }

    /**
     * Our runsv on {@code dir} (hosted in a {@link Hosted} class) arranged as the install tree arranges it:
     * {@code jrunitBin} holds our tools, is first on PATH, and is the supervisor's {@code jrunit.bin}, so
     * that a {@code log/run} exec'ing our svlogd runs in the supervisor's JVM.
     */
    static Supervised ours(Path dir, Path jrunitBin) throws IOException {
        List<String> command = new ArrayList<>(Tools.jrunit("runsv", dir.toString()));
        if (hosted) command.set(command.indexOf(Tools.mainClass("runsv")), HostedRunsv.class.getName());
        command.add(command.indexOf("-cp"), "-Djrunit.bin=" + jrunitBin);
        Supervised s = start(dir, command, jrunitBin + ":" + System.getenv("PATH"));
        oursCommandLines.add(read(Path.of("/proc/" + s.pid() + "/cmdline")));
        return s;
    }

    /** Debian's runsv on {@code dir}. */
    static Supervised runit(Path dir) throws IOException {
        return start(dir, List.of(Tools.runit("runsv"), dir.toString()));
    }

    static Supervised start(Path dir, List<String> command) throws IOException {
        return start(dir, command, null);
    }

    /** Starts {@code command} with PATH set to {@code path} (null: this JVM's environment as it is). */
    static Supervised start(Path dir, List<String> command, String path) throws IOException {
        Path out = Files.createTempFile(dir.getParent(), "runsv-out", ".txt");
        Path err = Files.createTempFile(dir.getParent(), "runsv-err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (path != null) pb.environment().put("PATH", path);
        Process p = pb.start();
        return new Supervised(dir, p, out, new Stderr(err));
    }

    long pid() {
        return process.pid();
    }

    /** Waits until runsv has set up supervise/ (its ok FIFO has a reader). */
    Supervised awaitReady() {
        Await.until("runsv ready on " + dir, () -> {
            if (!process.isAlive()) throw new AssertionError("runsv exited " + process.exitValue() + ": " + stderrText());
            return okOpen(dir) && Files.exists(dir.resolve("supervise/status"));
        });
        return this;
    }

    static boolean okOpen(Path serviceDir) {
        try {
            int fd = Posix.open(serviceDir.resolve("supervise/ok").toString(), Posix.O_WRONLY | Posix.O_NONBLOCK, 0);
            Posix.close(fd);
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** Writes command bytes to supervise/control (or log/supervise/control) in one write, as sv does. */
    void control(String bytes) {
        control(dir, bytes);
    }

    void logControl(String bytes) {
        control(dir.resolve("log"), bytes);
    }

    static void control(Path serviceDir, String bytes) {
        try {
            int fd = Posix.open(serviceDir.resolve("supervise/control").toString(), Posix.O_WRONLY | Posix.O_NONBLOCK, 0);
            try {
                byte[] b = bytes.getBytes(StandardCharsets.ISO_8859_1);
                if (Posix.write(fd, b, 0, b.length) != b.length) throw new AssertionError("short write to control");
            } finally {
                Posix.close(fd);
            }
        } catch (ErrnoException e) {
            throw new UncheckedIOException(e);
        }
    }

    SuperviseStatus status() {
        return status(dir);
    }

    SuperviseStatus logStatus() {
        return status(dir.resolve("log"));
    }

    static SuperviseStatus status(Path serviceDir) {
        try {
            return SuperviseStatus.decode(Files.readAllBytes(serviceDir.resolve("supervise/status")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String stat() {
        return read(dir.resolve("supervise/stat"));
    }

    /** The pid of the running ./run, waiting until there is one; remembered for cleanup. */
    int awaitRunPid() {
        return awaitPid(dir);
    }

    int awaitLogPid() {
        return awaitPid(dir.resolve("log"));
    }

    private int awaitPid(Path serviceDir) {
        int pid = Await.value("a running child in " + serviceDir, () -> {
            SuperviseStatus s = status(serviceDir);
            return s.state() == SuperviseStatus.State.RUN && s.pid() != 0 ? s.pid() : null;
        });
        children.add((long) pid);
        return pid;
    }

    /** Waits for the status to satisfy {@code what}. */
    void awaitStatus(String description, java.util.function.Predicate<SuperviseStatus> what) {
        Await.until(description + " (stat: " + dir + ")", () -> what.test(status()));
    }

    String stderrText() {
        return read(stderr);
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    static boolean alive(long pid) {
        return Files.exists(Path.of("/proc/" + pid)) && !read(Path.of("/proc/" + pid + "/stat")).contains(") Z ");
    }

    /** Whether {@code pid} is a host's {@link PipeHolder} process (argv[0] "jrunit-pipes"). */
    static boolean isPipeHolder(long pid) {
        return read(Path.of("/proc/" + pid + "/cmdline")).startsWith(PipeHolder.MARK + "\0");
    }

    /** Child pids of {@code parent} right now (from /proc). */
    static List<Long> childrenOf(long parent) {
        List<Long> kids = new ArrayList<>();
        ProcessHandle.of(parent).ifPresent(h -> h.children().forEach(c -> kids.add(c.pid())));
        return kids;
    }

    int waitExit(Duration d) throws InterruptedException {
        if (!process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("runsv did not exit: " + dir);
        return process.exitValue();
    }

    /** TERM to runsv (= x); after a grace period SIGKILL it and every child it had. */
    @Override
    public void close() {
        Set<Long> all = new LinkedHashSet<>(children);
        for (long c : childrenOf(pid())) {
            all.add(c);
            all.addAll(childrenOf(c));
        }
        if (process.isAlive()) {
            try {
                Posix.kill((int) pid(), Posix.SIGTERM);
                if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (ErrnoException e) {
                // already gone
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (long c : all) {
            try {
                if (alive(c)) Posix.kill((int) c, Posix.SIGKILL);
            } catch (ErrnoException e) {
                // gone meanwhile
            }
        }
    }

    // ------------------------------------------------------------------ building service directories

    static Path service(Path root, String name, String runScript) throws IOException {
        Path d = root.resolve(name);
        Files.createDirectories(d);
        script(d.resolve("run"), runScript);
        return d;
    }

    static void script(Path file, String body) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        file.toFile().setExecutable(true, false);
    }

    static List<String> lines(Path file) {
        String t = read(file);
        if (t.isEmpty()) return List.of();
        return List.of(t.split("\n"));
    }
}
