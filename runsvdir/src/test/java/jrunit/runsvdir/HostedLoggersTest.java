package jrunit.runsvdir;

import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;

import static jrunit.common.testing.Tools.runitSv;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code runsvdir --hosted} with loggers in its JVM: one JVM, no svlogd process, and one logger's trouble
 * (a full disk, an unusable directory) stays with that logger while every other service is supervised
 * and logs as before.
 */
class HostedLoggersTest extends ServiceTreeTest {
    private Path bin;

    private Process hosted() throws IOException {
        bin = Tools.jrunitBinDir(tmp.resolve("bin"), "svlogd", "chpst");
        List<String> cmd = new ArrayList<>(Tools.jrunit("runsvdir", "--hosted", "service"));
        cmd.add(cmd.indexOf("-cp"), "-Djrunit.bin=" + bin);
        return tree.start(cmd, ServiceTree.path(bin.toString()));
    }

    /** A service printing "line N" every {@code millis} ms until a file {@code stop} exists, logged by {@code log/run}. */
    private Path logged(String name, int millis, String logRun) throws IOException {
        Path d = tree.service(tree.services.resolve(name), String.join("\n",
                "i=0",
                "while [ ! -e stop ]; do i=$((i+1)); echo \"line $i\"; echo $i > counter; sleep " + (millis / 1000.0) + "; done",
                "exec sleep 1000"));
        Path run = d.resolve("log/run");
        Files.createDirectories(run.getParent());
        Files.writeString(run, logRun);
        run.toFile().setExecutable(true, false);
        return d;
    }

    static SuperviseStatus status(Path serviceDir) {
        return HostedModeTest.status(serviceDir);
    }

    private static int lines(Path file) {
        try {
            return (int) Files.readString(file, StandardCharsets.ISO_8859_1).chars().filter(c -> c == '\n').count();
        } catch (IOException e) {
            return 0;
        }
    }


    @Test
    void everyLoggerRunsInTheOneJvm() throws Exception {
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < 5; i++) dirs.add(logged("s" + i, 50, "#!/bin/sh\nmkdir -p ./main\nexec svlogd -tt ./main\n"));
        Process p = hosted();
        for (Path d : dirs) {
            Await.until(d + " logging (stderr: " + tree.stderr(p) + ")", Duration.ofSeconds(30),
                    () -> lines(d.resolve("log/main/current")) >= 2);
            assertEquals(p.pid(), status(d.resolve("log")).pid(), "the log record names the hosting runsvdir");
        }
        // runsvdir's children are the five services and one holder of the loggers' pipes, nothing else
        List<Integer> services = dirs.stream().map(d -> status(d).pid()).sorted().toList();
        Await.until("one pipe holder", () -> Procs.children(p.pid()).stream().filter(Procs::isPipeHolder).count() == 1);
        assertEquals(services, Procs.children(p.pid()).stream().filter(c -> !Procs.isPipeHolder(c)).sorted().toList());
    }

    @Test
    void aLoggerOnAFullDiskDelaysNoOtherServiceAndLosesNothing() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: mounts a small tmpfs");
        Path full = Files.createDirectories(tmp.resolve("full"));
        mount(full);
        try {
            Files.createDirectories(full.resolve("log"));
            // most of the file system taken, so the logger soon finds it full
            Path filler = full.resolve("filler");
            byte[] block = new byte[4096];
            try (var out = Files.newOutputStream(filler)) {
                for (int i = 0; i < 10_000; i++) out.write(block);
            } catch (IOException expected) {
                // ENOSPC: full now
            }
            Path flood = logged("flood", 1, "#!/bin/sh\nexec svlogd " + full.resolve("log") + "\n");
            Path steady = logged("steady", 20, "#!/bin/sh\nmkdir -p ./main\nexec svlogd ./main\n");
            Path quiet = tree.service("quiet");
            Process p = hosted();
            Await.until("flood's logger pausing on the full disk (stderr: " + tree.stderr(p) + ")", Duration.ofSeconds(30),
                    () -> tree.stderr(p).contains("svlogd: pausing: unable to write to current: " + full.resolve("log")));
            // the flooding service blocks on its full pipe rather than losing lines; the others carry on
            int steadyNow = lines(steady.resolve("log/main/current"));
            Await.until("steady keeps logging", () -> lines(steady.resolve("log/main/current")) >= steadyNow + 20);
            int quietPid = tree.servicePid(quiet);
            Tools.Ran restart = runitSv("-w", "5", "restart", quiet.toString());
            assertEquals(0, restart.exit(), restart.out());
            // runit's sv compares whole seconds: a service started in the second sv starts may pass its check before the restart
            Await.until("quiet restarted", () -> status(quiet).pid() != quietPid);
            assertTrue(runitSv("status", steady.toString()).out().startsWith("run: "));

            // space again: the logger's retry writes everything, in order
            Files.delete(filler);
            Files.createFile(flood.resolve("stop"));
            Await.until("flood stopped writing", Duration.ofSeconds(30), () -> {
                SuperviseStatus s = status(flood);
                return s != null && "sleep".equals(Procs.comm(s.pid()));
            });
            int last = Integer.parseInt(Files.readString(flood.resolve("counter")).trim());
            Await.until("every flood line logged", Duration.ofSeconds(30), () -> lines(full.resolve("log/current")) >= last);
            List<String> expected = IntStream.rangeClosed(1, last).mapToObj(i -> "line " + i).toList();
            assertEquals(expected, Files.readAllLines(full.resolve("log/current")));
        } finally {
            tree.close();
            umount(full);
        }
    }

    @Test
    void aLoggerThatCannotStartStaysInsideItself() throws Exception {
        Path broken = logged("broken", 50, "#!/bin/sh\nexec svlogd ./no-such-directory\n");
        Path fine = logged("fine", 50, "#!/bin/sh\nmkdir -p ./main\nexec svlogd ./main\n");
        Process p = hosted();
        Await.until("the broken logger's fatal message", Duration.ofSeconds(30),
                () -> tree.stderr(p).contains("svlogd: fatal: no functional log directories."));
        int now = lines(fine.resolve("log/main/current"));
        Await.until("the other service keeps logging", () -> lines(fine.resolve("log/main/current")) >= now + 10);
        // the broken one is restarted (a second apart) like a failing svlogd, and runsvdir is fine
        assertTrue(p.isAlive());
        Files.createDirectories(broken.resolve("log/no-such-directory"));
        Await.until("the broken logger works once its directory exists", Duration.ofSeconds(30),
                () -> lines(broken.resolve("log/no-such-directory/current")) >= 2);
    }

    private static void mount(Path dir) throws Exception {
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir.toString()).inheritIO().start();
        assertEquals(0, m.waitFor());
    }

    private static void umount(Path dir) throws Exception {
        new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor();
    }
}
