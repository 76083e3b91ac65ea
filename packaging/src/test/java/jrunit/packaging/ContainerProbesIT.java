package jrunit.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container recipe's probes, as far as this machine allows without a container runtime: the built
 * tree's {@code runsvdir --container} runs a copy of the example services (as the image's entry point
 * does), and the probe commands are taken verbatim from the recipe — the Dockerfile's HEALTHCHECK, the
 * Kubernetes example's readinessProbe and livenessProbe — and run with the tree's tools on PATH and SVDIR
 * at the copy (the image's default is /etc/service/). They must say yes once hello is up and ready, no
 * for a service that never becomes ready or is down, and TERM (docker stop) must still end everything.
 */
class ContainerProbesIT {
    @TempDir Path tmp;
    private Process runsvdir;

    @AfterEach
    void stop() {
        if (runsvdir == null) return;
        List<ProcessHandle> all = new ArrayList<>(runsvdir.descendants().toList());
        all.add(runsvdir.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("process " + p.pid() + " did not end", e);
            }
        }
    }

    /** The first JSON-style array of strings ({@code ["a", "b\"c"]}) after {@code marker} in {@code text}. */
    static List<String> command(String text, String marker) {
        int at = text.indexOf(marker);
        if (at < 0) throw new AssertionError("no " + marker + " in the recipe");
        int i = text.indexOf('[', at) + 1;
        List<String> words = new ArrayList<>();
        while (true) {
            while (text.charAt(i) == ' ' || text.charAt(i) == ',') i++;
            if (text.charAt(i) == ']') return words;
            if (text.charAt(i) != '"') throw new AssertionError("not a list of strings after " + marker);
            StringBuilder w = new StringBuilder();
            for (i++; text.charAt(i) != '"'; i++) {
                if (text.charAt(i) == '\\') i++;
                w.append(text.charAt(i));
            }
            words.add(w.toString());
            i++;
        }
    }

    @Test
    void theRecipesProbesAnswerAgainstARunningTree() throws Exception {
        Path bin = Tree.built().resolve("bin");
        Path examples = Tree.built().resolve("share/jrunit/examples/container");
        String kubernetes = Files.readString(examples.resolve("kubernetes.yaml"));
        List<String> documented = command(kubernetes, "readinessProbe:");
        List<String> healthcheck = command(Files.readString(Tree.module().resolve("Dockerfile")), "\nHEALTHCHECK ");
        assertEquals(List.of("sv", "-w", "2", "check", "hello"), documented);
        assertEquals(documented, healthcheck, "Docker's HEALTHCHECK is the readiness probe");
        // as the container's PATH would: the tree's tools first (this JVM's own PATH may find runit's sv)
        List<String> readiness = onTreePath(documented, bin);
        List<String> liveness = onTreePath(command(kubernetes, "livenessProbe:"), bin);

        Path svdir = Tree.copy(examples.resolve("service"), tmp.resolve("service"));
        // a service that never says it is ready: what a failing readiness probe looks like
        Path slow = Files.createDirectories(svdir.resolve("slow"));
        Files.writeString(slow.resolve("run"), "#!/bin/sh\nexec sleep 600\n");
        slow.resolve("run").toFile().setExecutable(true, false);
        Files.writeString(slow.resolve("notification-fd"), "3\n");

        Map<String, String> env = Map.of("PATH", bin + ":/usr/bin:/bin", "SVDIR", svdir.toString(), "LANG", "C.UTF-8");
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("runsvdir").toString(), "--container", svdir.toString());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("runsvdir.out").toFile());
        runsvdir = pb.start();

        Await.until("readiness probe passes (runsvdir: " + output() + ")",
                () -> Run.of(env, tmp, readiness).exit() == 0);
        Run ready = Run.of(env, tmp, readiness);
        assertTrue(ready.out().matches("ok: run: hello: \\(pid \\d+\\) \\d+s\n"), ready.out() + ready.err());
        Run.of(env, tmp, liveness).ok("liveness probe");
        Run json = Run.of(env, tmp, bin.resolve("sv").toString(), "--json", "status", "hello").ok("sv --json status");
        assertTrue(json.out().contains("\"state\":\"run\"") && json.out().contains("\"ready\":true"), json.out());

        List<String> slowReadiness = new ArrayList<>(readiness);
        slowReadiness.set(slowReadiness.size() - 1, "slow");
        Run notReady = Run.of(env, tmp, slowReadiness);
        assertEquals(1, notReady.exit(), notReady.out());
        assertTrue(notReady.out().matches("timeout: run: slow: \\(pid \\d+\\) \\d+s\n"), notReady.out());

        // liveness fails where nothing supervises the service
        Path ghost = Files.createDirectories(tmp.resolve("ghost"));
        List<String> ghostLiveness = new ArrayList<>(liveness);
        ghostLiveness.set(ghostLiveness.size() - 1, ghost.toString());
        Run dead = Run.of(env, tmp, ghostLiveness);
        assertEquals(1, dead.exit(), dead.out() + dead.err());
        assertEquals("{\"name\":\"" + ghost + "\",\"dir\":\"" + ghost + "\",\"error\":\"unable to open supervise/ok: file does not exist\"}\n",
                dead.out());
        // the stricter variants the example mentions fail while hello is down (and its log service runs)
        List<String> strictLiveness = command(kubernetes, "To fail also while hello is down:");
        List<String> strictReadiness = command(kubernetes, "To require \"up and ready\" only:");
        assertEquals("sh", strictLiveness.getFirst());
        assertEquals("sh", strictReadiness.getFirst());
        Run.of(env, tmp, strictLiveness).ok("strict liveness");
        Run.of(env, tmp, strictReadiness).ok("strict readiness");
        Run.of(env, tmp, bin.resolve("sv").toString(), "-w", "10", "down", "hello").ok("sv down hello");
        assertEquals(1, Run.of(env, tmp, strictLiveness).exit(), "strict liveness while hello is down");
        assertEquals(1, Run.of(env, tmp, strictReadiness).exit(), "strict readiness while hello is down");
        Run.of(env, tmp, readiness).ok("readiness while hello is down on purpose: it is where it should be");
        Run.of(env, tmp, liveness).ok("liveness while hello is down: its supervisor answers");
        Run.of(env, tmp, bin.resolve("sv").toString(), "-w", "10", "up", "hello").ok("sv up hello");

        // docker stop: TERM to PID 1, every service (hello has timeout-kill) down well inside the deadline
        Run.of("kill", "-TERM", Long.toString(runsvdir.pid())).ok("kill -TERM runsvdir");
        assertTrue(runsvdir.waitFor(60, TimeUnit.SECONDS), "runsvdir did not exit: " + output());
        assertEquals(0, runsvdir.exitValue(), output());
        assertTrue(output().contains("hello: started as pid"), output());
    }

    private static List<String> onTreePath(List<String> command, Path bin) {
        List<String> c = new ArrayList<>(command);
        if (Files.isExecutable(bin.resolve(c.getFirst()))) c.set(0, bin.resolve(c.getFirst()).toString());
        return c;
    }

    private String output() {
        try {
            return Files.readString(tmp.resolve("runsvdir.out"));
        } catch (IOException e) {
            return "";
        }
    }
}
