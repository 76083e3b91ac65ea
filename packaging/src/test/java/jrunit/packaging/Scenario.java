package jrunit.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import jrunit.common.testing.Await;

/**
 * The end-to-end scenario a new user goes through, run from installed paths only: a service in a temporary
 * SVDIR that logs through svlogd and reads an envdir with chpst; runsvdir picks it up; sv reports it; its
 * lines reach log/main/current; the run script sees exactly runsvdir's caller's environment; `man sv`
 * shows jrunit's page; bash completion lists the service. Every process started is ended by PID.
 */
final class Scenario implements AutoCloseable {
    private final Path bin;
    private final Path svdir;
    private final Map<String, String> callerEnv;
    private Process runsvdir;
    private final List<ProcessHandle> started = new ArrayList<>();

    /** @param bin the installed directory holding the tools under runit's names */
    Scenario(Path bin, Path work) throws IOException {
        this.bin = bin;
        this.svdir = Files.createDirectories(work.resolve("service"));
        this.callerEnv = new TreeMap<>(Map.of("PATH", bin + ":/usr/bin:/bin", "JRUNIT_SCENARIO", "caller's value",
                "LANG", "C.UTF-8"));
        Path hello = Files.createDirectories(svdir.resolve("hello"));
        Files.createDirectories(hello.resolve("env"));
        Files.writeString(hello.resolve("env/GREETING"), "from envdir\n");
        script(hello.resolve("run"), """
                #!/bin/sh
                exec 2>&1
                env > ./run.env
                { command -v chpst; command -v svlogd; } > ./run.which.new && mv ./run.which.new ./run.which
                echo "hello: started"
                exec chpst -e ./env sh -c 'echo "hello: greeting=$GREETING"; exec sleep 600'
                """);
        Files.createDirectories(hello.resolve("log"));
        script(hello.resolve("log/run"), """
                #!/bin/sh
                mkdir -p main
                exec svlogd -tt main
                """);
    }

    private static void script(Path p, String text) throws IOException {
        Files.writeString(p, text);
        p.toFile().setExecutable(true, false);
    }

    private Map<String, String> env(String... extra) {
        Map<String, String> m = new TreeMap<>(callerEnv);
        for (int i = 0; i < extra.length; i += 2) m.put(extra[i], extra[i + 1]);
        return m;
    }

    private Run tool(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve(tool).toString()));
        cmd.addAll(List.of(args));
        return Run.of(env("SVDIR", svdir.toString()), svdir, cmd);
    }

    /** The whole scenario; {@code completion} is the installed completion file that completes {@code words}. */
    void run(Path completion, String function, List<String> words) throws Exception {
        // chpst from the installed path passes the caller's environment through unchanged
        Run chpstEnv = Run.of(callerEnv, svdir, bin.resolve("chpst").toString(), "env").ok("chpst env");
        assertEquals(lines(callerEnv), new TreeSet<>(chpstEnv.out().lines().toList()), "chpst env");

        ProcessBuilder pb = new ProcessBuilder(bin.resolve("runsvdir").toString(), svdir.toString());
        pb.environment().clear();
        pb.environment().putAll(callerEnv);
        pb.redirectErrorStream(true).redirectOutput(svdir.getParent().resolve("runsvdir.out").toFile());
        runsvdir = pb.start();
        started.add(runsvdir.toHandle());

        Pattern up = Pattern.compile("run: hello: \\(pid \\d+\\) \\d+s; run: log: \\(pid \\d+\\) \\d+s\\n");
        Await.until("sv status shows hello and its log up", () -> up.matcher(tool("sv", "status", "hello").out()).matches());
        Run status = tool("sv", "status", "hello");
        assertEquals(0, status.exit(), status.err());

        Path current = svdir.resolve("hello/log/main/current");
        Pattern stamped = Pattern.compile("\\d{4}-\\d\\d-\\d\\d_\\d\\d:\\d\\d:\\d\\d\\.\\d{5} hello: (started|greeting=from envdir)");
        Await.until("both lines in " + current, () -> {
            try {
                return Files.readAllLines(current).stream().filter(l -> stamped.matcher(l).matches()).count() == 2;
            } catch (IOException e) {
                return false;
            }
        });

        // the run script saw the caller's environment, plus only what sh itself sets (PWD...): compare with sh
        Path hello = svdir.resolve("hello");
        Await.until("run.env written", () -> Files.exists(hello.resolve("run.which")));
        Set<String> baseline = new TreeSet<>(Run.of(callerEnv, hello, "/bin/sh", "-c", "env").ok("sh env").out().lines().toList());
        assertEquals(baseline, new TreeSet<>(Files.readAllLines(hello.resolve("run.env"))), "run script's environment");
        assertEquals(List.of(bin.resolve("chpst").toString(), bin.resolve("svlogd").toString()),
                Files.readAllLines(hello.resolve("run.which")), "services find jrunit's tools first on PATH");

        // `man sv` is jrunit's page: man finds ../share/man beside each PATH directory
        Map<String, String> manEnv = Map.of("PATH", callerEnv.get("PATH"), "MANWIDTH", "80", "LC_ALL", "C.UTF-8");
        Run where = Run.of(manEnv, svdir, "man", "-w", "sv").ok("man -w sv");
        assertTrue(where.out().startsWith(bin.getParent().resolve("share/man").toString()), where.out());
        Run page = Run.of(manEnv, svdir, "man", "-P", "cat", "sv").ok("man sv");
        assertTrue(page.out().contains("sv - query and control services supervised by runsv"), page.out());

        // completion lists the service
        List<String> cmd = new ArrayList<>(List.of("bash", "--norc", "-c",
                "source \"$1\"; COMP_WORDS=(" + String.join(" ", words) + " ''); COMP_CWORD=" + words.size()
                        + "; " + function + "; printf '%s\\n' \"${COMPREPLY[@]}\"", "-", completion.toString()));
        Run completed = Run.of(env("SVDIR", svdir.toString()), svdir, cmd).ok("completion");
        assertEquals(List.of("hello"), completed.out().lines().toList(), "completion of " + words);

        // down, then everything stops when runsvdir is told to (HUP: TERM to each runsv)
        tool("sv", "down", "hello").ok("sv down");
        Await.until("hello down", () -> tool("sv", "status", "hello").out().startsWith("down: hello: "));
    }

    private static Set<String> lines(Map<String, String> env) {
        Set<String> s = new TreeSet<>();
        env.forEach((k, v) -> s.add(k + "=" + v));
        return s;
    }

    /** Stops runsvdir and every process under it, by PID. */
    @Override
    public void close() {
        if (runsvdir == null) return;
        List<ProcessHandle> all = new ArrayList<>(started);
        runsvdir.descendants().forEach(all::add);
        if (runsvdir.isAlive()) {
            Run.of("kill", "-HUP", Long.toString(runsvdir.pid()));
        }
        try {
            Await.until("runsvdir's tree gone", () -> all.stream().noneMatch(ProcessHandle::isAlive));
        } catch (AssertionError e) {
            all.forEach(p -> { if (p.isAlive()) p.destroyForcibly(); });
        } finally {
            for (ProcessHandle p : all) {
                try {
                    p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("process " + p.pid() + " did not end", e);
                }
            }
        }
    }
}
