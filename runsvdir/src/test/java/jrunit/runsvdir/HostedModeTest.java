package jrunit.runsvdir;

import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code runsvdir --hosted}: every supervisor in runsvdir's JVM, driven by Debian's sv over the same
 * on-disk protocol; no runsv processes; one supervisor's failure leaves the others alone.
 */
class HostedModeTest extends ServiceTreeTest {
    private Process hosted(String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of("--hosted"));
        a.addAll(List.of(args));
        return tree.start(Tools.jrunit("runsvdir", a.toArray(String[]::new)), "/bin:/usr/bin");
    }

    /** Debian's sv. */
    Tools.Ran sv(String... args) throws Exception {
        return Tools.runitSv(args);
    }

    static SuperviseStatus status(Path serviceDir) {
        try {
            byte[] b = Files.readAllBytes(serviceDir.resolve("supervise/status"));
            return b.length == SuperviseStatus.SIZE ? SuperviseStatus.decode(b) : null;
        } catch (IOException e) {
            return null;
        }
    }

    static boolean running(Path serviceDir) {
        SuperviseStatus s = status(serviceDir);
        return s != null && s.state() == SuperviseStatus.State.RUN && s.pid() > 0 && Procs.running(s.pid());
    }

    private void awaitRunning(Process p, Path... dirs) {
        for (Path d : dirs) {
            Await.until(d + " running under hosted runsvdir (stderr: " + tree.stderr(p) + ")", Duration.ofSeconds(30), () -> running(d));
        }
    }

    @Test
    void supervisesEveryServiceInOneJvmAndRunitsSvDrivesThem() throws Exception {
        Path a = tree.service("a");
        Path b = tree.service("b");
        tree.service(a.resolve("log"), "exec cat > /dev/null");
        tree.service(".hidden");
        Path outside = tree.service(tmp.resolve("elsewhere/linked"), "echo $$ > pid; exec sleep 1000");
        Files.createSymbolicLink(tree.services.resolve("link"), outside);
        Process p = hosted("service");
        awaitRunning(p, a, b, outside, a.resolve("log"));
        assertFalse(Files.exists(tree.services.resolve(".hidden/supervise")));
        // no runsv processes: the services are runsvdir's own children
        assertTrue(Procs.runsvChildren(p.pid()).isEmpty());
        assertEquals(String.valueOf(p.pid()), Procs.stat(status(a).pid())[1]);
        assertEquals("runsvdir", Procs.comm(p.pid()));
        assertEquals(List.of("runsvdir", "--hosted", "service"), Procs.cmdline(p.pid()));

        Tools.Ran st = sv("status", a.toString());
        assertEquals(0, st.exit());
        assertTrue(st.out().matches("run: " + a + ": \\(pid \\d+\\) \\d+s; run: log: \\(pid \\d+\\) \\d+s\\n"), st.out());
        int before = status(b).pid();
        assertEquals(0, sv("-w", "30", "restart", b.toString()).exit());
        Await.until("b restarted", () -> running(b) && status(b).pid() != before);
        Tools.Ran down = sv("-w", "30", "down", b.toString());
        assertEquals(0, down.exit(), down.out());
        assertTrue(down.out().startsWith("ok: down: " + b + ": "), down.out());
        assertFalse(Procs.running(before));
        assertEquals(0, sv("-w", "30", "up", b.toString()).exit());
        awaitRunning(p, b);
    }

    @Test
    void picksUpNewServicesAndStopsRemovedOnes() throws Exception {
        Path a = tree.service("a");
        Process p = hosted("service");
        awaitRunning(p, a);
        Path c = tree.service("c");
        awaitRunning(p, c);
        int service = status(c).pid();
        Files.move(c, tmp.resolve("c.removed"));
        Await.until("removed service stopped", Duration.ofSeconds(30), () -> !Procs.running(service));
        assertTrue(running(a));
    }

    @Test
    void oneSupervisorsFailureLeavesTheOthersAlone() throws Exception {
        Path good = tree.service("good");
        Path broken = tree.service("broken");
        // runsv cannot set up supervise/ where a plain file is in the way: a fatal error, for this one only
        Files.writeString(broken.resolve("supervise"), "not a directory");
        Path doomed = tree.service("doomed");
        Process p = hosted("service");
        awaitRunning(p, good, doomed);
        Await.until("broken reported as runsv would", () -> tree.stderr(p).contains("runsv broken: fatal: unable to"));
        int goodPid = status(good).pid();

        // a directory that vanishes under its supervisor, files and all
        int doomedPid = status(doomed).pid();
        try (Stream<Path> walk = Files.walk(doomed)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
        Await.until("the vanished service stopped", Duration.ofSeconds(30), () -> !Procs.running(doomedPid));

        // the broken one is retried and comes up once fixed
        Files.delete(broken.resolve("supervise"));
        awaitRunning(p, broken);
        assertTrue(p.isAlive());
        assertEquals(goodPid, status(good).pid(), "the good service was never disturbed");
        assertEquals(0, sv("status", good.toString()).exit());
    }

    @Test
    void hupStopsEveryServiceAndExits111() throws Exception {
        Path a = tree.service("a");
        Path b = tree.service("b");
        tree.service(a.resolve("log"), "exec cat > /dev/null");
        Process p = hosted("service");
        awaitRunning(p, a, b, a.resolve("log"));
        List<Integer> pids = List.of(status(a).pid(), status(b).pid(), status(a.resolve("log")).pid());
        Posix.kill((int) p.pid(), Posix.SIGHUP);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(111, p.exitValue());
        for (int pid : pids) assertFalse(Procs.running(pid), "process " + pid + " still running");
    }

    @Test
    void termExitsZeroAtOnce() throws Exception {
        Path a = tree.service("a");
        Process p = hosted("service");
        awaitRunning(p, a);
        Posix.kill((int) p.pid(), Posix.SIGTERM);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
    }

    @Test
    void containerModeShutsDownAndReapsOrphansWithoutStealingExitStatuses() throws Exception {
        Path main = tree.service(tree.services.resolve("main"),
                "exec 2>&1\ntrap 'echo last line; exit 0' TERM\necho first line\nwhile :; do sleep 0.1; done");
        tree.service(main.resolve("log"), "exec cat >> " + tmp.resolve("main.log"));
        // exits 3 after leaving an orphan; its finish records the exit code it was given
        Path quitter = tree.service(tree.services.resolve("quitter"),
                "sh -c 'sleep 3 & echo $! > orphan.pid'\nsleep 0.3\nexit 3");
        Files.writeString(quitter.resolve("finish"), "#!/bin/sh\necho \"$1\" >> finish.codes\n");
        quitter.resolve("finish").toFile().setExecutable(true);
        Process p = hosted("--container=30", "service");
        awaitRunning(p, main);
        Await.until("finish got exit code 3 several times", Duration.ofSeconds(30), () -> {
            try {
                return Files.readAllLines(quitter.resolve("finish.codes")).size() >= 3;
            } catch (IOException e) {
                return false;
            }
        });
        assertTrue(Files.readAllLines(quitter.resolve("finish.codes")).stream().allMatch("3"::equals),
                Files.readString(quitter.resolve("finish.codes")));
        int orphan = Integer.parseInt(Files.readString(quitter.resolve("orphan.pid")).trim());
        Await.until("orphan " + orphan + " reaped by the subreaper", Duration.ofSeconds(30), () -> Procs.stat(orphan) == null
                || !Procs.stat(orphan)[1].equals(String.valueOf(p.pid())));
        Await.until("no zombie children", Duration.ofSeconds(30), () -> Procs.children(p.pid()).stream()
                .noneMatch(c -> Procs.stat(c) != null && Procs.stat(c)[0].equals("Z")));
        List<Integer> before = Procs.descendants(p.pid());
        Posix.kill((int) p.pid(), Posix.SIGTERM);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), tree.stderr(p));
        String log = Files.readString(tmp.resolve("main.log"));
        assertTrue(log.startsWith("first line\n") && log.endsWith("last line\n"), log);
        for (int pid : before) assertFalse(Procs.running(pid), "process " + pid + " " + Procs.cmdline(pid) + " still running");
    }

    @Test
    void readproctitleLogWorksHostedToo() throws Exception {
        Path talker = tree.service(tree.services.resolve("talker"), "echo $$ > pid; echo 'hosted talker' >&2; exec sleep 1000");
        String log = "log: " + ".".repeat(40);
        Process p = hosted("service", log);
        awaitRunning(p, talker);
        Await.until("the service's stderr scrolled into the title", Duration.ofSeconds(30), () -> {
            List<String> cmd = Procs.cmdline(p.pid());
            return cmd.size() == 4 && cmd.get(3).length() == log.length() && cmd.get(3).endsWith(".hosted talker\n");
        });
        assertEquals(List.of("runsvdir", "--hosted", "service"), Procs.cmdline(p.pid()).subList(0, 3));
        assertEquals("", tree.stderr(p), "runsvdir's own stderr is the log pipe");
    }

    @Test
    void renamedServiceKeepsItsSupervisorAsWithRunsv() throws Exception {
        Path old = tree.service("old");
        Process p = hosted("service");
        awaitRunning(p, old);
        int pid = status(old).pid();
        Path renamed = tree.services.resolve("new");
        Files.move(old, renamed);
        Path marker = tree.service("marker"); // a new service proves a rescan happened after the rename
        awaitRunning(p, marker);
        assertEquals(pid, status(renamed).pid(), "same service process, not restarted");
        // the supervisor follows its directory: sv drives it under the new name
        assertEquals(0, sv("-w", "30", "restart", renamed.toString()).exit());
        Await.until("restarted under the new name", () -> running(renamed) && status(renamed).pid() != pid);
        assertFalse(Files.exists(old), "nothing recreated at the old name");
    }
}
