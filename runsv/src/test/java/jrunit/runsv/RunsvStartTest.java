package jrunit.runsv;

import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Command line, start-up, run/finish and restart behaviour of our runsv, as a real process. */
class RunsvStartTest extends SupervisedTest {
    private static ProcessResult exec(List<String> cmd, Path cwd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return new ProcessResult(p.exitValue(), new String(out), new String(err));
    }

    record ProcessResult(int code, String out, String err) {}

    @Test
    void usageWithoutOrWithTooManyArgumentsExitsOne() throws Exception {
        ProcessResult none = exec(Tools.jrunit("runsv"), tmp);
        assertEquals(1, none.code());
        assertEquals("usage: runsv dir\n\n", none.err());
        ProcessResult two = exec(Tools.jrunitAs("runsv", "/usr/local/bin/runsv", "a", "b"), tmp);
        assertEquals(1, two.code());
        assertEquals("usage: /usr/local/bin/runsv dir\n\n", two.err());
    }

    @Test
    void missingDirectoryIsFatal111LikeRunit() throws Exception {
        ProcessResult ours = exec(Tools.jrunit("runsv", "nosuchdir"), tmp);
        assertEquals(111, ours.code());
        assertEquals("runsv nosuchdir: fatal: unable to change to directory: file does not exist\n", ours.err());
        if (Tools.runitInstalled()) {
            ProcessResult runit = exec(List.of(Tools.runit("runsv"), "nosuchdir"), tmp);
            assertEquals(runit.code(), ours.code());
            assertEquals(runit.err(), ours.err());
        }
    }

    @Test
    void runsRunThenFinishWithExitCodeAndRestartsNoFasterThanOncePerSecond() throws Exception {
        Path d = Supervised.service(tmp, "svc", "date +%s%N >> starts\necho run >> events\nexit 3");
        Supervised.script(d.resolve("finish"), "echo \"finish $1 $2\" >> events");
        ours(d);
        Await.until("three starts", () -> Supervised.lines(d.resolve("starts")).size() >= 3);
        List<String> events = Supervised.lines(d.resolve("events"));
        assertEquals(List.of("run", "finish 3 0", "run", "finish 3 0"), events.subList(0, 4));
        List<String> starts = Supervised.lines(d.resolve("starts"));
        for (int i = 1; i < starts.size(); i++) {
            long gap = Long.parseLong(starts.get(i)) - Long.parseLong(starts.get(i - 1));
            assertTrue(gap >= 950_000_000L, "a crashing run restarted after only " + gap / 1_000_000 + " ms");
        }
    }

    @Test
    void crashLoopWithoutFinishSleepsOneSecondAndUsesLittleCpu() throws Exception {
        Path d = Supervised.service(tmp, "svc", "date +%s%N >> starts\nexit 1");
        Supervised s = ours(d);
        Await.until("four starts", () -> Supervised.lines(d.resolve("starts")).size() >= 4);
        List<String> starts = Supervised.lines(d.resolve("starts"));
        for (int i = 1; i < starts.size(); i++) {
            long gap = Long.parseLong(starts.get(i)) - Long.parseLong(starts.get(i - 1));
            assertTrue(gap >= 950_000_000L, "restart after only " + gap / 1_000_000 + " ms");
        }
        // a crash loop must not spin: runsv's CPU time stays far below the wall time elapsed
        String[] stat = Files.readString(Path.of("/proc/" + s.pid() + "/stat")).replaceAll(".*\\) ", "").split(" ");
        long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]); // utime + stime
        long startTicks = Long.parseLong(stat[19]);
        long uptimeTicks = (long) (Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]) * 100);
        long lifeTicks = uptimeTicks - startTicks;
        assertTrue(ticks < lifeTicks, "runsv used " + ticks + " ticks of CPU in " + lifeTicks + " ticks of life");
    }

    @Test
    void finishGetsMinusOneAndSignalWhenRunIsKilled() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised.script(d.resolve("finish"), "echo \"$1 $2\" >> finished");
        Supervised s = ours(d);
        int pid = s.awaitRunPid();
        Posix.kill(pid, Posix.SIGKILL);
        Await.until("finish ran", () -> Supervised.lines(d.resolve("finished")).contains("-1 9"));
        int next = s.awaitRunPid();
        assertTrue(next != pid, "restarted");
    }

    @Test
    void downFileStartsDownAndUpStartsIt() throws Exception {
        Path d = Supervised.service(tmp, "svc", "echo started >> events\nexec sleep 1000");
        Files.createFile(d.resolve("down"));
        Supervised s = ours(d);
        SuperviseStatus st = s.status();
        assertEquals(State.DOWN, st.state());
        assertEquals('d', st.want());
        assertEquals(0, st.pid());
        assertEquals("down\n", s.stat());
        assertEquals("", Files.readString(d.resolve("supervise/pid")));
        assertFalse(Files.exists(d.resolve("events")));
        s.control("u");
        int pid = s.awaitRunPid();
        assertEquals(pid + "\n", Files.readString(d.resolve("supervise/pid")));
        assertEquals("run\n", s.stat());
        assertEquals('u', s.status().want());
    }

    @Test
    void missingRunIsReportedEveryAttemptAndFinishSees111() throws Exception {
        Path d = tmp.resolve("svc");
        Files.createDirectories(d);
        Supervised.script(d.resolve("finish"), "echo \"$1 $2\" >> finished");
        Supervised s = ours(d);
        Await.until("two attempts", () -> Supervised.lines(d.resolve("finished")).size() >= 2);
        assertEquals("111 0", Supervised.lines(d.resolve("finished")).get(0));
        String line = "runsv " + d + ": fatal: unable to start ./run: file does not exist";
        Await.until("two messages", () -> s.stderrText().split(java.util.regex.Pattern.quote(line), -1).length >= 3);
        assertTrue(s.process.isAlive(), "runsv keeps running");
    }

    @Test
    void nonExecutableRunIsAccessDenied() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exit 0");
        d.resolve("run").toFile().setExecutable(false, false);
        Supervised s = ours(d);
        Await.until("message", () -> s.stderrText().contains(
                "runsv " + d + ": fatal: unable to start ./run: access denied\n"));
        assertTrue(s.process.isAlive());
    }

    @Test
    void childrenGetACleanProcessState() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised.script(d.resolve("log/run"), "exec sleep 1000");
        Supervised s = ours(d);
        for (int pid : new int[] {s.awaitRunPid(), s.awaitLogPid()}) {
            // until it has exec'ed sleep, the child is sh holding its script open on a descriptor of its own
            Await.until(pid + " has become sleep", () -> {
                try {
                    return Files.readString(Path.of("/proc/" + pid + "/comm")).equals("sleep\n");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            assertTrue(status.contains("SigBlk:\t0000000000000000"), status);
            assertTrue(status.contains("SigIgn:\t0000000000000000"), status);
            // the kernel renames the task before it closes the close-on-exec descriptors (sh's script): wait for both
            Await.until(pid + " has only descriptors 0, 1, 2", () -> {
                try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                    return fds.map(p -> p.getFileName().toString()).sorted().toList().equals(List.of("0", "1", "2"));
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            // the run scripts here are sh, which sets PWD itself before exec
            assertEquals(environWithoutPwd(s.pid()), environWithoutPwd(pid), "same environment as runsv");
            assertEquals(Files.readString(Path.of("/proc/" + s.pid() + "/limits")),
                    Files.readString(Path.of("/proc/" + pid + "/limits")), "same limits as runsv");
        }
        // the service's stdout is the log's stdin: one pipe
        int run = s.awaitRunPid();
        int log = s.awaitLogPid();
        String runOut = Files.readSymbolicLink(Path.of("/proc/" + run + "/fd/1")).toString();
        String logIn = Files.readSymbolicLink(Path.of("/proc/" + log + "/fd/0")).toString();
        assertTrue(runOut.startsWith("pipe:"), runOut);
        assertEquals(runOut, logIn);
        assertEquals(d.resolve("log").toRealPath().toString(), Files.readSymbolicLink(Path.of("/proc/" + log + "/cwd")).toString());
        assertEquals(d.toRealPath().toString(), Files.readSymbolicLink(Path.of("/proc/" + run + "/cwd")).toString());
    }

    private static List<String> environWithoutPwd(long pid) throws Exception {
        return java.util.Arrays.stream(Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0"))
                .filter(v -> !v.startsWith("PWD=")).toList();
    }

    @Test
    void secondRunsvOnTheSameDirectoryFailsWithRunitsMessage() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        ours(d);
        ProcessResult second = exec(Tools.jrunit("runsv", d.toString()), tmp);
        assertEquals(111, second.code());
        assertEquals("runsv " + d + ": fatal: unable to lock supervise/lock: temporary failure\n", second.err());
    }

    @Test
    void locksExcludeRunitsRunsvBothWays() throws Exception {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit");
        Path a = Supervised.service(tmp, "a", "exec sleep 1000");
        runit(a);
        ProcessResult oursOnRunits = exec(Tools.jrunit("runsv", a.toString()), tmp);
        assertEquals(111, oursOnRunits.code());
        assertEquals("runsv " + a + ": fatal: unable to lock supervise/lock: temporary failure\n", oursOnRunits.err());

        Path b = Supervised.service(tmp, "b", "exec sleep 1000");
        ours(b);
        ProcessResult runitOnOurs = exec(List.of(Tools.runit("runsv"), b.toString()), tmp);
        assertEquals(111, runitOnOurs.code());
        assertEquals("runsv " + b + ": fatal: unable to lock supervise/lock: temporary failure\n", runitOnOurs.err());
    }

    @Test
    void garbageControlBytesAreIgnored() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised s = ours(d);
        int pid = s.awaitRunPid();
        byte[] before = Files.readAllBytes(d.resolve("supervise/status"));
        s.control("eXs\n\u00ff\u0000zZ?");
        // a 'p' after the garbage proves every garbage byte was consumed first
        s.control("p");
        s.awaitStatus("paused", SuperviseStatus::paused);
        assertEquals(pid, s.status().pid());
        assertTrue(s.process.isAlive());
        byte[] after = Files.readAllBytes(d.resolve("supervise/status"));
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(before, 0, 16)),
                java.util.Arrays.toString(java.util.Arrays.copyOfRange(after, 0, 16)), "garbage changed nothing");
        s.control("c");
    }

    @Test
    void superviseMayBeASymlinkToADirectoryElsewhere() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised.script(d.resolve("log/run"), "exec cat > /dev/null");
        Path elsewhere = tmp.resolve("run-state");
        Files.createDirectories(elsewhere);
        Files.createSymbolicLink(d.resolve("supervise"), elsewhere.resolve("svc"));
        // the log's relative link is resolved relative to log/
        Files.createSymbolicLink(d.resolve("log/supervise"), Path.of("../../run-state/svc-log"));
        Supervised s = ours(d);
        int pid = s.awaitRunPid();
        s.awaitLogPid();
        assertTrue(Files.isDirectory(elsewhere.resolve("svc"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isDirectory(elsewhere.resolve("svc-log"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(pid + "\n", Files.readString(elsewhere.resolve("svc/pid")));
        assertTrue(Files.exists(elsewhere.resolve("svc/lock")));
        assertEquals("run\n", Files.readString(elsewhere.resolve("svc-log/stat")));
    }

    @Test
    void controlThatIsNotAFifoIsFatal() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Files.createDirectories(d.resolve("supervise"));
        Files.createFile(d.resolve("supervise/control"));
        ProcessResult r = exec(Tools.jrunit("runsv", d.toString()), tmp);
        assertEquals(111, r.code());
        assertEquals("runsv " + d + ": fatal: supervise/control exists but is not a fifo\n", r.err());
    }

    @Test
    void logThatIsNotADirectoryIsAWarning() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Files.createFile(d.resolve("log"));
        Supervised s = ours(d);
        s.awaitRunPid();
        assertTrue(s.stderrText().contains("runsv " + d + ": warning: ./log: not a directory.\n"), s.stderrText());
    }

    @Test
    void processTitleIsRunsvAndTheDirectory() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised s = ours(d);
        assertEquals("runsv\n", Files.readString(Path.of("/proc/" + s.pid() + "/comm")));
        String cmdline = Files.readString(Path.of("/proc/" + s.pid() + "/cmdline"));
        assertTrue(cmdline.startsWith("runsv\0" + d + "\0"), cmdline);
    }

    @Test
    void exitsZeroOnTerm() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised s = ours(d);
        int pid = s.awaitRunPid();
        Posix.kill((int) s.pid(), Posix.SIGTERM);
        assertEquals(0, s.waitExit(Duration.ofSeconds(20)));
        assertFalse(Supervised.alive(pid));
        assertEquals("down\n", s.stat());
        assertEquals('d', s.status().want());
    }

    @Test
    void superviseThatCannotBeCreatedIsFatalAsInRunit() throws Exception {
        Path file = Supervised.service(tmp, "file", "exec sleep 1000");
        Files.createFile(file.resolve("supervise"));
        Path dangling = Supervised.service(tmp, "dangling", "exec sleep 1000");
        Files.createSymbolicLink(dangling.resolve("supervise"), tmp.resolve("no/such/parent"));
        String[][] cases = {
                {file.toString(), "unable to open supervise/lock: not a directory"},
                {dangling.toString(), "unable to open supervise/lock: file does not exist"}};
        for (String[] c : cases) {
            ProcessResult ours = exec(Tools.jrunit("runsv", c[0]), tmp);
            assertEquals(111, ours.code());
            assertEquals("runsv " + c[0] + ": fatal: " + c[1] + "\n", ours.err());
            if (Tools.runitInstalled()) {
                ProcessResult runit = exec(List.of(Tools.runit("runsv"), c[0]), tmp);
                assertEquals(runit.code(), ours.code());
                assertEquals(runit.err(), ours.err());
            }
        }
    }
}
