package jrunit.runsvdir;

import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A service directory in a temporary tree, runsvdir processes started on it, and the clean-up of every
 * process that ran there: runsvdir, each runsv, each service (found by parentage and by working directory).
 */
final class ServiceTree implements AutoCloseable {
    final Path root;
    final Path services;
    private final List<Process> started = new ArrayList<>();
    private final Set<Long> seen = new LinkedHashSet<>();

    ServiceTree(Path root) throws IOException {
        this.root = root;
        this.services = Files.createDirectories(root.resolve("service"));
    }

    /** A service whose run script writes its pid to {@code ../NAME.pid}... inside the service dir, then sleeps. */
    Path service(String name) throws IOException {
        return service(services.resolve(name), "echo $$ > pid; exec sleep 1000");
    }

    Path service(Path dir, String body) throws IOException {
        Files.createDirectories(dir);
        Path run = dir.resolve("run");
        Files.writeString(run, "#!/bin/sh\n" + body + "\n");
        run.toFile().setExecutable(true, false);
        return dir;
    }

    static String path(String... dirs) {
        return String.join(":", dirs) + ":/bin:/usr/bin";
    }

    /** Starts {@code command} in {@code root} with PATH {@code path}, stderr to {@code root/stderr-N}. */
    Process start(List<String> command, String path) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        pb.environment().put("PATH", path);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.redirectOutput(root.resolve("stdout-" + started.size()).toFile());
        pb.redirectError(root.resolve("stderr-" + started.size()).toFile());
        Process p = pb.start();
        started.add(p);
        seen.add(p.pid());
        return p;
    }

    /** Our runsvdir on {@code service/}, with Debian's runsv found through PATH. */
    Process runsvdir(String... args) throws IOException {
        return start(Tools.jrunit("runsvdir", args), path("/usr/bin"));
    }

    String stderr(Process p) {
        try {
            return Files.readString(root.resolve("stderr-" + started.indexOf(p)));
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until runsvdir {@code p} supervises exactly {@code names}; returns name → runsv pid. */
    Map<String, Integer> awaitRunsv(Process p, Set<String> names) {
        Map<String, Integer>[] box = new Map[1];
        Await.until("runsv for exactly " + names + " under runsvdir " + p.pid() + " (stderr: " + stderr(p) + ")",
                Duration.ofSeconds(30), () -> {
                    box[0] = Procs.runsvChildren(p.pid());
                    remember(p.pid());
                    return box[0].keySet().equals(names);
                });
        return box[0];
    }

    /** The pid the service's run script recorded, once it is running. */
    int servicePid(Path serviceDir) {
        return Await.value("service " + serviceDir + " running", () -> {
            try {
                int pid = Integer.parseInt(Files.readString(serviceDir.resolve("pid")).trim());
                return Procs.running(pid) ? pid : null;
            } catch (IOException | NumberFormatException e) {
                return null;
            }
        });
    }

    void remember(long pid) {
        seen.add(pid);
        for (int d : Procs.descendants(pid)) seen.add((long) d);
    }

    @Override
    public void close() {
        for (Process p : started) remember(p.pid());
        for (int pid : Procs.withCwdUnder(root)) seen.add((long) pid);
        for (long pid : seen) {
            ProcessHandle.of(pid).ifPresent(h -> {
                // runsv first would restart nothing: KILL leaves services orphaned, so all go at once
                h.destroyForcibly();
            });
        }
        for (Process p : started) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Await.until("every process of " + root + " gone", () -> Procs.withCwdUnder(root).stream()
                .peek(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly))
                .noneMatch(Procs::running));
    }
}
