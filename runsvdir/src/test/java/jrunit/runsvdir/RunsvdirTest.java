package jrunit.runsvdir;

import jrunit.common.Posix;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** runsvdir in runit's layout (one runsv process per service), with Debian's runsv as the supervisor. */
class RunsvdirTest extends ServiceTreeTest {
    private static int exit(Process p) throws InterruptedException {
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "runsvdir " + p.pid() + " did not exit");
        return p.exitValue();
    }

    @Test
    void usageWithoutDirectory() throws Exception {
        for (String[] args : List.of(new String[] {}, new String[] {"-P"}, new String[] {"--"})) {
            Process p = tree.runsvdir(args);
            assertEquals(1, exit(p));
            assertEquals("usage: runsvdir [-P] dir\n\n", tree.stderr(p));
        }
    }

    @Test
    void unknownLongOptionIsRefused() throws Exception {
        Process p = tree.runsvdir("--hostd", "service");
        assertEquals(1, exit(p));
        assertEquals("runsvdir: unknown option: --hostd\nusage: runsvdir [-P] dir\n\n", tree.stderr(p));
    }

    @Test
    void shortLogIsDisabledWithRunitsWarnings() throws Exception {
        Process ours = tree.runsvdir("service", "abc");
        Process runit = tree.start(List.of(Tools.runit("runsvdir"), "service", "abc"), ServiceTree.path("/usr/bin"));
        String expected = "runsvdir service: warning: log must have at least seven characters.\n"
                + "runsvdir service: warning: log service disabled.\n";
        Await.until("runit's warnings", () -> tree.stderr(runit).equals(expected));
        Await.until("our warnings (got: " + tree.stderr(ours) + ")", () -> tree.stderr(ours).equals(expected));
    }

    @Test
    void missingDirectoryIsWarnedAboutAndWaitedFor() throws Exception {
        Process p = tree.runsvdir("nowhere");
        Await.until("stat warning", () -> tree.stderr(p).startsWith(
                "runsvdir nowhere: warning: unable to stat nowhere: file does not exist\n"));
        assertTrue(p.isAlive());
        tree.service(tmp.resolve("nowhere/late"), "exec sleep 1000");
        tree.awaitRunsv(p, Set.of("late"));
    }

    @Test
    void scansSkippingDotNamesFilesAndDanglingLinksAndFollowingSymlinks() throws Exception {
        tree.service("a");
        tree.service("b");
        tree.service(".hidden");
        Files.writeString(tree.services.resolve("plainfile"), "x");
        Path outside = tree.service(tmp.resolve("elsewhere/linked"), "echo $$ > pid; exec sleep 1000");
        Files.createSymbolicLink(tree.services.resolve("link"), outside);
        Files.createSymbolicLink(tree.services.resolve("dangling"), tmp.resolve("nothing-here"));
        Process p = tree.runsvdir("service");
        Map<String, Integer> runsv = tree.awaitRunsv(p, Set.of("a", "b", "link"));
        tree.servicePid(outside);
        assertFalse(Files.exists(tree.services.resolve(".hidden/supervise")), "dot-name service was started");
        Await.until("dangling link warned about", () -> tree.stderr(p).contains(
                "runsvdir service: warning: unable to stat dangling: file does not exist\n"));
        assertEquals(List.of("runsv", "a"), Procs.cmdline(runsv.get("a")));
        // without -P every runsv stays in runsvdir's process group
        assertEquals(Procs.stat(p.pid())[2], Procs.stat(runsv.get("a"))[2]);
    }

    @Test
    void twoNamesForOneDirectoryGetOneRunsv() throws Exception {
        Path real = tree.service("real");
        Files.createSymbolicLink(tree.services.resolve("alias"), real);
        Process p = tree.runsvdir("service");
        Await.until("one runsv for both names", Duration.ofSeconds(30), () -> {
            Map<String, Integer> r = Procs.runsvChildren(p.pid());
            return r.size() == 1 && (r.containsKey("real") || r.containsKey("alias"));
        });
        tree.servicePid(real);
        // a second scan (the directory changes) still does not add one
        tree.service("other");
        Await.until("other started", Duration.ofSeconds(30), () -> Procs.runsvChildren(p.pid()).containsKey("other"));
        assertEquals(2, Procs.runsvChildren(p.pid()).size());
    }

    @Test
    void newServicesArePickedUpAndRemovedOnesStopped() throws Exception {
        Path a = tree.service("a");
        Path b = tree.service("b");
        Process p = tree.runsvdir("service");
        Map<String, Integer> runsv = tree.awaitRunsv(p, Set.of("a", "b"));
        int bService = tree.servicePid(b);
        tree.servicePid(a);

        Path c = tree.service("c");
        tree.awaitRunsv(p, Set.of("a", "b", "c"));
        tree.servicePid(c);

        // removed: its runsv gets TERM (stops the service, exits) and is not restarted
        Files.move(b, tmp.resolve("b.removed"));
        Await.until("runsv b exited", Duration.ofSeconds(30), () -> !Procs.running(runsv.get("b")));
        Await.until("service b stopped", () -> !Procs.running(bService));
        tree.awaitRunsv(p, Set.of("a", "c"));
    }

    @Test
    void renamedServiceKeepsItsRunsv() throws Exception {
        tree.service("old");
        Process p = tree.runsvdir("service");
        int before = tree.awaitRunsv(p, Set.of("old")).get("old");
        // a runsv process named "old" may not have changed into old/ yet: wait until its service runs
        tree.servicePid(tree.services.resolve("old"));
        Files.move(tree.services.resolve("old"), tree.services.resolve("new"));
        tree.service("marker"); // a new service proves a rescan happened after the rename
        tree.awaitRunsv(p, Set.of("old", "marker"));
        assertEquals(before, Procs.runsvChildren(p.pid()).get("old"));
    }

    @Test
    void deadRunsvIsRestarted() throws Exception {
        tree.service("a");
        Process p = tree.runsvdir("service");
        int first = tree.awaitRunsv(p, Set.of("a")).get("a");
        Posix.kill(first, Posix.SIGKILL);
        Await.until("a new runsv for a", Duration.ofSeconds(30), () -> {
            Integer now = Procs.runsvChildren(p.pid()).get("a");
            return now != null && now != first;
        });
        Await.until("the old runsv reaped (no zombie)", () -> Procs.stat(first) == null || !Procs.stat(first)[1].equals(String.valueOf(p.pid())));
    }

    @Test
    void dashPPutsEachRunsvInItsOwnSession() throws Exception {
        tree.service("a");
        tree.service("b");
        Process p = tree.runsvdir("-P", "service");
        for (int pid : tree.awaitRunsv(p, Set.of("a", "b")).values()) {
            String[] st = Procs.stat(pid);
            assertEquals(String.valueOf(pid), st[2], "pgid of runsv " + pid);
            assertEquals(String.valueOf(pid), st[3], "sid of runsv " + pid);
        }
    }

    @Test
    void termExitsZeroAndLeavesRunsvRunning() throws Exception {
        Path a = tree.service("a");
        Process p = tree.runsvdir("-P", "service");
        int runsv = tree.awaitRunsv(p, Set.of("a")).get("a");
        int service = tree.servicePid(a);
        Posix.kill((int) p.pid(), Posix.SIGTERM);
        assertEquals(0, exit(p));
        assertTrue(Procs.running(runsv), "runsv survives runsvdir's TERM");
        assertTrue(Procs.running(service), "the service survives runsvdir's TERM");
    }

    @Test
    void hupTerminatesEveryRunsvAndExits111() throws Exception {
        Path a = tree.service("a");
        Path b = tree.service("b");
        Process p = tree.runsvdir("-P", "service");
        Map<String, Integer> runsv = tree.awaitRunsv(p, Set.of("a", "b"));
        int sa = tree.servicePid(a), sb = tree.servicePid(b);
        Posix.kill((int) p.pid(), Posix.SIGHUP);
        assertEquals(111, exit(p));
        for (int pid : List.of(runsv.get("a"), runsv.get("b"), sa, sb)) {
            // the runsv processes are orphans now: reaped by whoever adopts them; gone or zombie is fine
            Await.until("process " + pid + " stopped", () -> !Procs.running(pid));
        }
    }

    @Test
    void runsvNotOnPathIsReportedAsRunitDoes() throws Exception {
        tree.service("a");
        Process p = tree.start(Tools.jrunit("runsvdir", "service"), tmp.resolve("empty-bin").toString());
        Await.until("fatal message", () -> tree.stderr(p).contains(
                "runsvdir service: fatal: unable to start runsv a: file does not exist\n"));
        assertTrue(p.isAlive(), "runsvdir keeps going");
    }

    @Test
    void psShowsRunsvdirAndTheScrollingLog() throws Exception {
        tree.service(tree.services.resolve("talker"), "echo 'hello from talker' >&2; exec sleep 1000");
        String log = "log: " + ".".repeat(60);
        Process p = tree.runsvdir("-P", "service", log);
        assertEquals("runsvdir", Await.value("comm", () -> "runsvdir".equals(Procs.comm(p.pid())) ? "runsvdir" : null));
        Await.until("cmdline shows the service's stderr at the end of the log", Duration.ofSeconds(30), () -> {
            List<String> cmd = Procs.cmdline(p.pid());
            return cmd.size() == 4 && cmd.subList(0, 3).equals(List.of("runsvdir", "-P", "service"))
                    && cmd.get(3).length() == log.length() && cmd.get(3).startsWith("log: ")
                    && cmd.get(3).endsWith("hello from talker\n");
        });
        String shown = Procs.cmdline(p.pid()).get(3);
        // the start-up dot came first, then the message: it scrolled in from the right
        assertTrue(shown.endsWith(".hello from talker\n"), shown);
        // runsvdir's own warnings go there too, not to its original stderr
        Files.createSymbolicLink(tree.services.resolve("dangling"), tmp.resolve("nothing"));
        Await.until("warning in the title", Duration.ofSeconds(30),
                () -> Procs.cmdline(p.pid()).get(3).contains("unable to stat dangling: file does not exist"));
        assertEquals("", tree.stderr(p));
        // as in runit, the pipe is runsvdir's own fd 2, inherited by every runsv
        int runsv = tree.awaitRunsv(p, Set.of("talker")).get("talker");
        String err = Files.readSymbolicLink(Path.of("/proc/" + runsv + "/fd/2")).toString();
        assertTrue(err.startsWith("pipe:"), err);
        assertEquals(Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/fd/2")).toString(), err);
    }

    @Test
    void alrmRescansAtOnceAndLeavesATimeStampAsDebiansDoes() throws Exception {
        tree.service("a");
        Process p = tree.runsvdir("service");
        tree.awaitRunsv(p, Set.of("a"));
        Path stamp = tree.services.resolve(".forced-rescan");
        assertFalse(Files.exists(stamp));
        Posix.kill((int) p.pid(), Posix.SIGALRM);
        Await.until(".forced-rescan written", () -> Files.exists(stamp) && stamp.toFile().length() == 25);
        String label = Files.readString(stamp);
        assertTrue(label.matches("@4000[0-9a-f]{20}"), label);
        assertTrue(p.isAlive(), "ALRM does not end runsvdir");
        // the dot-name file is no service
        tree.awaitRunsv(p, Set.of("a"));
    }
}
