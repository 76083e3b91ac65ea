package jrunit.runsv;

import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;
import jrunit.common.Tai64n;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * s6's service-directory files, with real services: {@code notification-fd} (readiness, supervise/ready),
 * {@code down-signal}, {@code timeout-kill}, {@code timeout-finish}, and {@code ./finish} exiting 125.
 * Run against our runsv, and against a hosted supervisor by {@link HostedServiceDirectoryFilesTest}.
 */
class ServiceDirectoryFilesTest extends SupervisedTest {
    private static final byte[] EMPTY = new byte[0];

    /** supervise/ready of {@code d}, null if there is none. */
    static byte[] ready(Path d) {
        try {
            return Files.readAllBytes(d.resolve("supervise/ready"));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void file(Path d, String name, String content) throws IOException {
        Files.writeString(d.resolve(name), content);
    }

    /** The descriptors of {@code pid} once it runs sleep (the run script has exec'ed it). */
    private static List<String> fdsOfSleep(int pid) throws IOException {
        Await.until(pid + " runs sleep", () -> {
            try {
                return Files.readString(Path.of("/proc/" + pid + "/comm")).equals("sleep\n");
            } catch (IOException e) {
                return false;
            }
        });
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void notificationFdMakesTheServiceReadyAtItsNewlineAndEveryStartResetsIt() throws Exception {
        Path d = Supervised.service(tmp, "svc", "while [ ! -e go ]; do sleep 0.02; done\necho >&3\nexec sleep 1000");
        file(d, "notification-fd", "3\n");
        Supervised s = ours(d);
        int first = s.awaitRunPid();
        assertArrayEquals(EMPTY, ready(d), "running, not ready yet");
        Files.createFile(d.resolve("go"));
        Await.until("ready", () -> ready(d) != null && ready(d).length == 12);
        Tai64n readyAt = Tai64n.unpack(ready(d), 0);
        Tai64n started = s.status().since();
        assertTrue(readyAt.toInstant().compareTo(started.toInstant()) >= 0, readyAt + " before " + started);
        assertEquals("run\n", s.stat(), "supervise/stat is runit's");
        assertEquals(SuperviseStatus.SIZE, Files.size(d.resolve("supervise/status")));

        // a new run is not ready until it says so itself
        Files.delete(d.resolve("go"));
        s.control("t");
        s.awaitStatus("restarted", st -> st.state() == State.RUN && st.pid() != first && st.pid() != 0);
        assertArrayEquals(EMPTY, ready(d), "the status of a new run is written after its readiness is reset");
        Files.createFile(d.resolve("go"));
        Await.until("ready again", () -> ready(d) != null && ready(d).length == 12);

        s.control("d");
        s.awaitStatus("down", st -> st.state() == State.DOWN);
        assertArrayEquals(EMPTY, ready(d), "a service that is down is not ready");
        s.control("x");
        assertEquals(0, s.waitExit(java.time.Duration.ofSeconds(20)));
        assertNull(ready(d), "the supervisor removes supervise/ready when it exits");
    }

    @Test
    void onlyTheNotificationDescriptorIsAddedToStdio() throws Exception {
        Path plain = Supervised.service(tmp, "plain", "exec sleep 1000");
        Path notifying = Supervised.service(tmp, "notifying", "exec sleep 1000");
        file(notifying, "notification-fd", "5\n");
        Supervised p = ours(plain);
        Supervised n = ours(notifying);
        assertEquals(List.of("0", "1", "2"), fdsOfSleep(p.awaitRunPid()));
        int pid = n.awaitRunPid();
        assertEquals(List.of("0", "1", "2", "5"), fdsOfSleep(pid));
        assertTrue(Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/5")).toString().startsWith("pipe:"));
        String flags = Files.readAllLines(Path.of("/proc/" + pid + "/fdinfo/5")).stream()
                .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow().substring(6).trim();
        assertEquals(01, Integer.parseInt(flags, 8) & 03, "write only: " + flags);
        assertEquals(0, Integer.parseInt(flags, 8) & 02000000, "not close-on-exec: " + flags);
        assertNull(ready(plain), "no supervise/ready without notification-fd");
        assertArrayEquals(EMPTY, ready(notifying));
    }

    @Test
    void aStaleReadyFileIsRemovedAtSetUp() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Files.createDirectories(d.resolve("supervise"));
        Files.write(d.resolve("supervise/ready"), new byte[12]);
        Supervised s = ours(d);
        s.awaitRunPid();
        assertNull(ready(d));
    }

    /** Records HUP, TERM and CONT in ./sigs; exits on HUP if ./exit-on-hup exists. Writes ./pid once its traps are set. */
    private static final String SIGNAL_RECORDER = String.join("\n",
            "trap 'echo HUP >> sigs; [ -e exit-on-hup ] && exit 0' HUP",
            "trap 'echo TERM >> sigs' TERM",
            "trap 'echo CONT >> sigs' CONT",
            "echo $$ > pid",
            "while :; do sleep 0.05; done");

    private int recorderPid(Supervised s, Path d) {
        int pid = s.awaitRunPid();
        Await.until("traps set in " + pid, () -> Supervised.read(d.resolve("pid")).trim().equals(Integer.toString(pid)));
        return pid;
    }

    @Test
    void downSignalReplacesTermAndContStillFollows() throws Exception {
        Path d = Supervised.service(tmp, "svc", SIGNAL_RECORDER);
        file(d, "down-signal", "SIGHUP\n");
        Supervised s = ours(d);
        recorderPid(s, d);
        s.control("d");
        Await.until("HUP and CONT seen", () -> Supervised.lines(d.resolve("sigs")).containsAll(List.of("HUP", "CONT")));
        assertFalse(Supervised.lines(d.resolve("sigs")).contains("TERM"), Supervised.lines(d.resolve("sigs")).toString());
        assertEquals("run, got TERM, want down\n", s.stat(), "runit's flag: the stop signal went out");
    }

    @Test
    void aDaemonThatExitsOnItsDownSignalGoesDown() throws Exception {
        Path d = Supervised.service(tmp, "svc", SIGNAL_RECORDER);
        file(d, "down-signal", "HUP");
        Files.createFile(d.resolve("exit-on-hup"));
        Supervised s = ours(d);
        recorderPid(s, d);
        s.control("d");
        s.awaitStatus("down", st -> st.state() == State.DOWN && st.pid() == 0);
        // runit's CONT follows the down signal at once: the shell may run its trap before exiting, or not
        List<String> seen = Supervised.lines(d.resolve("sigs"));
        assertEquals("HUP", seen.get(0), seen.toString());
        assertTrue(List.of(List.of("HUP"), List.of("HUP", "CONT")).contains(seen), seen.toString());
    }

    @Test
    void timeoutKillKillsADaemonThatIgnoresItsDownSignal() throws Exception {
        Path d = Supervised.service(tmp, "svc", "trap '' TERM\nexec sleep 1000");
        Supervised.script(d.resolve("finish"), "echo \"$1 $2\" >> finished");
        file(d, "timeout-kill", "500\n");
        Supervised s = ours(d);
        int pid = s.awaitRunPid();
        fdsOfSleep(pid); // TERM is ignored from now on
        long sent = System.nanoTime();
        s.control("d");
        s.awaitStatus("down", st -> st.state() == State.DOWN);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
        assertTrue(took >= 500, "KILL only after timeout-kill: down after " + took + " ms");
        Await.until("finish ran", () -> !Supervised.lines(d.resolve("finished")).isEmpty());
        assertEquals(List.of("-1 9"), Supervised.lines(d.resolve("finished")), "killed by KILL");
        assertTrue(s.stderrText().contains("runsv " + d + ": warning: ./run still running 500 ms after the down signal"
                + " (timeout-kill): sending KILL\n"), s.stderrText());
    }

    @Test
    void timeoutFinishKillsAHangingFinish() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised.script(d.resolve("finish"), "echo $$ > finishpid\nexec sleep 1000");
        file(d, "timeout-finish", "500\n");
        Supervised s = ours(d);
        s.awaitRunPid();
        s.control("d");
        int finish = Await.value("finish running", () -> {
            SuperviseStatus st = s.status();
            return st.state() == State.FINISH && st.pid() != 0 ? st.pid() : null;
        });
        s.awaitStatus("down after the finish was killed", st -> st.state() == State.DOWN);
        Await.until("finish " + finish + " gone", () -> !Supervised.alive(finish));
        assertTrue(s.stderrText().contains("runsv " + d + ": warning: ./finish still running after 500 ms"
                + " (timeout-finish): sending KILL\n"), s.stderrText());
    }

    @Test
    void finishExiting125LeavesTheServiceDownUntilUp() throws Exception {
        Path d = Supervised.service(tmp, "svc", "echo x >> runs\nexit 3");
        Supervised.script(d.resolve("finish"), "echo \"$1 $2\" >> finished\nexit 125");
        Supervised s = ours(d);
        s.awaitStatus("down, want down", st -> st.state() == State.DOWN && st.want() == 'd');
        // p is read only after the one-second pause, in the iteration after the one that would restart it
        s.control("p");
        s.awaitStatus("p read", SuperviseStatus::paused);
        assertEquals(List.of("x"), Supervised.lines(d.resolve("runs")), "not restarted");
        assertEquals(List.of("3 0"), Supervised.lines(d.resolve("finished")));
        assertEquals(State.DOWN, s.status().state());
        assertEquals("down, paused\n", s.stat());
        if (Tools.runitInstalled()) {
            Process sv = new ProcessBuilder(Tools.runit("sv"), "status", d.toString()).redirectErrorStream(true).start();
            String out = new String(sv.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(sv.waitFor(30, TimeUnit.SECONDS));
            assertTrue(out.matches("down: " + java.util.regex.Pattern.quote(d.toString()) + ": \\d+s, normally up\n"), out);
        }
        s.control("u");
        Await.until("started again by u", () -> Supervised.lines(d.resolve("runs")).size() == 2);
        Await.until("down again after finish said 125", () -> Supervised.lines(d.resolve("finished")).size() == 2
                && s.status().state() == State.DOWN && s.status().want() == 'd');
    }

    @Test
    void finishExitingAnythingElseRestartsAsInRunit() throws Exception {
        Path d = Supervised.service(tmp, "svc", "echo x >> runs\nexit 3");
        Supervised.script(d.resolve("finish"), "exit 124");
        Supervised s = ours(d);
        Await.until("restarted", () -> Supervised.lines(d.resolve("runs")).size() >= 2);
        assertEquals('u', s.status().want());
    }

    @Test
    void badContentIsIgnoredWithAWarningAtEachStart() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        file(d, "notification-fd", "stdout\n");
        file(d, "down-signal", "SIGNOPE\n");
        Supervised s = ours(d);
        int pid = s.awaitRunPid();
        Await.until("warnings", () -> s.stderrText().contains("runsv " + d + ": warning: ignoring down-signal: not a signal name or number\n"));
        assertTrue(s.stderrText().contains("runsv " + d + ": warning: ignoring notification-fd: not a descriptor number from 3 to 1023\n"),
                s.stderrText());
        assertEquals(List.of("0", "1", "2"), fdsOfSleep(pid));
        assertNull(ready(d));
        s.control("d"); // TERM, as without the file
        s.awaitStatus("down", st -> st.state() == State.DOWN);
    }

    @Test
    void theLogServiceHasItsOwnFiles() throws Exception {
        Path d = Supervised.service(tmp, "svc", "exec sleep 1000");
        Supervised.service(d, "log", "echo >&4\nexec cat > /dev/null");
        file(d.resolve("log"), "notification-fd", "4\n");
        Supervised s = ours(d);
        s.awaitRunPid();
        s.awaitLogPid();
        Await.until("log ready", () -> ready(d.resolve("log")) != null && ready(d.resolve("log")).length == 12);
        assertNull(ready(d), "the service itself has no notification-fd");
    }

    @Test
    void runitsSvDrivesSuchAService() throws Exception {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
        Path d = Supervised.service(tmp, "svc", String.join("\n",
                "trap 'exit 0' HUP",
                "trap '' TERM",
                "echo >&3",
                "while :; do sleep 0.05; done"));
        file(d, "notification-fd", "3\n");
        file(d, "down-signal", "HUP\n");
        file(d, "timeout-kill", "3000\n");
        file(d, "timeout-finish", "3000\n");
        Supervised s = ours(d);
        s.awaitRunPid();
        String name = d.toString();
        List<String> outputs = new ArrayList<>();
        for (String[] cmd : new String[][] {{"-w", "10", "down"}, {"-w", "10", "up"}, {"status"}, {"-w", "10", "restart"}, {"-w", "10", "check"}}) {
            if (cmd[cmd.length - 1].equals("restart")) {
                // runit's sv takes a run that started in the second it began as already restarted: avoid that race
                long started = s.status().since().unixSeconds();
                Await.until("the run is from an earlier second", () -> java.time.Instant.now().getEpochSecond() > started);
            }
            List<String> argv = new ArrayList<>(List.of(Tools.runit("sv")));
            argv.addAll(List.of(cmd));
            argv.add(name);
            Process sv = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(sv.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(sv.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, sv.exitValue(), String.join(" ", cmd) + ": " + out);
            outputs.add(out.replaceAll("\\(pid \\d+\\) \\d+s", "(pid N) Ns").replaceAll(": \\d+s", ": Ns"));
        }
        assertEquals(List.of(
                "ok: down: " + name + ": Ns, normally up\n",
                "ok: run: " + name + ": (pid N) Ns\n",
                "run: " + name + ": (pid N) Ns\n",
                "ok: run: " + name + ": (pid N) Ns\n",
                "ok: run: " + name + ": (pid N) Ns\n"), outputs);
        assertFalse(s.stderrText().contains("timeout-kill"), "HUP stopped it, no KILL was needed: " + s.stderrText());
    }
}
