package jrunit.runsvdir;

import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.Tai64n;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A jrunit supervisor killed with KILL while its services run, and started again (by runsvdir, or by
 * hand for {@code --hosted}): it adopts what still runs (same pids, no second instance, the record's
 * start time kept), holds the log pipe again, and no line of a numbered stream is lost or doubled.
 */
class AdoptionTest extends ServiceTreeTest {
    private static final Duration LONG = Duration.ofSeconds(60);

    /** A service whose ./run (the sh itself) writes "PID N" every few ms until a file {@code stop} exists, then "PID END". */
    private Path writer(String name, boolean logged) throws IOException {
        Path dir = tree.service(tree.services.resolve(name), "echo $$ > pid; i=0\n"
                + "while [ ! -e stop ]; do i=$((i+1)); echo \"$$ $i\"; sleep 0.005; done\n"
                + "echo \"$$ END\"; exec sleep 1000");
        if (logged) tree.service(dir.resolve("log"), "mkdir -p main; exec /usr/bin/svlogd main");
        return dir;
    }

    static SuperviseStatus status(Path dir) {
        return HostedModeTest.status(dir);
    }

    record Sv(int exit, String out) {}

    /** Debian's sv. */
    private static Sv sv(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.runit("sv")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Sv(p.exitValue(), out);
    }

    /** Processes running {@code ./run}'s sh in {@code dir}: instances of the service (not its children between fork and exec). */
    private static List<Integer> instances(Path dir) {
        List<Integer> all = runScripts(dir);
        return all.stream().filter(p -> {
            String[] st = Procs.stat(p);
            return st == null || !all.contains(Integer.parseInt(st[1]));
        }).toList();
    }

    private static List<Integer> runScripts(Path dir) {
        List<Integer> out = new ArrayList<>();
        for (int pid : Procs.withCwdUnder(dir)) {
            try {
                if (Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd")).equals(dir.toRealPath())
                        && "run".equals(Procs.comm(pid)) && Procs.running(pid)) out.add(pid);
            } catch (IOException e) {
                // gone
            }
        }
        return out;
    }

    private static int awaitRun(Path dir) {
        return Await.value(dir + " running", () -> {
            SuperviseStatus s = status(dir);
            return s != null && s.state() == SuperviseStatus.State.RUN && s.pid() > 0 && Procs.running(s.pid()) ? s.pid() : null;
        });
    }

    /** Stops every writer, waits for its END in the log, and checks each instance's numbers run 1..n once each. */
    private void checkStream(Path dir) throws Exception {
        Files.writeString(dir.resolve("stop"), "");
        int last = status(dir).pid();
        Path current = dir.resolve("log/main/current");
        Await.until("END of " + last + " logged", LONG, () -> read(dir).contains(last + " END"));
        Map<String, Integer> next = new HashMap<>();
        for (String line : read(dir)) {
            String[] w = line.split(" ");
            assertEquals(2, w.length, "a whole line: " + line + " in " + current);
            if (w[1].equals("END")) continue;
            int expected = next.getOrDefault(w[0], 1);
            assertEquals(expected, Integer.parseInt(w[1]), "instance " + w[0] + ": line after " + (expected - 1) + " in " + dir);
            next.put(w[0], expected + 1);
        }
        assertTrue(next.size() >= 2, "lines of the restarted instance too: " + next);
    }

    /** Every line svlogd wrote for {@code dir} (rotated files first, then current). */
    private static List<String> read(Path dir) {
        List<String> lines = new ArrayList<>();
        try (var files = Files.list(dir.resolve("log/main"))) {
            List<Path> all = files.filter(f -> f.getFileName().toString().startsWith("@")).sorted().toList();
            for (Path f : all) lines.addAll(Files.readAllLines(f));
            lines.addAll(Files.readAllLines(dir.resolve("log/main/current")));
        } catch (IOException e) {
            // not there yet
        }
        return lines;
    }

    private static int lineCount(Path dir) {
        return read(dir).size();
    }

    @Test
    void runsvKilledUnderRunsvdirAdoptsItsServiceAndLogger() throws Exception {
        Path w = writer("w", true);
        Path bin = Tools.jrunitBinDir(tmp.resolve("bin"), "runsv");
        Process dir = tree.start(Tools.jrunit("runsvdir", "service"), ServiceTree.path(bin.toString()));
        int runsv = tree.awaitRunsv(dir, Set.of("w")).get("w");
        int service = awaitRun(w);
        int logger = awaitRun(w.resolve("log"));
        Tai64n since = status(w).since();
        Await.until("lines logged", () -> lineCount(w) > 50);

        Posix.kill(runsv, Posix.SIGKILL);
        int again = Await.value("runsv started again", LONG, () -> {
            Integer pid = Procs.runsvChildren(dir.pid()).get("w");
            return pid != null && pid != runsv ? pid : null;
        });
        tree.remember(again);
        Await.until("sv status answered by the new runsv", LONG, () -> {
            try {
                return sv("status", w.toString()).exit() == 0;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(service, status(w).pid(), "the old instance adopted");
        assertEquals(since, status(w).since(), "its start time kept");
        assertEquals(logger, status(w.resolve("log")).pid(), "the old logger adopted");
        assertEquals(List.of(service), instances(w), "exactly one instance");
        Sv st = sv("status", w.toString());
        assertTrue(st.out().matches("run: " + w + ": \\(pid " + service + "\\) \\d+s; run: log: \\(pid " + logger + "\\) \\d+s\\n"), st.out());

        int lines = lineCount(w);
        assertEquals(0, sv("-w", "30", "restart", w.resolve("log").toString()).exit());
        int logger2 = Await.value("new logger", LONG, () -> {
            SuperviseStatus s = status(w.resolve("log"));
            return s.pid() != logger && s.state() == SuperviseStatus.State.RUN ? s.pid() : null;
        });
        Await.until("the new logger logs", () -> lineCount(w) > lines + 50);
        assertTrue(Procs.running(logger2));
        assertEquals(0, sv("-w", "30", "restart", w.toString()).exit());
        int service2 = Await.value("new instance", LONG, () -> {
            SuperviseStatus s = status(w);
            return s.pid() != service && s.state() == SuperviseStatus.State.RUN ? s.pid() : null;
        });
        assertEquals(List.of(service2), instances(w));
        Await.until("the new instance is logged", () -> read(w).stream().anyMatch(l -> l.startsWith(service2 + " 20")));
        checkStream(w);
    }

    @Test
    void hostedRunsvdirKilledAndStartedAgainAdoptsEveryService() throws Exception {
        Path a = writer("a", true);
        Path b = writer("b", true);
        Path c = writer("c", false);
        List<Path> all = List.of(a, b, c, a.resolve("log"), b.resolve("log"));
        Process first = tree.start(Tools.jrunit("runsvdir", "--hosted", "service"), "/bin:/usr/bin");
        Map<Path, Integer> pids = new HashMap<>();
        for (Path d : all) pids.put(d, awaitRun(d));
        Await.until("lines logged", () -> lineCount(a) > 50 && lineCount(b) > 50);

        Posix.kill((int) first.pid(), Posix.SIGKILL);
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        for (Path d : all) assertTrue(Procs.running(pids.get(d)), d + " outlived its host");
        Process second = tree.start(Tools.jrunit("runsvdir", "--hosted", "service"), "/bin:/usr/bin");
        for (Path d : List.of(a, b, c)) {
            Await.until("sv status of " + d + " answered (stderr: " + tree.stderr(second) + ")", LONG, () -> {
                try {
                    return sv("status", d.toString()).exit() == 0;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        for (Path d : all) assertEquals(pids.get(d), status(d).pid(), d + " adopted");
        for (Path d : List.of(a, b, c)) assertEquals(List.of(pids.get(d)), instances(d), "one instance of " + d);

        assertEquals(0, sv("-w", "30", "restart", a.toString()).exit());
        int a2 = awaitRun(a);
        Await.until("a restarted", LONG, () -> status(a).pid() != pids.get(a));
        assertEquals(1, instances(a).size());
        assertNotEquals(pids.get(a), (Integer) status(a).pid());
        Await.until("the new instance is logged", () -> read(a).stream().anyMatch(l -> l.startsWith(status(a).pid() + " 20")));
        checkStream(a);
        checkStreamOfOneInstance(b);
        assertTrue(a2 > 0);
    }

    @Test
    void anInProcessLoggerThatDiedWithItsHostIsReplacedOnTheSamePipe() throws Exception {
        Path bin = Tools.jrunitBinDir(tmp.resolve("bin"), "svlogd", "chpst");
        List<String> cmd = new ArrayList<>(Tools.jrunit("runsvdir", "--hosted", "service"));
        cmd.add(cmd.indexOf("-cp"), "-Djrunit.bin=" + bin);
        // 1..100; then (once "more" exists) 101..150, which stay in the pipe; then (once "last" exists) 151..200
        Path q = tree.service(tree.services.resolve("q"), "echo $$ > pid\n"
                + "i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo \"$$ $i\"; done\n"
                + "while [ ! -e more ]; do sleep 0.01; done\n"
                + "while [ $i -lt 150 ]; do i=$((i+1)); echo \"$$ $i\"; done; echo $i > written\n"
                + "while [ ! -e last ]; do sleep 0.01; done\n"
                + "while [ $i -lt 200 ]; do i=$((i+1)); echo \"$$ $i\"; done; echo \"$$ END\"; exec sleep 1000");
        tree.service(q.resolve("log"), "mkdir -p main\nexec svlogd main");
        Process first = tree.start(cmd, ServiceTree.path(bin.toString()));
        int service = awaitRun(q);
        assertEquals(first.pid(), (long) awaitRun(q.resolve("log")), "the logger runs in the host");
        Await.until("1..100 logged", () -> read(q).contains(service + " 100"));
        assertEquals(0, sv("pause", q.resolve("log").toString()).exit());
        Await.until("paused", () -> status(q.resolve("log")).paused());
        Files.writeString(q.resolve("more"), "");
        Await.until("101..150 written into the pipe", () -> Files.exists(q.resolve("written")));

        Posix.kill((int) first.pid(), Posix.SIGKILL);
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        Process second = tree.start(cmd, ServiceTree.path(bin.toString()));
        Await.until("101..150 logged by the new host from the pipe (stderr: " + tree.stderr(second) + ")", LONG,
                () -> read(q).contains(service + " 150"));
        assertEquals(service, status(q).pid(), "adopted");
        assertEquals(second.pid(), (long) status(q.resolve("log")).pid());
        assertEquals(List.of(service), instances(q));
        Files.writeString(q.resolve("last"), "");
        checkStreamOfOneInstance(q);
    }

    /** runsv (or runsvdir --hosted) with its svlogd run in-process: {@code -Djrunit.bin} names our tools. */
    private List<String> inProcessHost(String tool, String... args) throws IOException {
        Path bin = Tools.jrunitBinDir(tmp.resolve("bin"), "svlogd", "chpst");
        List<String> cmd = new ArrayList<>(Tools.jrunit(tool, args));
        cmd.add(cmd.indexOf("-cp"), "-Djrunit.bin=" + bin);
        return cmd;
    }

    private String inProcessPath() {
        return ServiceTree.path(tmp.resolve("bin").toString());
    }

    /**
     * A service writing "PID N" every few ms, and N into {@code count}, but nothing while {@code quiet}
     * exists (it says so in {@code quiet.ack}); once {@code stop} exists, "PID END", then it exits
     * ({@code exits}) or sleeps. An instance started after an exit only sleeps.
     */
    private Path counter(String name, boolean exits) throws IOException {
        Path dir = tree.service(tree.services.resolve(name), "[ -e done ] && exec sleep 1000\n"
                + "echo $$ > pid; i=0\n"
                + "while [ ! -e stop ]; do\n"
                + "  if [ -e quiet ]; then touch quiet.ack; sleep 0.01; continue; fi\n"
                + "  i=$((i+1)); echo \"$$ $i\"; echo $i > count; sleep 0.005\n"
                + "done\n"
                + "echo \"$$ END\"; " + (exits ? "touch done; exit 0" : "exec sleep 1000"));
        tree.service(dir.resolve("log"), "mkdir -p main\nexec svlogd main");
        return dir;
    }

    /**
     * KILLs the host of {@code w}'s in-process logger while the service is quiet and the logger has written
     * every line (what a logger has read and not yet written when its host is killed is lost with it: a
     * window of one read), then lets the service write on.
     */
    private void killHostWhileLoggerIdle(Process host, Path w, int service) throws Exception {
        awaitPipeHolder(host);
        Files.writeString(w.resolve("quiet"), "");
        Await.until("the writer quiet", () -> Files.exists(w.resolve("quiet.ack")));
        int quietAt = count(w);
        Await.until("everything logged", () -> read(w).contains(service + " " + quietAt));
        Posix.kill((int) host.pid(), Posix.SIGKILL);
        assertTrue(host.waitFor(30, TimeUnit.SECONDS));
        Files.delete(w.resolve("quiet"));
        Files.delete(w.resolve("quiet.ack"));
    }

    /** Waits until {@code host} has spawned its holder of the loggers' pipes (a moment after a logger starts). */
    private static void awaitPipeHolder(Process host) {
        Await.until("the pipe holder of " + host.pid(), () -> Procs.children(host.pid()).stream().anyMatch(Procs::isPipeHolder));
    }

    private static int count(Path dir) {
        try {
            return Integer.parseInt(Files.readString(dir.resolve("count")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    @Test
    void hostedServiceWritingWhileNoHostIsAliveIsNotKilledAndLosesNoLine() throws Exception {
        writingWhileNoHostIsAlive(inProcessHost("runsvdir", "--hosted", "service"), "w");
    }

    @Test
    void runsvServiceWritingWhileNoHostIsAliveIsNotKilledAndLosesNoLine() throws Exception {
        writingWhileNoHostIsAlive(inProcessHost("runsv", "service/w"), "w");
    }

    /**
     * The in-process logger dies with its host; the service goes on writing (into the pipe the host's
     * holder keeps open: no SIGPIPE), and the next host adopts it and logs every line.
     */
    private void writingWhileNoHostIsAlive(List<String> cmd, String name) throws Exception {
        Path w = counter(name, false);
        Process first = tree.start(cmd, inProcessPath());
        int service = awaitRun(w);
        assertEquals(first.pid(), (long) awaitRun(w.resolve("log")), "the logger runs in the host");
        Await.until("lines logged", () -> lineCount(w) > 20);
        killHostWhileLoggerIdle(first, w, service);
        int atKill = count(w);
        Await.until("the service writes on with no host alive (count " + count(w) + ", alive " + Procs.running(service) + ")",
                LONG, () -> count(w) > atKill + 100 || !Procs.running(service));
        assertTrue(Procs.running(service), "not killed by SIGPIPE");
        Process second = tree.start(cmd, inProcessPath());
        Await.until("adopted by the new host (stderr: " + tree.stderr(second) + ")", LONG,
                () -> status(w.resolve("log")).pid() == second.pid() && status(w).pid() == service);
        assertEquals(List.of(service), instances(w));
        checkStreamOfOneInstance(w);
    }

    /**
     * KILL of the host while its in-process logger is busy (the service writes 200 lines at a time, 1 ms
     * apart): what the logger had read and not yet written stays in the pipe for the next host
     * (keepInputUntilWritten), so no line is missing. A kill after a write and before the pipe is
     * consumed has the next host log that read again: at most one run of repeated lines per kill.
     */
    @Test
    void killingTheHostOfABusyInProcessLoggerLosesNoLine() throws Exception {
        List<String> cmd = inProcessHost("runsvdir", "--hosted", "service");
        Path w = tree.service(tree.services.resolve("flood"), "echo $$ > pid; i=0\n"
                + "while [ ! -e stop ]; do j=0\n"
                + "  while [ $j -lt 200 ]; do i=$((i+1)); j=$((j+1)); echo \"$$ $i\"; done; sleep 0.001\n"
                + "done\n"
                + "echo \"$$ END\"; exec sleep 1000");
        Files.createDirectories(w.resolve("log/main"));
        Files.writeString(w.resolve("log/main/config"), "n1000\ns100000000\n"); // keep every file
        tree.service(w.resolve("log"), "exec svlogd main");
        int kills = 8;
        Process host = tree.start(cmd, inProcessPath());
        int service = awaitRun(w);
        for (int k = 0; k < kills; k++) {
            Process h = host;
            Await.until("the host's logger at work", LONG, () -> status(w.resolve("log")).pid() == h.pid());
            awaitPipeHolder(host);
            int before = lineCount(w);
            Await.until("lines logged", LONG, () -> lineCount(w) > before + 2000);
            Posix.kill((int) host.pid(), Posix.SIGKILL);
            assertTrue(host.waitFor(30, TimeUnit.SECONDS));
            host = tree.start(cmd, inProcessPath());
        }
        Process last = host;
        Await.until("adopted", LONG, () -> status(w.resolve("log")).pid() == last.pid() && status(w).pid() == service);
        assertEquals(List.of(service), instances(w));
        Files.writeString(w.resolve("stop"), "");
        Await.until("END logged", LONG, () -> read(w).contains(service + " END"));
        int next = 1, repeats = 0;
        boolean repeating = false;
        for (String line : read(w)) {
            if (line.equals(service + " END")) continue;
            int n = Integer.parseInt(line.substring(line.indexOf(' ') + 1));
            assertTrue(n <= next, "line " + next + " missing (then " + n + ")");
            if (n < next) {
                if (!repeating) repeats++;
                repeating = true;
                continue;
            }
            repeating = false;
            next++;
        }
        assertTrue(next > 10_000, "lines: " + next);
        assertTrue(repeats <= kills, "repeated runs: " + repeats);
        System.out.println("killingTheHostOfABusyInProcessLoggerLosesNoLine: " + (next - 1) + " lines, "
                + repeats + " runs of repeated lines in " + kills + " kills");
    }

    @Test
    void whatAServiceWroteBeforeDyingWhileNoHostWasAliveIsLoggedByTheNextHost() throws Exception {
        List<String> cmd = inProcessHost("runsvdir", "--hosted", "service");
        Path w = counter("d", true);
        Process first = tree.start(cmd, inProcessPath());
        int service = awaitRun(w);
        Await.until("lines logged", () -> lineCount(w) > 20);
        killHostWhileLoggerIdle(first, w, service);
        int atKill = count(w);
        Await.until("more lines written", LONG, () -> count(w) > atKill + 20 || !Procs.running(service));
        Files.writeString(w.resolve("stop"), "");
        Await.until("the service ended", LONG, () -> Files.exists(w.resolve("done")) && !Procs.running(service));
        Process second = tree.start(cmd, inProcessPath());
        Await.until("its last lines logged by the new host (stderr: " + tree.stderr(second) + ")", LONG,
                () -> read(w).contains(service + " END"));
        int n = 0;
        for (String line : read(w)) {
            if (line.equals(service + " END")) continue;
            assertEquals(service + " " + (++n), line);
        }
        assertEquals(count(w), n, "every line, once");
        assertNotEquals(service, awaitRun(w), "started again (it only sleeps now)");
    }

    /** As {@link #checkStream} for a service that was never restarted. */
    private void checkStreamOfOneInstance(Path dir) throws Exception {
        Files.writeString(dir.resolve("stop"), "");
        int last = status(dir).pid();
        Await.until("END of " + last + " logged", LONG, () -> read(dir).contains(last + " END"));
        int n = 0;
        for (String line : read(dir)) {
            if (line.equals(last + " END")) continue;
            assertEquals(last + " " + (++n), line);
        }
        assertTrue(n > 50);
    }

    /** A service that exits 7 on TERM, and a finish that records its arguments. */
    private Path exitsSevenOnTerm(String name) throws IOException {
        Path s = tree.service(tree.services.resolve(name),
                "echo $$ > pid; trap 'kill $!; exit 7' TERM; sleep 1000 & wait $!");
        Files.writeString(s.resolve("finish"), "#!/bin/sh\necho \"$1 $2\" >> finished\n");
        s.resolve("finish").toFile().setExecutable(true, false);
        return s;
    }

    @Test
    void anAdoptedServiceIsStoppedByCommandsAndItsFinishGetsItsExitStatus() throws Exception {
        Path s = exitsSevenOnTerm("f");
        Process first = tree.start(Tools.jrunit("runsv", "service/f"), "/bin:/usr/bin");
        int service = awaitRun(s);
        Posix.kill((int) first.pid(), Posix.SIGKILL);
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        Process second = tree.start(Tools.jrunit("runsv", "service/f"), "/bin:/usr/bin");
        awaitAnswer(s);
        assertEquals(service, status(s).pid(), "adopted");
        stoppedWithItsStatus(s, service);
        assertEquals(0, sv("-w", "30", "exit", s.toString()).exit());
        assertTrue(second.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void underRunsvdirAsSubreaperTheAdoptedServiceIsReapedAndItsFinishGetsItsExitStatus() throws Exception {
        // runit's layout in a container: the orphan becomes runsvdir's child, not the new runsv's
        Path s = exitsSevenOnTerm("f");
        Path bin = Tools.jrunitBinDir(tmp.resolve("bin"), "runsv");
        Process dir = tree.start(Tools.jrunit("runsvdir", "--container", "service"), ServiceTree.path(bin.toString()));
        int runsv = tree.awaitRunsv(dir, Set.of("f")).get("f");
        int service = awaitRun(s);
        Posix.kill(runsv, Posix.SIGKILL);
        Await.until("the orphan is runsvdir's child", LONG, () -> Procs.children(dir.pid()).contains(service));
        int again = Await.value("runsv started again", LONG, () -> {
            Integer pid = Procs.runsvChildren(dir.pid()).get("f");
            return pid != null && pid != runsv ? pid : null;
        });
        tree.remember(again);
        awaitAnswer(s);
        assertEquals(service, status(s).pid(), "adopted");
        stoppedWithItsStatus(s, service);
    }

    private void awaitAnswer(Path s) {
        Await.until("the new runsv answers", LONG, () -> {
            try {
                return sv("status", s.toString()).exit() == 0 && status(s).pid() > 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /**
     * sv down stops the adopted process; it was not the new supervisor's child, yet its ./finish gets its
     * exit status, from the kernel's record of its exit once its parent reaped it (Linux 6.15).
     */
    private void stoppedWithItsStatus(Path s, int service) throws Exception {
        Sv down = sv("-w", "30", "down", s.toString());
        assertEquals(0, down.exit(), down.out());
        assertTrue(!Procs.running(service), "down stopped the adopted process");
        Await.until("finish ran", () -> Files.exists(s.resolve("finished")));
        String v[] = System.getProperty("os.version").split("[.-]"), expected = "7 0\n";
        if (Integer.parseInt(v[0]) == 6 && Integer.parseInt(v[1]) < 15) expected = "-1 0\n"; // no exit record kept
        assertEquals(expected, Files.readString(s.resolve("finished")));
        assertEquals(0, sv("-w", "30", "up", s.toString()).exit());
        assertNotEquals(service, awaitRun(s));
    }

    @Test
    void anAdoptedRunKeepsItsReadinessAndOneNotYetReadyIsReadyWhenRunning() throws Exception {
        // r says it is ready at once; n never does (its notification pipe dies with its supervisor)
        Path r = tree.service(tree.services.resolve("r"), "echo $$ > pid; echo >&3; exec sleep 1000");
        Path n = tree.service(tree.services.resolve("n"), "echo $$ > pid; exec sleep 1000");
        for (Path d : List.of(r, n)) Files.writeString(d.resolve("notification-fd"), "3\n");
        Process first = tree.start(Tools.jrunit("runsvdir", "--hosted", "service"), "/bin:/usr/bin");
        int rPid = awaitRun(r), nPid = awaitRun(n);
        Await.until("r ready", () -> fileSize(r.resolve("supervise/ready")) == 12);
        Await.until("n not ready", () -> fileSize(n.resolve("supervise/ready")) == 0);
        byte[] label = Files.readAllBytes(r.resolve("supervise/ready"));
        Posix.kill((int) first.pid(), Posix.SIGKILL);
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        Process second = tree.start(Tools.jrunit("runsvdir", "--hosted", "service"), "/bin:/usr/bin");
        for (Path d : List.of(r, n)) awaitAnswer(d);
        assertEquals(rPid, status(r).pid());
        assertEquals(nPid, status(n).pid());
        assertTrue(java.util.Arrays.equals(label, Files.readAllBytes(r.resolve("supervise/ready"))), "r's readiness kept");
        assertTrue(!Files.exists(n.resolve("supervise/ready")), "n: ready when running");
        assertEquals(0, sv("-w", "30", "restart", r.toString()).exit());
        Await.until("the new run of r ready again", () -> {
            try {
                byte[] b = Files.readAllBytes(r.resolve("supervise/ready"));
                return b.length == 12 && !java.util.Arrays.equals(b, label);
            } catch (IOException e) {
                return false;
            }
        });
        assertTrue(second.isAlive());
    }

    private static long fileSize(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void aRecordNamingAnUnrelatedProcessIsIgnoredAndTheProcessNeverSignalled() throws Exception {
        // a live process of the same age as the record, elsewhere: a reused pid or a forged record
        strangerIsIgnored(false);
    }

    @Test
    void aRecordOlderThanTheProcessItNamesIsIgnored() throws Exception {
        // in the service directory, but started an hour after the record says: the pid was reused
        strangerIsIgnored(true);
    }

    private void strangerIsIgnored(boolean inServiceDir) throws Exception {
        Path s = tree.service("s");
        Files.createDirectories(s.resolve("supervise"));
        Process stranger = new ProcessBuilder("sleep", "1000").directory((inServiceDir ? s : tmp).toFile()).start();
        try {
            Tai64n when = inServiceDir ? Tai64n.of(java.time.Instant.now().minusSeconds(3600)) : Tai64n.now();
            byte[] record = new SuperviseStatus(when, (int) stranger.pid(), false, 'u', false, SuperviseStatus.State.RUN).encode();
            Files.write(s.resolve("supervise/status"), record);
            Process runsv = tree.start(Tools.jrunit("runsv", "service/s"), "/bin:/usr/bin");
            int service = tree.servicePid(s);
            assertNotEquals(stranger.pid(), (long) service);
            // the run script may write its pid file before runsv has replaced the forged record
            Await.until("the record names the new instance", LONG, () -> status(s).pid() == service);
            assertEquals(0, sv("-w", "30", "restart", s.toString()).exit());
            Await.until("restarted", LONG, () -> status(s).pid() != service && Procs.running(status(s).pid()));
            assertEquals(0, sv("-w", "30", "exit", s.toString()).exit());
            assertTrue(runsv.waitFor(30, TimeUnit.SECONDS));
            assertTrue(stranger.isAlive(), "the stranger was never signalled");
            assertEquals("S", Procs.stat(stranger.pid())[0], "nor stopped");
        } finally {
            stranger.destroyForcibly();
            stranger.waitFor();
        }
    }
}
