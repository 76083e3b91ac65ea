package jrunit.sv;

import jrunit.common.SuperviseStatus;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Differential tests against a real supervisor: runit's sv and ours on the same live services,
 * stdout, stderr and exit code compared (ages may differ by one second). Each scenario that changes
 * state is replayed from the same starting state for each sv.
 */
class SvAgainstRunsvTest extends SvHarnessTest {
    @BeforeEach
    void needsRunit() {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
    }

    Supervisor supervise(Supervisor.Impl impl, Path dir) throws Exception {
        return stoppedAfterTest(Supervisor.start(impl, dir));
    }

    static final String LONG_RUN = "exec sleep 1000";

    @ParameterizedTest
    @EnumSource(Supervisor.Impl.class)
    void statusOfRunningDownAndNormallyDownServices(Supervisor.Impl impl) throws Exception {
        Supervisor web = supervise(impl, h.service("web", LONG_RUN, true));
        Supervisor nolog = supervise(impl, h.service("nolog", LONG_RUN, false));
        Path dn = h.service("dn", LONG_RUN, false);
        Files.createFile(dn.resolve("down"));
        Supervisor dnSv = supervise(impl, dn);
        web.awaitUp(web.dir);
        web.awaitUp(web.dir.resolve("log"));
        nolog.awaitUp(nolog.dir);
        h.same("status", "web");
        h.same("status", "nolog");
        h.same("status", "dn");
        h.same("status", "web", "nolog", "dn", "missing");
        h.same("up", "web");
        h.same("-v", "up", "web", "nolog");
        h.same("-v", "check", "web", "dn");
        h.sameAs("web", "status");
        h.sameAs("dn", "status");
        h.sameAs("nolog", "status");
        // paused, then continued
        h.runit("pause", "nolog");
        Await.until("paused", () -> Supervisor.status(nolog.dir).paused());
        h.same("status", "nolog");
        h.same("-v", "pause", "nolog");
        h.same("-v", "cont", "nolog");
        assertTrue(!Supervisor.status(nolog.dir).paused());
        h.same("status", "nolog");
        dnSv.awaitDown(dn);
    }

    @ParameterizedTest
    @EnumSource(Supervisor.Impl.class)
    void downUpAndOnceReplayedForEachSv(Supervisor.Impl impl) throws Exception {
        Supervisor web = supervise(impl, h.service("web", LONG_RUN, true));
        Path dn = h.service("dn", LONG_RUN, false);
        Files.createFile(dn.resolve("down"));
        Supervisor dnSv = supervise(impl, dn);
        web.awaitUp(web.dir);
        for (boolean runit : new boolean[] {true, false}) {
            Run down = runit ? h.runit("-v", "down", "web") : h.ours("-v", "down", "web");
            assertEquals("ok: down: web: 0s, normally up\n", down.stdout().replaceAll("\\d+s", "0s"), down.toString());
            assertEquals(0, down.code());
            h.same("status", "web");
            // main down, log up: runit 2.1.2 exits 0 (the log's code), we follow 2.3.0 (the service's)
            long lsbStart = System.nanoTime();
            Run lsbStatus = h.oursAs("web", "status");
            assertEquals(3, lsbStatus.code(), lsbStatus.toString());
            Run.assertSameText(h.runitAs("web", "status").stdout(), lsbStatus.stdout(), "init-script status text",
                    Run.secondsSince(lsbStart));
            Run up = runit ? h.runit("-v", "up", "web") : h.ours("-v", "up", "web");
            assertTrue(up.stdout().matches("ok: run: web: \\(pid " + Supervisor.status(web.dir).pid() + "\\) \\ds\n"), up.toString());
            // sv's once is satisfied by a service that went down in the second sv started or later (both
            // sv's, whole seconds): let the second in which dn went down pass first
            long downSince = Supervisor.status(dn).since().unixSeconds();
            Await.until("a second after dn went down", () -> System.currentTimeMillis() / 1000 > downSince);
            Run once = runit ? h.runit("-v", "once", "dn") : h.ours("-v", "once", "dn");
            assertTrue(once.stdout().matches("ok: run: dn: \\(pid " + Supervisor.status(dn).pid() + "\\) \\ds, normally down, want down\n"),
                    once.toString());
            h.same("status", "dn");
            // down re-sends d to a service taken up with once (no TERM sent yet)
            Run stop = runit ? h.runitAs("dn", "stop") : h.oursAs("dn", "stop");
            assertEquals("ok: down: dn: 0s\n", stop.stdout().replaceAll("\\d+s", "0s"), stop.toString());
            dnSv.awaitDown(dn);
            Run start = runit ? h.runitAs("dn", "start") : h.oursAs("dn", "start");
            assertTrue(start.stdout().matches("ok: run: dn: \\(pid " + Supervisor.status(dn).pid() + "\\) \\ds, normally down\n"), start.toString());
            h.sameAs("dn", "status");
            h.same("-w", "5", "down", "dn");
        }
    }

    @ParameterizedTest
    @EnumSource(Supervisor.Impl.class)
    void restartWaitsForTheNewProcess(Supervisor.Impl impl) throws Exception {
        Supervisor web = supervise(impl, h.service("web", LONG_RUN, false));
        web.awaitUp(web.dir);
        for (boolean runit : new boolean[] {true, false}) {
            int before = Supervisor.status(web.dir).pid();
            // runsv restarts at once only if ./run has been up for a second
            Await.until("up for over a second", () -> Supervisor.status(web.dir).since().toInstant()
                    .isBefore(java.time.Instant.now().minusMillis(1100)));
            Run r = runit ? h.runit("-w", "5", "restart", "web") : h.ours("-w", "5", "restart", "web");
            SuperviseStatus after = Supervisor.status(web.dir);
            assertNotEquals(before, after.pid(), r.toString());
            assertTrue(r.stdout().matches("ok: run: web: \\(pid " + after.pid() + "\\) [01]s\n"), r.toString());
            assertEquals("", r.stderr());
            assertEquals(0, r.code());
        }
    }

    @ParameterizedTest
    @EnumSource(Supervisor.Impl.class)
    void checkScripts(Supervisor.Impl impl) throws Exception {
        Path failing = h.service("failing", LONG_RUN, false);
        SvHarness.executable(failing.resolve("check"), "#!/bin/sh\nexit 1\n");
        Path passing = h.service("passing", LONG_RUN, false);
        // the check runs in the service directory with stdout closed
        SvHarness.executable(passing.resolve("check"), "#!/bin/sh\n[ -f run ] && ! echo x 2>/dev/null\n");
        Path noexec = h.service("noexec", LONG_RUN, false);
        Files.writeString(noexec.resolve("check"), "#!/bin/sh\nexit 1\n");
        for (Path p : List.of(failing, passing, noexec)) supervise(impl, p).awaitUp(p);
        h.same("-w", "1", "-v", "up", "failing");
        h.same("-w", "1", "check", "failing");
        h.same("-v", "up", "passing");
        h.same("check", "passing", "noexec");
        h.same("-v", "up", "noexec");
        h.sameAs("failing", "-w", "1", "start");
        h.same("status", "failing", "passing", "noexec");
    }

    @ParameterizedTest
    @EnumSource(Supervisor.Impl.class)
    void runsvNotRunningAndExit(Supervisor.Impl impl) throws Exception {
        Path web = h.service("web", LONG_RUN, true);
        Supervisor s = supervise(impl, web);
        s.awaitUp(web);
        Run exit = h.runit("-w", "10", "exit", "web");
        assertEquals("ok: web: runsv not running\n", exit.stdout(), exit.toString());
        Await.until("runsv gone", () -> !Supervisor.alive(web));
        h.same("status", "web");
        h.same("up", "web");
        h.same("exit", "web");
        h.same("-v", "down", "web");
        h.same("-w", "1", "force-shutdown", "web");
        h.sameAs("web", "status");
        h.sameAs("web", "start");
        // again, the exit now sent by our sv
        Supervisor again = supervise(impl, web);
        again.awaitUp(web);
        Run ours = h.ours("-w", "10", "exit", "web");
        assertEquals(exit, ours);
        Await.until("runsv gone", () -> !Supervisor.alive(web));
    }
}
