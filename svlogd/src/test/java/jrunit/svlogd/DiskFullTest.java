package jrunit.svlogd;

import jrunit.common.Posix;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static jrunit.svlogd.Svlogds.ours;
import static jrunit.svlogd.Svlogds.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A full disk (a 256 KiB tmpfs mounted by the test): svlogd pauses, loses nothing, and continues. */
class DiskFullTest {
    @TempDir
    Path base;
    private Path mount;
    private Process svlogd;

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: mounts a small tmpfs");
        mount = Files.createDirectory(base.resolve("small"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(m.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(m.waitFor() == 0, "cannot mount tmpfs here: " + out);
    }

    @AfterEach
    void unmount() throws Exception {
        if (svlogd != null && svlogd.isAlive()) {
            Posix.kill((int) svlogd.pid(), Posix.SIGKILL);
            svlogd.waitFor();
        }
        if (mount != null) new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
    }

    private static String lines(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(String.format("line %05d %s%n", i, "x".repeat(80)));
        return sb.toString();
    }

    /** Writes {@code s} to svlogd's stdin from a thread (the pipe blocks while svlogd pauses), then closes it. */
    private Thread feed(String s) {
        Thread t = new Thread(() -> {
            try (OutputStream o = svlogd.getOutputStream()) {
                o.write(s.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        return t;
    }

    @Test
    void pausesUntilSpaceIsBackAndLosesNothing() throws Exception {
        Path log = Files.createDirectory(mount.resolve("log"));
        Files.writeString(log.resolve("config"), "s0\n");
        Path filler = mount.resolve("filler");
        Files.write(filler, new byte[200 * 1024]);
        String input = lines(1000); // ~90 KiB: more than is left
        svlogd = Svlogds.start(ours("log"), mount, base.resolve("stderr"));
        Thread writer = feed(input);
        Await.until("svlogd pauses", Duration.ofSeconds(60), () -> read(base.resolve("stderr"))
                .contains("svlogd: pausing: unable to write to current: log: out of disk space\n"));
        Files.delete(filler);
        writer.join(60_000);
        assertTrue(svlogd.waitFor(60, TimeUnit.SECONDS), "svlogd exits after end of input");
        assertEquals(0, svlogd.exitValue());
        assertEquals(input, read(log.resolve("current")), "every line once, in order");
    }

    @Test
    void deletesOldFilesWhenNIsBelown() throws Exception {
        Path log = Files.createDirectory(mount.resolve("log"));
        Files.writeString(log.resolve("config"), "s0\nn10\nN1\n");
        for (int i = 1; i <= 4; i++) Files.write(log.resolve("@40000000000000000000000" + i + ".s"), new byte[50 * 1024]);
        String input = lines(1000);
        svlogd = Svlogds.start(ours("log"), mount, base.resolve("stderr"));
        Thread writer = feed(input);
        writer.join(60_000);
        assertTrue(svlogd.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, svlogd.exitValue());
        String err = read(base.resolve("stderr"));
        assertTrue(err.contains("svlogd: warning: out of disk space, delete: log/@400000000000000000000001.s\n"), err);
        assertTrue(Files.notExists(log.resolve("@400000000000000000000001.s")));
        assertTrue(Files.exists(log.resolve("@400000000000000000000004.s")), "the newest old file is kept");
        assertEquals(input, read(log.resolve("current")));
    }
}
