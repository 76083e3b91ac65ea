package jrunit.runsv;

import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;

import static jrunit.common.testing.Tools.runitSv;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A log service whose {@code log/run} execs our svlogd runs inside the supervisor's JVM: recognised forms
 * are not spawned, near misses are, runit's sv drives the in-process logger through every command, and no
 * line is lost while it restarts, goes down, or re-reads its config.
 */
class InProcessLogTest extends SupervisedTest {
    /** Our tools as the install tree has them: svlogd, chpst and chpst's setuidgid personality. */
    Path bin;

    @BeforeEach
    void tools() throws IOException {
        bin = Tools.jrunitBinDir(tmp.resolve("bin"), "svlogd", "chpst");
        Files.createSymbolicLink(bin.resolve("setuidgid"), Path.of("chpst"));
    }

    /** A service printing "line N" every {@code millis} ms, from where it left off, until a file {@code stop} exists. */
    private Path numberedService(String name, int millis) throws IOException {
        return Supervised.service(tmp, name, String.join("\n",
                "exec 2>&1",
                "i=$(cat counter 2>/dev/null || echo 0)",
                "while [ ! -e stop ]; do",
                "  i=$((i+1)); echo \"line $i\"; echo $i > counter; sleep " + (millis / 1000.0),
                "done",
                "exec sleep 1000"));
    }

    private static void logRun(Path service, String script) throws IOException {
        Path run = service.resolve("log/run");
        Files.createDirectories(run.getParent());
        Files.writeString(run, script);
        run.toFile().setExecutable(true, false);
    }


    /** Everything svlogd wrote in {@code dir}: rotated files in order, then current. */
    static List<String> logged(Path dir) {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("@")).sorted().toList()) {
                lines.addAll(Supervised.lines(f));
            }
        } catch (IOException e) {
            return List.of();
        }
        lines.addAll(Supervised.lines(dir.resolve("current")));
        return lines;
    }

    private static boolean inProcess(Supervised s) {
        SuperviseStatus log = s.logStatus();
        return log.state() == State.RUN && log.pid() == s.pid();
    }

    @Test
    void theExampleLogScriptRunsInTheSupervisorsJvm() throws Exception {
        Path d = numberedService("svc", 50);
        // the bundled example, as a user copies it
        logRun(d, Files.readString(Path.of("../examples/service/hello/log/run")));
        Supervised s = ours(d, bin);
        Await.until("lines in log/main/current", () -> Supervised.read(d.resolve("log/main/current")).contains("line 3\n"));
        assertTrue(inProcess(s), "the log record shows the supervisor's own pid: " + s.logStatus());
        assertEquals(s.pid() + "\n", Files.readString(d.resolve("log/supervise/pid")));
        String current = Supervised.read(d.resolve("log/main/current"));
        assertTrue(current.matches("(?s)\\d{4}-\\d\\d-\\d\\d_\\d\\d:\\d\\d:\\d\\d\\.\\d{5} line 1\n.*"), current);
        int run = s.awaitRunPid();
        // beside the service only the holder of the log pipe's read end (PipeHolder), no logger process
        Await.until("the pipe holder started", () -> Supervised.childrenOf(s.pid()).stream().anyMatch(Supervised::isPipeHolder));
        assertEquals(List.of((long) run), Supervised.childrenOf(s.pid()).stream().filter(c -> !Supervised.isPipeHolder(c)).toList(),
                "no logger process beside the service");
        assertEquals(1, Supervised.childrenOf(s.pid()).stream().filter(Supervised::isPipeHolder).count());
        Tools.Ran st = runitSv("status", d.toString());
        assertTrue(st.out().matches("run: " + d + ": \\(pid " + run + "\\) \\d+s; run: log: \\(pid " + s.pid() + "\\) \\d+s\n"), st.out());
    }

    @Test
    void aNearMissIsSpawnedAsBefore() throws Exception {
        Path d = numberedService("svc", 50);
        logRun(d, "#!/bin/sh\nd=./main\nmkdir -p \"$d\"\nexec svlogd -tt \"$d\"\n");
        Supervised s = ours(d, bin);
        int logPid = s.awaitLogPid();
        Await.until("lines in log/main/current", () -> Supervised.read(d.resolve("log/main/current")).contains("line 2\n"));
        assertNotEquals(s.pid(), logPid);
        assertTrue(Supervised.childrenOf(s.pid()).contains((long) logPid), "the logger is a child process");
    }

    @Test
    void debiansSvlogdFirstOnPathIsSpawned() throws Exception {
        Path d = numberedService("svc", 50);
        // /usr/bin/svlogd is runit's: a script naming it is not ours to run
        logRun(d, "#!/bin/sh\nmkdir -p ./main\nexec /usr/bin/svlogd -tt ./main\n");
        Supervised s = ours(d, bin);
        int logPid = s.awaitLogPid();
        Await.until("lines in log/main/current", () -> Supervised.read(d.resolve("log/main/current")).contains("line 2\n"));
        assertNotEquals(s.pid(), logPid);
    }

    @Test
    void runitsSvDrivesTheInProcessLoggerThroughEveryCommand() throws Exception {
        Path d = numberedService("svc", 20);
        logRun(d, "#!/bin/sh\nmkdir -p ./main\nexec svlogd ./main\n");
        Supervised s = ours(d, bin);
        Path main = d.resolve("log/main");
        String log = d.resolve("log").toString();
        Await.until("logging", () -> logged(main).size() > 3);
        assertTrue(inProcess(s));

        // hup: re-reads config (a prefix from now on)
        Files.writeString(main.resolve("config"), "pPFX:\n");
        assertEquals(0, runitSv("hup", log).exit());
        Await.until("prefixed lines after hup", () -> Supervised.read(main.resolve("current")).contains("PFX:line"));

        // alarm: rotates
        assertEquals(0, runitSv("alarm", log).exit());
        Await.until("a rotated file after alarm", () -> rotatedS(main) + rotatedU(main) >= 1);

        // pause / cont: the paused flag, and reading stops then resumes
        assertEquals(0, runitSv("pause", log).exit());
        Await.until("paused", () -> s.logStatus().paused());
        assertTrue(runitSv("status", log).out().contains(", paused"), runitSv("status", log).out());
        assertEquals(0, runitSv("cont", log).exit());
        Await.until("not paused", () -> !s.logStatus().paused());

        // term: svlogd exits 0 and is started again
        jrunit.common.Tai64n started = s.logStatus().since();
        assertEquals(0, runitSv("term", log).exit());
        Await.until("restarted after term", () -> !s.logStatus().since().equals(started) && inProcess(s));

        // down: stays down (nothing reads the pipe), up: runs again
        assertEquals(0, runitSv("down", log).exit());
        Await.until("down", () -> s.logStatus().state() == State.DOWN && s.logStatus().want() == 'd');
        assertTrue(runitSv("status", log).out().startsWith("down: " + log + ": "), runitSv("status", log).out());
        assertEquals(0, runitSv("-w", "10", "up", log).exit());
        assertTrue(inProcess(s));

        // kill, interrupt, quit, usr1, usr2: each ends it (as the signal would end svlogd); it comes back
        for (String cmd : List.of("kill", "interrupt", "quit", "1", "2")) {
            jrunit.common.Tai64n before = s.logStatus().since();
            assertEquals(0, runitSv(cmd, log).exit(), cmd);
            Await.until("restarted after " + cmd, Duration.ofSeconds(10), () -> !s.logStatus().since().equals(before) && inProcess(s));
        }

        // once: runs, and is not restarted after it ends
        assertEquals(0, runitSv("once", log).exit());
        jrunit.common.Tai64n beforeOnce = s.logStatus().since();
        assertEquals(0, runitSv("term", log).exit());
        Await.until("down after term under once", () -> s.logStatus().state() == State.DOWN && !s.logStatus().since().equals(beforeOnce));
        assertEquals(0, runitSv("up", log).exit());
        Await.until("up again", () -> inProcess(s));

        // exit: runsv ignores it for a log service
        assertEquals(0, runitSv("exit", log).exit());
        assertTrue(inProcess(s));

        // everything the service wrote arrived once, in order, across all of that
        Files.createFile(d.resolve("stop"));
        int last = Await.value("the service stopped", () -> {
            String c = Supervised.read(d.resolve("counter")).trim();
            return !c.isEmpty() && s.status().pid() != 0 && Supervised.read(Path.of("/proc/" + s.status().pid() + "/comm")).startsWith("sleep")
                    ? Integer.parseInt(c) : null;
        });
        Await.until("every line logged", () -> stripped(logged(main)).size() >= last);
        assertEquals(oneTo(last), stripped(logged(main)));
        assertFalse(s.stderrText().contains("fatal"), s.stderrText());
    }

    @Test
    void hupAndAlrmSentToTheRecordedPidReachTheLogger() throws Exception {
        Path d = numberedService("svc", 20);
        logRun(d, "#!/bin/sh\nmkdir -p ./main\nexec svlogd ./main\n");
        Supervised s = ours(d, bin);
        Path main = d.resolve("log/main");
        Await.until("logging", () -> logged(main).size() > 3);
        int recorded = Integer.parseInt(Files.readString(d.resolve("log/supervise/pid")).trim());
        Files.writeString(main.resolve("config"), "pPFX:\n");
        Posix.kill(recorded, Posix.SIGHUP);
        Await.until("prefixed lines after HUP", () -> Supervised.read(main.resolve("current")).contains("PFX:line"));
        Posix.kill(recorded, Posix.SIGALRM);
        Await.until("a rotated file after ALRM", () -> rotatedS(main) >= 1);
        assertTrue(s.process.isAlive(), "the supervisor lives on");
        assertTrue(inProcess(s));
    }

    @Test
    void s6FilesInLogApplyToTheInProcessLoggerNotToTheHost() throws Exception {
        Path d = numberedService("svc", 20);
        logRun(d, "#!/bin/sh\nmkdir -p ./main\nexec svlogd ./main\n");
        // HUP does not end svlogd: only timeout-kill does, and it must end the logger, not its host
        Files.writeString(d.resolve("log/down-signal"), "HUP\n");
        Files.writeString(d.resolve("log/timeout-kill"), "300\n");
        Supervised s = ours(d, bin);
        Path main = d.resolve("log/main");
        Await.until("logging", () -> logged(main).size() > 3);
        assertTrue(inProcess(s));
        assertEquals(0, runitSv("down", d.resolve("log").toString()).exit());
        Await.until("down after timeout-kill", () -> s.logStatus().state() == State.DOWN);
        assertTrue(s.process.isAlive(), "the host lives on: " + s.stderrText());
        assertTrue(s.stderrText().contains("timeout-kill"), s.stderrText());
        assertEquals(0, runitSv("up", d.resolve("log").toString()).exit());
        Await.until("up again", () -> inProcess(s));
    }

    @Test
    void noLineLostOrDuplicatedAcrossFiftyRestartsDownsAndHangups() throws Exception {
        Path d = numberedService("svc", 3);
        logRun(d, "#!/bin/sh\nexec svlogd ./main\n");
        Files.createDirectories(d.resolve("log/main"));
        Supervised s = ours(d, bin);
        Path main = d.resolve("log/main");
        String log = d.resolve("log").toString();
        Await.until("logging", () -> logged(main).size() > 3);
        Random random = new Random(12);
        for (int i = 0; i < 50; i++) {
            int op = random.nextInt(4);
            switch (op) {
                case 0 -> assertEquals(0, runitSv("restart", log).exit());
                case 1 -> {
                    assertEquals(0, runitSv("down", log).exit());
                    // until "want down" is recorded: runit's sv sends no 'u' to a service whose record says want up
                    Await.until("down", () -> s.logStatus().state() == State.DOWN && s.logStatus().want() == 'd');
                    assertEquals(0, runitSv("up", log).exit());
                }
                case 2 -> assertEquals(0, runitSv("hup", log).exit());
                default -> assertEquals(0, runitSv("kill", log).exit());
            }
            int step = i;
            Await.until("running again after step " + step + " (" + op + "): " + s.logStatus(), Duration.ofSeconds(10), () -> inProcess(s));
        }
        Files.createFile(d.resolve("stop"));
        Await.until("the service stopped writing", () -> Supervised.read(Path.of("/proc/" + s.status().pid() + "/comm")).startsWith("sleep"));
        int last = Integer.parseInt(Supervised.read(d.resolve("counter")).trim());
        Await.until("every line logged", () -> stripped(logged(main)).size() >= last);
        assertEquals(oneTo(last), stripped(logged(main)));
        assertTrue(last > 100, "the service kept writing meanwhile: " + last);
    }

    @Test
    void asNobodyItCreatesFilesAsNobodyAndRunsProcessorsAsNobody() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: the script drops to nobody");
        Path d = numberedService("svc", 20);
        // Debian dh-runit's form
        logRun(d, "#!/bin/sh\nmkdir -p ./main\nchown nobody ./main\nchmod 750 './main'\nexec chpst -u nobody svlogd -tt './main'\n");
        Files.createDirectories(d.resolve("log/main"));
        Files.writeString(d.resolve("log/main/config"), "s300\n!id -u > whoami; cat\n");
        opened(tmp);
        Supervised s = ours(d, bin);
        Path main = d.resolve("log/main");
        Await.until("a processed file", () -> Files.exists(main.resolve("whoami")) && rotatedS(main) >= 1);
        assertTrue(inProcess(s), "in-process: " + s.logStatus() + " " + s.stderrText());
        assertEquals("65534", Files.readString(main.resolve("whoami")).trim());
        int nobody = Posix.getpwnam("nobody").uid();
        for (String f : List.of("current", "lock", "whoami")) {
            assertEquals(nobody, Files.getAttribute(main.resolve(f), "unix:uid"), f);
        }
        assertEquals(0, Posix.geteuid());
    }

    @Test
    void asNobodyItCannotWriteARootOnlyDirectory() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: the script drops to nobody");
        Path d = numberedService("svc", 20);
        Path rootOnly = Files.createDirectories(d.resolve("log/root-only"));
        Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rwx------"));
        logRun(d, "#!/bin/sh\nexec chpst -u nobody svlogd ./root-only\n");
        opened(tmp);
        Supervised s = ours(d, bin);
        Await.until("svlogd's fatal message", () -> s.stderrText().contains("svlogd: fatal: no functional log directories."));
        assertTrue(s.stderrText().contains("svlogd: warning: unable to"), s.stderrText());
        try (Stream<Path> files = Files.list(rootOnly)) {
            assertEquals(List.of(), files.toList(), "nothing was created as root");
        }
        assertTrue(s.stderrText().indexOf("root-only") > 0, s.stderrText());
    }

    /** Lets nobody reach directories below {@code dir} (the test's temporary directory is root's 0700). */
    private static void opened(Path dir) throws IOException {
        for (Path p = dir; p != null && !p.equals(Path.of("/")); p = p.getParent()) {
            var perms = Files.getPosixFilePermissions(p);
            perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
            Files.setPosixFilePermissions(p, perms);
        }
    }

    private static long rotatedU(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("@.*\\.u")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static long rotatedS(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("@.*\\.s")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** "line N" (maybe behind "PFX:") to "N". */
    private static List<String> stripped(List<String> lines) {
        return lines.stream().map(l -> l.replaceFirst("^(PFX:)?line ", "")).toList();
    }

    private static List<String> oneTo(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(Integer::toString).toList();
    }
}
