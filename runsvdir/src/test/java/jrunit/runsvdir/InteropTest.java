package jrunit.runsvdir;

import jrunit.common.Posix;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Mixed pairs: Debian's runsvdir starting our runsv (through PATH), our runsvdir starting our runsv, and
 * both of our modes run by an unprivileged user on a tree it owns.
 */
class InteropTest extends ServiceTreeTest {
    private static boolean isJvm(int pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).getFileName().toString().equals("java");
        } catch (IOException e) {
            return false;
        }
    }

    private void supervisesWithOurRunsv(Process runsvdir, Path a, Path b) throws Exception {
        Map<String, Integer> runsv = tree.awaitRunsv(runsvdir, Set.of("a", "b"));
        for (int pid : runsv.values()) {
            assertTrue(isJvm(pid), "runsv " + pid + " is jrunit's");
            Await.until("ps shows runsv " + pid + " as runsv", () -> "runsv".equals(Procs.comm(pid)));
        }
        tree.servicePid(a);
        tree.servicePid(b);
        // a killed runsv is replaced by another of ours
        int first = runsv.get("a");
        Posix.kill(first, 9);
        Await.until("runsv a replaced", java.time.Duration.ofSeconds(30), () -> {
            Integer now = Procs.runsvChildren(runsvdir.pid()).get("a");
            return now != null && now != first && isJvm(now);
        });
    }

    @Test
    void debiansRunsvdirStartsOurRunsv() throws Exception {
        Path a = tree.service("a"), b = tree.service("b");
        Path bin = Tools.jrunitBinDir(tmp.resolve("bin"), "runsv");
        Process p = tree.start(List.of(Tools.runit("runsvdir"), "-P", "service"), ServiceTree.path(bin.toString()));
        supervisesWithOurRunsv(p, a, b);
    }

    @Test
    void ourRunsvdirStartsOurRunsv() throws Exception {
        Path a = tree.service("a"), b = tree.service("b");
        Path bin = Tools.jrunitBinDir(tmp.resolve("bin"), "runsv");
        Process p = tree.start(Tools.jrunit("runsvdir", "-P", "service"), ServiceTree.path(bin.toString()));
        supervisesWithOurRunsv(p, a, b);
        Posix.kill((int) p.pid(), Posix.SIGHUP);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(111, p.exitValue());
    }

    /** As {@code nobody} on a tree nobody owns: supervise/ state, FIFOs and locks need no privilege. */
    private void asNobody(String... runsvdirArgs) throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: to become nobody with setpriv");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path a = tree.service("a");
        var nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        try (var walk = Files.walk(tree.services)) {
            for (Path p : walk.toList()) Files.setOwner(p, nobody);
        }
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
        cmd.addAll(Tools.jrunit("runsvdir", runsvdirArgs));
        Process p = tree.start(cmd, ServiceTree.path("/usr/bin"));
        int service = Await.value("service a running as nobody (stderr: " + tree.stderr(p) + ")", () -> {
            try {
                int pid = Integer.parseInt(Files.readString(a.resolve("pid")).trim());
                return Procs.running(pid) ? pid : null;
            } catch (IOException | NumberFormatException e) {
                return null;
            }
        });
        int nobodyUid = (Integer) Files.getAttribute(tree.services, "unix:uid");
        assertEquals(nobodyUid, (Integer) Files.getAttribute(Path.of("/proc/" + service), "unix:uid"));
        assertEquals(nobodyUid, (Integer) Files.getAttribute(a.resolve("supervise/status"), "unix:uid"));
        // the service can write its pid file before its supervisor has recorded the start
        Await.until("supervisor records service a as running", () -> {
            try {
                return Files.readString(a.resolve("supervise/stat")).equals("run\n");
            } catch (IOException e) {
                return false;
            }
        });
        // runit's sv (as root here) reads the state a non-root supervisor wrote
        Process sv = new ProcessBuilder(Tools.runit("sv"), "status", a.toString()).redirectErrorStream(true).start();
        String out = new String(sv.getInputStream().readAllBytes());
        assertTrue(sv.waitFor(30, TimeUnit.SECONDS));
        assertTrue(out.startsWith("run: " + a + ": (pid " + service + ")"), out);
    }

    @Test
    void runitLayoutAsNobody() throws Exception {
        asNobody("-P", "service");
    }

    @Test
    void hostedAsNobody() throws Exception {
        asNobody("--hosted", "service");
    }
}
