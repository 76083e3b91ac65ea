package jrunit.runsvdir;

import jrunit.common.Posix;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code runsvdir --container} with s6's {@code down-signal} and {@code timeout-kill}: the 'd' it writes
 * makes each supervisor (our runsv processes, or hosted supervisors) send the service's down signal and
 * KILL it after its timeout-kill, all within the container's own deadline, which still kills whatever is
 * left when it comes first.
 */
class ContainerServiceFilesTest extends ServiceTreeTest {
    enum Mode { RUNSV, HOSTED }

    private Process runsvdir(Mode mode, int seconds) throws IOException {
        List<String> args = new ArrayList<>();
        if (mode == Mode.HOSTED) args.add("--hosted");
        args.addAll(List.of("--container=" + seconds, "service"));
        String path = mode == Mode.HOSTED ? "/bin:/usr/bin"
                : ServiceTree.path(Tools.jrunitBinDir(tmp.resolve("bin"), "runsv").toString()); // our runsv, not Debian's
        return tree.start(Tools.jrunit("runsvdir", args.toArray(String[]::new)), path);
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Ignores TERM, exits on HUP (its down-signal). */
    private Path hangsUpOnHup() throws IOException {
        Path d = tree.service(tree.services.resolve("hup"),
                "trap 'echo HUP >> sigs; exit 0' HUP\ntrap 'echo TERM >> sigs' TERM\necho $$ > pid\nwhile :; do sleep 0.05; done");
        Files.writeString(d.resolve("down-signal"), "SIGHUP\n");
        return d;
    }

    /** Ignores TERM (sleep inherits the ignored disposition); its ./finish records how it ended. */
    private Path stubborn(int timeoutKillMillis) throws IOException {
        Path d = tree.service(tree.services.resolve("stubborn"), "trap '' TERM\necho $$ > pid\nexec sleep 1000");
        Files.writeString(d.resolve("timeout-kill"), timeoutKillMillis + "\n");
        Files.writeString(d.resolve("finish"), "#!/bin/sh\necho \"$1 $2\" >> finished\n");
        d.resolve("finish").toFile().setExecutable(true, false);
        return d;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void honoursDownSignalAndTimeoutKillWithinItsDeadline(Mode mode) throws Exception {
        Path hup = hangsUpOnHup();
        Path stubborn = stubborn(500);
        Process p = runsvdir(mode, 30);
        int hupPid = tree.servicePid(hup); // its traps are set once it has written its pid
        int stubbornPid = tree.servicePid(stubborn);
        Await.until("stubborn ignores TERM (runs sleep)", () -> Procs.comm(stubbornPid).equals("sleep"));
        List<Integer> before = Procs.descendants(p.pid());
        Posix.kill((int) p.pid(), Posix.SIGTERM);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "runsvdir did not exit");
        assertEquals(0, p.exitValue(), "everything stopped before the container's deadline: " + tree.stderr(p));
        assertFalse(tree.stderr(p).contains("still running at the deadline"), tree.stderr(p));
        assertEquals(List.of("HUP"), lines(hup.resolve("sigs")), "the down signal, not TERM");
        assertEquals(List.of("-1 9"), lines(stubborn.resolve("finished")), "KILLed by its supervisor after timeout-kill");
        assertTrue(before.contains(hupPid) && before.contains(stubbornPid));
        for (int pid : before) Await.until("process " + pid + " gone", () -> !Procs.running(pid));
    }

    @Test
    void theContainerDeadlineStillKillsWhatALongerTimeoutKillWouldLeave() throws Exception {
        Path stubborn = stubborn(60_000);
        Process p = runsvdir(Mode.HOSTED, 2);
        int pid = tree.servicePid(stubborn);
        Await.until("stubborn ignores TERM (runs sleep)", () -> Procs.comm(pid).equals("sleep"));
        Posix.kill((int) p.pid(), Posix.SIGTERM);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "runsvdir did not exit");
        assertEquals(111, p.exitValue(), tree.stderr(p));
        assertTrue(tree.stderr(p).contains("runsvdir service: warning: services still running at the deadline: killing them\n"),
                tree.stderr(p));
        Await.until("service killed", Duration.ofSeconds(10), () -> !Procs.running(pid));
    }
}
