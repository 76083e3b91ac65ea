package jrunit.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion (tests only), with a deadline, capturing its output. */
record Run(int exit, String out, String err) {

    /** {@code command} with exactly {@code env} as its environment (null: inherit), in {@code dir} (null: ours). */
    static Run of(Map<String, String> env, Path dir, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (env != null) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        if (dir != null) pb.directory(dir.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            // read both streams concurrently: a full pipe must not block the child
            var err = new java.util.concurrent.CompletableFuture<String>();
            Thread t = Thread.ofVirtual().start(() -> {
                try { err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)); }
                catch (IOException e) { err.complete("<" + e + ">"); }
            });
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            t.join();
            return new Run(p.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + command);
        }
    }

    static Run of(Map<String, String> env, Path dir, String... command) {
        return of(env, dir, List.of(command));
    }

    static Run of(String... command) {
        return of(null, null, List.of(command));
    }

    /** Fails with the whole story unless the command exited 0. */
    Run ok(String what) {
        if (exit != 0) throw new AssertionError(what + ": exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err);
        return this;
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (new java.io.File(dir, program).canExecute()) return true;
        }
        return false;
    }

    static List<String> lines(String s) {
        List<String> l = new ArrayList<>(s.lines().toList());
        return l;
    }
}
