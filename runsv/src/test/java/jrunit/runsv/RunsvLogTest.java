package jrunit.runsv;

import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log service and the one pipe runsv keeps between it and the service. */
class RunsvLogTest extends SupervisedTest {
    /** A run script writing numbered lines 1..last every few ms, resuming after a restart, exiting after {@code perRun} lines. */
    private static String numberedRun(int last, int perRun) {
        return String.join("\n",
                "i=$(cat counter 2>/dev/null || echo 0)",
                "[ $i -ge " + last + " ] && exec sleep 1000",
                "n=0",
                "while [ $n -lt " + perRun + " ] && [ $i -lt " + last + " ]; do",
                "  i=$((i+1)); n=$((n+1)); echo $i; echo $i > counter; sleep 0.003",
                "done",
                "echo x >> run-restarts");
    }

    private static List<String> oneTo(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(Integer::toString).toList();
    }

    @Test
    void logServiceGetsTheServicesOutput() throws Exception {
        Path d = Supervised.service(tmp, "svc", "echo hello; echo world; exec sleep 1000");
        Supervised.script(d.resolve("log/run"), "exec cat >> ../logged.txt");
        Supervised s = ours(d);
        Await.until("logged", () -> Supervised.lines(d.resolve("logged.txt")).size() == 2);
        assertEquals(List.of("hello", "world"), Supervised.lines(d.resolve("logged.txt")));
        assertEquals("run\n", Files.readString(d.resolve("log/supervise/stat")));
        assertEquals(s.awaitLogPid() + "\n", Files.readString(d.resolve("log/supervise/pid")));
    }

    @Test
    void noLineLostOrDuplicatedWhileTheLogServiceRestartsRepeatedly() throws Exception {
        Path d = Supervised.service(tmp, "svc", numberedRun(400, 1_000_000));
        // the logger exits by itself after 40 lines, at a line boundary (sh's read takes one byte at a time)
        Supervised.script(d.resolve("log/run"), String.join("\n",
                "n=0",
                "while [ $n -lt 40 ] && IFS= read -r l; do echo \"$l\" >> ../logged.txt; n=$((n+1)); done",
                "echo x >> ../log-restarts"));
        ours(d);
        Await.until("400 lines logged", Duration.ofSeconds(90), () -> Supervised.lines(d.resolve("logged.txt")).size() >= 400);
        assertEquals(oneTo(400), Supervised.lines(d.resolve("logged.txt")));
        assertTrue(Supervised.lines(d.resolve("log-restarts")).size() >= 9, "the log service restarted repeatedly");
    }

    @Test
    void noLineLostWhileTheServiceRestartsAndTheLoggerSeesNoEndOfFile() throws Exception {
        Path d = Supervised.service(tmp, "svc", numberedRun(300, 60));
        Supervised.script(d.resolve("log/run"), "exec cat >> ../logged.txt");
        Supervised s = ours(d);
        int logPid = s.awaitLogPid();
        Await.until("300 lines logged", Duration.ofSeconds(90), () -> Supervised.lines(d.resolve("logged.txt")).size() >= 300);
        assertEquals(oneTo(300), Supervised.lines(d.resolve("logged.txt")));
        assertTrue(Supervised.lines(d.resolve("run-restarts")).size() >= 4, "the service restarted repeatedly");
        assertEquals(logPid, s.logStatus().pid(), "the logger never got end of file");
    }

    @Test
    void logServiceKilledLosesNothingTheServiceWrote() throws Exception {
        // while the logger is gone the lines wait in the pipe runsv keeps open
        Path d = Supervised.service(tmp, "svc", "echo first; while [ ! -e go ]; do sleep 0.01; done; echo second; exec sleep 1000");
        Supervised.script(d.resolve("log/run"), "exec cat >> ../logged.txt");
        Supervised s = ours(d);
        Await.until("first", () -> Supervised.lines(d.resolve("logged.txt")).contains("first"));
        s.logControl("d");
        Await.until("log down", () -> s.logStatus().state() == State.DOWN);
        Files.createFile(d.resolve("go"));
        Await.until("service wrote", () -> {
            int pid = s.status().pid();
            return pid != 0 && Supervised.read(Path.of("/proc/" + pid + "/cmdline")).startsWith("sleep");
        });
        assertEquals(List.of("first"), Supervised.lines(d.resolve("logged.txt")));
        s.logControl("u");
        Await.until("second", () -> Supervised.lines(d.resolve("logged.txt")).contains("second"));
        assertEquals(List.of("first", "second"), Supervised.lines(d.resolve("logged.txt")));
    }

    @Test
    void exitOnTermDrainsTheLogThenExitsZero() throws Exception {
        Path d = Supervised.service(tmp, "svc", String.join("\n",
                "trap 'echo last; exit 0' TERM",
                "echo $$ > runpid",
                "i=0; while :; do i=$((i+1)); echo $i; sleep 0.003; done"));
        Supervised.script(d.resolve("log/run"), "exec cat >> ../logged.txt");
        Supervised s = ours(d);
        int logPid = s.awaitLogPid();
        int runPid = s.awaitRunPid();
        Await.until("trap installed", () -> Supervised.read(d.resolve("runpid")).trim().equals(Integer.toString(runPid)));
        Await.until("some lines", () -> Supervised.lines(d.resolve("logged.txt")).size() > 10);
        Posix.kill((int) s.pid(), Posix.SIGTERM);
        assertEquals(0, s.waitExit(Duration.ofSeconds(30)));
        List<String> logged = Supervised.lines(d.resolve("logged.txt"));
        assertEquals("last", logged.get(logged.size() - 1));
        assertEquals(oneTo(logged.size() - 1), logged.subList(0, logged.size() - 1));
        assertFalse(Supervised.alive(logPid));
        assertEquals("down\n", Files.readString(d.resolve("log/supervise/stat")));
        assertEquals('d', SuperviseStatus.decode(Files.readAllBytes(d.resolve("log/supervise/status"))).want());
    }

    @Test
    void exitToTheLogControlIsIgnored() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised.script(d.resolve("log/run"), "exec cat > /dev/null");
        Supervised s = ours(d);
        int logPid = s.awaitLogPid();
        s.logControl("x");
        s.logControl("p"); // processed after the x: proves x was read
        Await.until("log paused", () -> s.logStatus().paused());
        assertEquals(logPid, s.logStatus().pid());
        assertEquals('u', s.logStatus().want());
        assertTrue(s.process.isAlive());
        s.logControl("c");
    }

    @Test
    void missingLogRunIsRetriedEverySecondAndTheServiceStillRuns() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Files.createDirectories(d.resolve("log"));
        Supervised s = ours(d);
        s.awaitRunPid();
        String line = "runsv " + d + ": fatal: unable to start log/./run: file does not exist\n";
        Await.until("two attempts", () -> s.stderrText().split(java.util.regex.Pattern.quote(line), -1).length >= 3);
        assertEquals(State.RUN, s.status().state());
        assertTrue(s.process.isAlive());
    }

    @Test
    void logDownFileStartsTheLogServiceDown() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised.script(d.resolve("log/run"), "exec cat > /dev/null");
        Files.createFile(d.resolve("log/down"));
        Supervised s = ours(d);
        s.awaitRunPid();
        Await.until("log status written", () -> Files.exists(d.resolve("log/supervise/status")));
        assertEquals(State.DOWN, s.logStatus().state());
        assertEquals('d', s.logStatus().want());
        s.logControl("u");
        s.awaitLogPid();
    }
}
