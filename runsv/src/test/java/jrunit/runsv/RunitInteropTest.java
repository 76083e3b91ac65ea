package jrunit.runsv;

import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's runit as the reference: the same service under Debian's runsv and under ours, driven by
 * Debian's {@code sv}, must print the same lines and leave the same supervise/ files.
 */
class RunitInteropTest extends SupervisedTest {
    Path oursDir, runitDir;
    Supervised ours, runit;

    @BeforeEach
    void needsRunit() {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
    }

    /** Identical service directories tmp/ours/svc and tmp/runit/svc, each under its runsv; no ./run if {@code run} is null. */
    private void twins(String run, boolean withLog, boolean down) throws Exception {
        oursDir = make(tmp.resolve("ours"), run, withLog, down);
        runitDir = make(tmp.resolve("runit"), run, withLog, down);
        ours = ours(oursDir);
        runit = runit(runitDir);
    }

    private static Path make(Path parent, String run, boolean withLog, boolean down) throws Exception {
        Path d = run == null ? Files.createDirectories(parent.resolve("svc")) : Supervised.service(parent, "svc", run);
        if (withLog) Supervised.script(d.resolve("log/run"), "exec cat > /dev/null");
        if (down) Files.createFile(d.resolve("down"));
        return d;
    }

    record Result(int code, String out) {}

    /** Debian's sv with {@code args}, run from the service's parent so its output names "svc". */
    private static Result sv(Path serviceDir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.runit("sv")));
        cmd.addAll(Arrays.asList(args));
        cmd.add("./svc");
        Process p = new ProcessBuilder(cmd).directory(serviceDir.getParent().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    /** sv's output with what legitimately differs (pids, ages) blanked. */
    private static String normalized(String svOutput) {
        return svOutput.replaceAll("\\(pid \\d+\\)", "(pid P)").replaceAll("\\b\\d+s\\b", "Ns");
    }

    /** Runs the same sv command on both, waits for both to reach {@code until}, and compares everything observable. */
    private void step(Predicate<SuperviseStatus> until, String... args) throws Exception {
        Result r1 = sv(runitDir, args);
        Await.until("runit: " + String.join(" ", args), () -> until.test(Supervised.status(runitDir)));
        Result r2 = sv(oursDir, args);
        Await.until("ours: " + String.join(" ", args), () -> until.test(Supervised.status(oursDir)));
        String what = "sv " + String.join(" ", args);
        assertEquals(r1.code(), r2.code(), what + " exit code");
        assertEquals(normalized(r1.out()), normalized(r2.out()), what + " output");
        compareSuperviseFiles(what);
        assertEquals(normalized(sv(runitDir, "status").out()), normalized(sv(oursDir, "status").out()), "status after " + what);
    }

    private void compareSuperviseFiles(String what) throws Exception {
        for (String sub : new String[] {"", "log/"}) {
            Path a = runitDir.resolve(sub + "supervise");
            Path b = oursDir.resolve(sub + "supervise");
            if (!Files.exists(a)) continue;
            Await.until("same stat after " + what, () -> Supervised.read(a.resolve("stat")).equals(Supervised.read(b.resolve("stat"))));
            byte[] sa = Files.readAllBytes(a.resolve("status"));
            byte[] sb = Files.readAllBytes(b.resolve("status"));
            assertEquals(20, sb.length);
            assertEquals(Arrays.toString(Arrays.copyOfRange(sa, 16, 20)), Arrays.toString(Arrays.copyOfRange(sb, 16, 20)),
                    sub + "status bytes 16-19 after " + what);
            int pidA = SuperviseStatus.decode(sa).pid(), pidB = SuperviseStatus.decode(sb).pid();
            assertEquals(pidA == 0, pidB == 0, sub + "status pid presence after " + what);
            assertEquals(pidB == 0 ? "" : pidB + "\n", Files.readString(b.resolve("pid")), sub + "pid file after " + what);
            assertEquals(pidA == 0 ? "" : pidA + "\n", Files.readString(a.resolve("pid")), "runit's " + sub + "pid file after " + what);
            // the TAI64N label: 2^62+10+seconds, nanoseconds ending in 500 as runit writes them
            assertEquals(0x40, sb[0] & 0xff);
            assertEquals(500, SuperviseStatus.decode(sb).since().nanos() % 1000);
        }
    }

    private static boolean running(SuperviseStatus s) {
        return s.state() == State.RUN && s.pid() != 0;
    }

    @Test
    void runitsSvDrivesOurRunsvExactlyAsItDrivesRunits() throws Exception {
        twins(RunsvControlTest.TRAPPING_RUN, true, false);
        Await.until("both running", () -> running(Supervised.status(oursDir)) && running(Supervised.status(runitDir)));
        Await.until("logs running", () -> running(Supervised.status(oursDir.resolve("log"))) && running(Supervised.status(runitDir.resolve("log"))));
        Await.until("traps set", () -> Supervised.lines(oursDir.resolve("pids")).size() == 1 && Supervised.lines(runitDir.resolve("pids")).size() == 1);
        step(RunitInteropTest::running, "status");
        step(SuperviseStatus::paused, "pause");
        step(s -> !s.paused(), "cont");
        for (String c : new String[] {"hup", "alarm", "interrupt", "quit", "1", "2"}) step(RunitInteropTest::running, c);
        step(s -> s.state() == State.DOWN, "-v", "down");
        step(RunitInteropTest::running, "-v", "up");
        step(s -> s.want() == 'd', "once");
        step(s -> s.state() == State.DOWN, "term"); // with -v, sv's answer depends on how fast the service dies
        step(RunitInteropTest::running, "-v", "up");
        int oldOurs = Supervised.status(oursDir).pid(), oldRunit = Supervised.status(runitDir).pid();
        step(s -> running(s) && !s.termSent() && s.pid() != oldOurs && s.pid() != oldRunit, "restart");
        step(RunitInteropTest::running, "check");
        // the signals reached the service under ours as under runit's
        for (Path d : List.of(oursDir, runitDir)) {
            String firstPid = Supervised.lines(d.resolve("pids")).get(0);
            // sorted: sv does not wait for the shell to run its traps, and two pending ones run in signal order
            assertEquals(List.of("ALRM", "HUP", "INT", "QUIT", "TERM", "USR1", "USR2"),
                    Supervised.lines(d.resolve("sigs." + firstPid)).stream().filter(x -> !x.equals("CONT")).sorted().toList(),
                    d.toString());
        }
        Result r1 = sv(runitDir, "-v", "exit");
        Result r2 = sv(oursDir, "-v", "exit");
        assertEquals(r1.code(), r2.code());
        assertEquals(normalized(r1.out()), normalized(r2.out()));
        assertEquals(0, ours.waitExit(Duration.ofSeconds(20)));
        assertEquals(0, runit.waitExit(Duration.ofSeconds(20)));
        assertEquals(normalized(sv(runitDir, "status").out()), normalized(sv(oursDir, "status").out()));
        compareSuperviseFiles("exit");
    }

    @Test
    void downServiceLooksTheSame() throws Exception {
        twins("exec sleep 1000", false, true);
        compareSuperviseFiles("start with down file");
        step(s -> s.state() == State.DOWN, "status");
        step(SuperviseStatus::paused, "pause");
        step(RunitInteropTest::running, "-v", "up");
    }

    @Test
    void serviceIgnoringTermShowsGotTermTheSame() throws Exception {
        twins("trap '' TERM; echo ready > ready; while :; do sleep 0.05; done", true, false);
        Await.until("ready", () -> Files.exists(oursDir.resolve("ready")) && Files.exists(runitDir.resolve("ready")));
        step(SuperviseStatus::termSent, "down");
        step(s -> s.state() == State.DOWN, "kill");
    }

    @Test
    void missingRunLooksTheSameIncludingTheMessage() throws Exception {
        twins(null, false, false);
        Await.until("messages", () -> !ours.stderrText().isEmpty() && !runit.stderrText().isEmpty());
        String firstOurs = ours.stderrText().lines().findFirst().orElseThrow();
        String firstRunit = runit.stderrText().lines().findFirst().orElseThrow();
        assertEquals(firstRunit.replace(runitDir.toString(), "DIR"), firstOurs.replace(oursDir.toString(), "DIR"));
    }
}
