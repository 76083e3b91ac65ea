package jrunit.sv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real runsv (Debian's, or ours) supervising one service directory, stopped and reaped on close. */
final class Supervisor implements AutoCloseable {
    /** Which runsv: the reference, or ours. */
    enum Impl {
        RUNIT, JRUNIT;

        List<String> command(Path dir) {
            return this == RUNIT ? List.of(Tools.runit("runsv"), dir.toString()) : withArgs(Tools.jrunit("runsv"), dir.toString());
        }

        private static List<String> withArgs(List<String> cmd, String arg) {
            List<String> c = new ArrayList<>(cmd);
            c.add(arg);
            return c;
        }
    }

    final Path dir;
    private final Process process;

    private Supervisor(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    static Supervisor start(Impl impl, Path dir) throws IOException {
        return start(impl.toString(), impl.command(dir), dir);
    }

    /** A supervisor started by {@code command} (e.g. runsv's test HostedRunsv), named {@code impl} in messages. */
    static Supervisor start(String impl, List<String> command, Path dir) throws IOException {
        Process p = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Supervisor s = new Supervisor(dir, p);
        try {
            Await.until(impl + " runsv alive on " + dir, () -> {
                if (!p.isAlive()) throw new AssertionError(impl + " runsv exited with " + p.exitValue());
                return alive(dir) && Files.exists(dir.resolve("supervise/status"));
            });
        } catch (AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Whether a runsv holds supervise/ok open (the test sv's own notion of liveness). */
    static boolean alive(Path dir) {
        try {
            Posix.close(Posix.open(dir.resolve("supervise/ok").toString(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0));
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    static SuperviseStatus status(Path serviceDir) {
        try {
            return SuperviseStatus.decode(Files.readAllBytes(serviceDir.resolve("supervise/status")));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the service (main, or log with {@code log/}) is running with a pid. */
    void awaitUp(Path serviceDir) {
        Await.until("up: " + serviceDir, () -> {
            SuperviseStatus s = status(serviceDir);
            return s.pid() != 0 && s.state() == SuperviseStatus.State.RUN;
        });
    }

    void awaitDown(Path serviceDir) {
        Await.until("down: " + serviceDir, () -> {
            SuperviseStatus s = status(serviceDir);
            return s.pid() == 0 && s.state() == SuperviseStatus.State.DOWN;
        });
    }

    /** TERM (runsv then stops its services and exits), wait, KILL as the fallback, then any leftover child. */
    @Override
    public void close() {
        List<Integer> children = new ArrayList<>();
        for (Path d : List.of(dir, dir.resolve("log"))) {
            try {
                if (Files.exists(d.resolve("supervise/status"))) {
                    int pid = status(d).pid();
                    if (pid > 0) children.add(pid);
                }
            } catch (RuntimeException ignored) {
                // no readable status: no child to worry about
            }
        }
        boolean forced = false;
        if (process.isAlive()) {
            try {
                Posix.kill((int) process.pid(), Posix.SIGTERM);
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    forced = true;
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (ErrnoException | InterruptedException e) {
                forced = true;
                process.destroyForcibly();
            }
        }
        // a runsv that exited on TERM stopped its services itself; only a killed one leaves them behind
        if (forced) for (int pid : children) {
            try {
                Posix.kill(pid, Posix.SIGKILL);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ESRCH) throw new IllegalStateException(e);
            }
        }
    }

    static final Duration LONG = Duration.ofSeconds(30);
}
