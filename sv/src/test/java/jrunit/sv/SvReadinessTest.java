package jrunit.sv;

import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our sv with s6's service-directory files on live services, under our runsv and under a supervisor hosted
 * as {@code runsvdir --hosted} hosts one (runsv's test HostedRunsv): {@code -w} waits and {@code check} wait
 * for readiness ({@code notification-fd}), {@code --json} shows it, {@code timeout-kill} and
 * {@code down-signal} make {@code sv down} work on daemons that ignore TERM, and runit's sv, which knows
 * nothing of readiness, still drives these services.
 */
class SvReadinessTest extends SvHarnessTest {
    /** Which supervisor. */
    enum Kind {
        RUNSV, HOSTED;

        List<String> command(Path dir) {
            List<String> c = new ArrayList<>(Tools.jrunit("runsv", dir.toString()));
            if (this == HOSTED) c.set(c.indexOf(Tools.mainClass("runsv")), "jrunit.runsv.HostedRunsv");
            return c;
        }
    }

    private Supervisor supervise(Kind kind, Path dir) throws IOException {
        return stoppedAfterTest(Supervisor.start(kind.toString(), kind.command(dir), dir));
    }

    /** A service that is ready 1.5 s after it starts. */
    private static final String READY_AFTER_1_5_S = "sleep 1.5\necho >&3\nexec sleep 1000";
    /** A service that is ready once ./go exists. */
    private static final String READY_ON_GO = "while [ ! -e go ]; do sleep 0.02; done\necho >&3\nexec sleep 1000";

    private Path notifying(String name, String run) throws IOException {
        Path d = h.service(name, run, false);
        Files.writeString(d.resolve("notification-fd"), "3\n");
        return d;
    }

    private static final Pattern SINCE = Pattern.compile("\"since\":(\\d+),");
    private static final Pattern READY = Pattern.compile("\"ready\":(true|false),\"ready_since\":(null|\\d+)[,}]");

    /** {ready, ready_since, since} of our sv's --json status line for {@code name}. */
    private String[] json(String name) throws Exception {
        Run r = h.ours("--json", "status", name);
        assertEquals(0, r.code(), r.toString());
        Matcher ready = READY.matcher(r.stdout());
        Matcher since = SINCE.matcher(r.stdout());
        assertTrue(ready.find() && since.find(), r.stdout());
        return new String[] {ready.group(1), ready.group(2), since.group(1)};
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void upReturnsOkOnlyOnceTheServiceIsReady(Kind kind) throws Exception {
        Path web = notifying("web", READY_AFTER_1_5_S);
        Files.createFile(web.resolve("down"));
        Supervisor s = supervise(kind, web);
        long start = System.nanoTime();
        Run up = h.ours("-w", "10", "up", "web");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(up.stdout().matches("ok: run: web: \\(pid \\d+\\) [12]s, normally down\n"), up.toString());
        assertEquals(0, up.code(), up.toString());
        assertTrue(took >= 1500, "returned after " + took + " ms, before the service said it was ready");
        assertEquals(12, Files.size(web.resolve("supervise/ready")));
        s.awaitUp(web);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void restartTimesOutWhileTheNewRunIsNotReady(Kind kind) throws Exception {
        Path web = notifying("web", READY_AFTER_1_5_S);
        supervise(kind, web);
        assertEquals(0, h.ours("-w", "10", "check", "web").code());
        Run restart = h.ours("-w", "1", "restart", "web");
        assertTrue(restart.stdout().matches("timeout: run: web: \\(pid \\d+\\) [01]s\n"), restart.toString());
        assertEquals(1, restart.code(), restart.toString());
        Run check = h.ours("-w", "10", "check", "web");
        assertTrue(check.stdout().matches("ok: run: web: \\(pid \\d+\\) [0-9]s\n"), check.toString());
        assertEquals(0, check.code(), check.toString());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void jsonShowsReadyFalseThenTrue(Kind kind) throws Exception {
        Path web = notifying("web", READY_ON_GO);
        Path plain = h.service("plain", "exec sleep 1000", false);
        Supervisor s = supervise(kind, web);
        Supervisor p = supervise(kind, plain);
        s.awaitUp(web);
        p.awaitUp(plain);
        String[] before = json("web");
        assertEquals("false", before[0]);
        assertEquals("null", before[1]);
        Files.createFile(web.resolve("go"));
        Await.until("ready in --json", () -> {
            try {
                return json("web")[0].equals("true");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String[] after = json("web");
        assertTrue(Long.parseLong(after[1]) >= Long.parseLong(after[2]), "ready_since " + after[1] + " before since " + after[2]);
        String[] unnotified = json("plain");
        assertEquals("true", unnotified[0], "without notification-fd, ready is runit's up");
        assertEquals(unnotified[2], unnotified[1], "ready since it started");
        assertEquals(0, h.ours("-w", "5", "down", "plain").code());
        assertEquals("false", json("plain")[0]);
        assertEquals("null", json("plain")[1]);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void checkAndUpWaitForReadinessWhileRunitsSvTakesRunAsUp(Kind kind) throws Exception {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
        Path web = notifying("web", READY_ON_GO);
        Supervisor s = supervise(kind, web);
        s.awaitUp(web);
        Run.Pending check = Run.start(Tools.jrunit("sv", "-w", "60", "check", "web"), h.env(), tmp);
        Run.Pending up = Run.start(Tools.jrunit("sv", "-w", "60", "up", "web"), h.env(), tmp);
        Run runit = h.runit("-w", "60", "up", "web");
        assertTrue(runit.stdout().matches("ok: run: web: \\(pid \\d+\\) \\d+s\n"), runit.toString());
        assertEquals(0, runit.code());
        Run runitCheck = h.runit("-w", "60", "check", "web");
        assertEquals(0, runitCheck.code(), runitCheck.toString());
        assertEquals("false", json("web")[0]);
        assertTrue(check.process().isAlive() && up.process().isAlive(), "ours waits for readiness");
        Files.createFile(web.resolve("go"));
        for (Run r : List.of(check.finish(), up.finish())) {
            assertTrue(r.stdout().matches("ok: run: web: \\(pid \\d+\\) \\d+s\n"), r.toString());
            assertEquals(0, r.code(), r.toString());
        }
        assertEquals("true", json("web")[0]);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void downWithTimeoutKillStopsADaemonThatIgnoresTermWithinASecond(Kind kind) throws Exception {
        Path web = h.service("web", "trap '' TERM\nexec sleep 1000", false);
        Files.writeString(web.resolve("timeout-kill"), "500\n");
        Supervisor s = supervise(kind, web);
        s.awaitUp(web);
        Await.until("run script has exec'ed sleep (TERM ignored)", () -> {
            try {
                return Files.readString(Path.of("/proc/" + Supervisor.status(web).pid() + "/comm")).equals("sleep\n");
            } catch (IOException e) {
                return false;
            }
        });
        Run down = h.ours("-w", "1", "down", "web");
        assertEquals("ok: down: web: 0s, normally up\n", down.stdout(), down.toString());
        assertEquals(0, down.code());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void downSignalReachesADaemonThatThenExits(Kind kind) throws Exception {
        Path web = h.service("web", "trap 'echo HUP >> sigs; exit 0' HUP\ntrap 'echo TERM >> sigs' TERM\necho $$ > pid\n"
                + "while :; do sleep 0.05; done", false);
        Files.writeString(web.resolve("down-signal"), "HUP\n");
        Supervisor s = supervise(kind, web);
        s.awaitUp(web);
        Await.until("traps set", () -> {
            try {
                return Files.readString(web.resolve("pid")).trim().equals(Integer.toString(Supervisor.status(web).pid()));
            } catch (IOException e) {
                return false;
            }
        });
        Run down = h.ours("-w", "10", "down", "web");
        assertTrue(down.stdout().matches("ok: down: web: [01]s, normally up\n"), down.toString());
        assertEquals(List.of("HUP"), Files.readAllLines(web.resolve("sigs")));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void finishExiting125LeavesItDownUntilUp(Kind kind) throws Exception {
        Path web = h.service("web", "echo x >> runs\n[ -e stay ] && exec sleep 1000\nexit 3", false);
        SvHarness.executable(web.resolve("finish"), "#!/bin/sh\n[ \"$1\" = 3 ] && exit 125\nexit 0\n");
        Supervisor s = supervise(kind, web);
        Await.until("down, want down", () -> {
            var st = Supervisor.status(web);
            return st.state() == jrunit.common.SuperviseStatus.State.DOWN && st.want() == 'd';
        });
        Run status = h.ours("status", "web");
        assertTrue(status.stdout().matches("down: web: \\d+s, normally up\n"), status.toString());
        Run check = h.ours("-w", "5", "check", "web");
        assertTrue(check.stdout().matches("ok: down: web: \\d+s, normally up\n"), "check waits for the wanted state: " + check);
        Files.createFile(web.resolve("stay"));
        Run up = h.ours("-w", "10", "up", "web");
        assertTrue(up.stdout().matches("ok: run: web: \\(pid \\d+\\) [01]s\n"), up.toString());
        assertEquals(2, Files.readAllLines(web.resolve("runs")).size());
        s.awaitUp(web);
        assertFalse(Files.exists(web.resolve("supervise/ready")), "no notification-fd: no supervise/ready");
    }
}
