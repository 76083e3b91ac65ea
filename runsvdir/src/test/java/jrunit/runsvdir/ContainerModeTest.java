package jrunit.runsvdir;

import jrunit.common.Posix;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code runsvdir --container}: orphans reaped (as PID 1 of a real PID namespace, and as a subreaper),
 * TERM brings every service down with its log service last, exit 0 in time, 111 after killing what is left.
 */
class ContainerModeTest extends ServiceTreeTest {
    /** A service that logs a first line, and on TERM a last line, through a log service into {@code main.log}. */
    private Path loggedService() throws IOException {
        Path main = tree.service(tree.services.resolve("main"),
                "exec 2>&1\necho $$ > pid\ntrap 'echo last line; exit 0' TERM\necho first line\nwhile :; do sleep 0.1; done");
        tree.service(main.resolve("log"), "echo $$ > pid; exec cat >> " + tmp.resolve("main.log"));
        return main;
    }

    /** A service that leaves an orphan behind every time it starts, and records the orphan's pid. */
    private void orphaningService() throws IOException {
        tree.service(tree.services.resolve("orphaner"), "echo $$ > pid\nsh -c 'sleep 4 & echo $! > orphan.pid'\nexec sleep 1000");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private void assertShutDownCleanly(Process p, long runsvdirPid, String... nsCommand) throws Exception {
        Path main = tree.services.resolve("main");
        Await.until("the service logged its first line", Duration.ofSeconds(30), () -> read(tmp.resolve("main.log")).contains("first line\n"));
        Await.until("log service up", () -> Files.exists(main.resolve("log/supervise/status")));
        List<Integer> before = Procs.descendants(runsvdirPid);
        Posix.kill((int) runsvdirPid, Posix.SIGTERM);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "runsvdir did not exit");
        assertEquals(0, p.exitValue(), "everything stopped in time: " + tree.stderr(p));
        assertTrue(read(tmp.resolve("main.log")).endsWith("first line\nlast line\n"),
                "the log service wrote the service's last line: " + read(tmp.resolve("main.log")));
        for (int pid : before) assertTrue(!Procs.running(pid), "process " + pid + " " + Procs.cmdline(pid) + " still running");
    }

    @Test
    void asSubreaperReapsOrphansAndShutsDownInOrder() throws Exception {
        loggedService();
        orphaningService();
        Process p = tree.start(Tools.jrunit("runsvdir", "--container=30", "service"), ServiceTree.path("/usr/bin"));
        tree.awaitRunsv(p, java.util.Set.of("main", "orphaner"));
        int orphan = Await.value("orphan pid", () -> {
            String s = read(tree.services.resolve("orphaner/orphan.pid")).trim();
            return s.isEmpty() ? null : Integer.parseInt(s);
        });
        // adopted by runsvdir (subreaper), then reaped when it exits: no zombie left
        // its parent (sh -c) writes orphan.pid before it exits: the orphan is reparented a moment later
        Await.until("orphan " + orphan + " adopted by runsvdir", () -> {
            String[] st = Procs.stat(orphan);
            assertTrue(st != null, "the orphan sleeps 4 s: still there");
            return st[1].equals(String.valueOf(p.pid()));
        });
        Await.until("orphan " + orphan + " reaped", Duration.ofSeconds(30), () -> Procs.stat(orphan) == null);
        assertShutDownCleanly(p, p.pid());
    }

    @Test
    void killsWhatIgnoresTermAtTheDeadline() throws Exception {
        Path stubborn = tree.service(tree.services.resolve("stubborn"), "echo $$ > pid; trap '' TERM; exec sleep 1000");
        Process p = tree.start(Tools.jrunit("runsvdir", "--container=2", "service"), ServiceTree.path("/usr/bin"));
        tree.awaitRunsv(p, java.util.Set.of("stubborn"));
        int service = tree.servicePid(stubborn);
        List<Integer> before = Procs.descendants(p.pid());
        Posix.kill((int) p.pid(), Posix.SIGTERM);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "runsvdir did not exit");
        assertEquals(111, p.exitValue(), "not everything stopped in time");
        assertTrue(tree.stderr(p).contains("runsvdir service: warning: services still running at the deadline: killing them\n"), tree.stderr(p));
        assertTrue(before.contains(service));
        for (int pid : before) Await.until("process " + pid + " killed", () -> !Procs.running(pid));
    }

    @Test
    void asPidOneOfANamespace() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: unshare --pid --fork --mount-proc");
        loggedService();
        orphaningService();
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc"));
        cmd.addAll(Tools.jrunit("runsvdir", "--container=30", "-P", "service"));
        Process unshare = tree.start(cmd, ServiceTree.path("/usr/bin"));
        long runsvdir = Await.value("runsvdir as PID 1", () -> {
            List<Integer> c = Procs.children(unshare.pid());
            return c.isEmpty() ? null : (long) c.getFirst();
        });
        Await.until("runsvdir is PID 1 in its namespace", () -> nsPids(runsvdir).endsWith(" 1"));
        tree.remember(runsvdir);
        Await.until("runsv for both", Duration.ofSeconds(30), () -> Procs.runsvChildren(runsvdir).size() == 2);
        int nsOrphan = Await.value("orphan pid", () -> {
            String s = read(tree.services.resolve("orphaner/orphan.pid")).trim();
            return s.isEmpty() ? null : Integer.parseInt(s);
        });
        // find it from outside: a process of runsvdir's namespace whose innermost pid is nsOrphan
        Integer hostOrphan = hostPidOf(runsvdir, nsOrphan);
        assertTrue(hostOrphan != null, "the orphan sleeps 4 s: still there");
        Await.until("orphan adopted by PID 1", () -> Procs.stat(hostOrphan) == null
                || Procs.stat(hostOrphan)[1].equals(String.valueOf(runsvdir)));
        Await.until("orphan reaped by PID 1 (no zombie)", Duration.ofSeconds(30), () -> Procs.stat(hostOrphan) == null);
        Await.until("no zombie children of PID 1", Duration.ofSeconds(30), () -> Procs.children(runsvdir).stream()
                .noneMatch(c -> Procs.stat(c) != null && Procs.stat(c)[0].equals("Z")));
        assertShutDownCleanly(unshare, runsvdir);
    }

    private static String nsPids(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("NSpid:")) return line.substring(6).trim().replace('\t', ' ');
            }
        } catch (IOException e) {
            // gone
        }
        return "";
    }

    private static Integer hostPidOf(long nsInit, int nsPid) throws IOException {
        String ns = Files.readSymbolicLink(Path.of("/proc/" + nsInit + "/ns/pid")).toString();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : all) {
                try {
                    if (!Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(ns)) continue;
                    String ids = nsPids(Long.parseLong(p.getFileName().toString()));
                    if (ids.endsWith(" " + nsPid)) return Integer.parseInt(p.getFileName().toString());
                } catch (IOException | RuntimeException e) {
                    // gone
                }
            }
        }
        return null;
    }
}
