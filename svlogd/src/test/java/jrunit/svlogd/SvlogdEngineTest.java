package jrunit.svlogd;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static jrunit.svlogd.Svlogds.mode;
import static jrunit.svlogd.Svlogds.read;
import static jrunit.svlogd.Svlogds.rotated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine driven by calls in this JVM, as a host drives it: a pipe made here as its input, run()
 * on a thread of its own, hangup/alarm/terminate/kill/pause/resume from the test's thread.
 */
class SvlogdEngineTest {
    @TempDir
    Path base;
    private final List<Running> running = new ArrayList<>();
    private final List<Integer> children = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Running r : running) {
            r.engine.kill();
            r.closeInput();
            r.thread.join(Await.DEFAULT.toMillis());
            Posix.close(r.readFd);
        }
        for (int pid : children) {
            try {
                Posix.kill(pid, Posix.SIGKILL);
                Posix.waitpid(pid, 0);
            } catch (ErrnoException e) {
                // gone already
            }
        }
    }

    /** An engine running on its own thread, reading a pipe the test writes to. */
    final class Running {
        final SvlogdEngine engine;
        final ByteArrayOutputStream err = new ByteArrayOutputStream(); // synchronized: engine writes, test reads
        final int readFd;
        private int writeFd;
        final Thread thread;
        volatile Integer code;
        volatile Throwable failure;

        Running(OutputStream stderr, String... args) throws Exception {
            this(stderr, false, null, args);
        }

        /** {@code keepInput}: {@link SvlogdEngine#keepInputUntilWritten}; {@code pipe}: an existing pipe to read (else a new one). */
        Running(OutputStream stderr, boolean keepInput, int[] pipe, String... args) throws Exception {
            engine = SvlogdEngine.create(List.of(args), base, stderr == null ? err : stderr, SvlogdEngine.HOSTED_BUFFER);
            if (keepInput) engine.keepInputUntilWritten();
            int[] p = pipe != null ? pipe : Posix.pipe(Posix.O_CLOEXEC); // blocking, as a host's log pipe may be
            readFd = p[0];
            writeFd = p[1];
            thread = Thread.ofPlatform().name("engine " + List.of(args)).start(() -> {
                try {
                    code = engine.run(readFd);
                } catch (Throwable e) {
                    failure = e;
                }
            });
            running.add(this);
        }

        void write(String s) throws ErrnoException {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            for (int off = 0; off < b.length; ) off += Posix.write(writeFd, b, off, b.length - off);
        }

        int writeFdForTest() {
            return writeFd;
        }

        void closeInput() throws ErrnoException {
            if (writeFd >= 0) Posix.close(writeFd);
            writeFd = -1;
        }

        /** run()'s exit code, once it has returned (it must, within the default deadline). */
        int awaitEnd() throws InterruptedException {
            thread.join(Await.DEFAULT.toMillis());
            assertFalse(thread.isAlive(), "run() returned");
            if (failure != null) throw new AssertionError("run() failed", failure);
            return code;
        }

        String stderr() {
            return err.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private Running start(String... args) throws Exception {
        return new Running(null, args);
    }

    private Path dir(String name, String config) throws IOException {
        Path d = Files.createDirectories(base.resolve(name));
        if (config != null) Files.writeString(d.resolve("config"), config);
        return d;
    }

    private static void awaitCurrent(Path d, String text) {
        Await.until(d.getFileName() + "/current holding " + text.replace("\n", "\\n"), () -> read(d.resolve("current")).equals(text));
    }

    private static boolean readable(int fd) {
        short[] rev = new short[1];
        try {
            return Posix.poll(new int[] {fd}, new short[] {Posix.POLLIN}, rev, 0) > 0;
        } catch (ErrnoException e) {
            return false;
        }
    }

    @Test
    void keepingInputUntilWrittenTakesFromThePipeWhatItWroteAndNoMore() throws Exception {
        Path d = dir("main", null);
        Running first = new Running(null, true, null, "main");
        first.write("one\ntwo\npar");
        awaitCurrent(d, "one\ntwo\n");
        // a line not complete yet is consumed with its read: nothing is left for poll to report again and again
        Await.until("the pipe emptied", () -> !readable(first.readFd));
        first.engine.kill(); // ends at once, writing what it read of the line
        first.awaitEnd();
        awaitCurrent(d, "one\ntwo\npar\n");
        running.remove(first);

        // a successor on the same pipe logs what comes next, nothing twice
        int[] pipe = {Posix.fcntl(first.readFd, Posix.F_DUPFD_CLOEXEC, 3), Posix.fcntl(first.writeFdForTest(), Posix.F_DUPFD_CLOEXEC, 3)};
        first.closeInput();
        Posix.close(first.readFd);
        Running second = new Running(null, true, pipe, "main");
        second.write("three\n");
        Await.until("three logged", () -> {
            try {
                return Svlogds.all(d).endsWith("par\nthree\n");
            } catch (IOException e) {
                return false;
            }
        });
        assertEquals("one\ntwo\npar\nthree\n", Svlogds.all(d));
        second.closeInput();
        assertEquals(0, second.awaitEnd());
    }

    @Test
    void keepingInputUntilWrittenReadsAFileAsUsual() throws Exception {
        Path d = dir("main", null);
        Path in = base.resolve("input");
        Files.writeString(in, "a\nb\n");
        SvlogdEngine e = SvlogdEngine.create(List.of("main"), base, new ByteArrayOutputStream(), SvlogdEngine.HOSTED_BUFFER);
        e.keepInputUntilWritten();
        int fd = Posix.open(in.toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        try {
            assertEquals(0, e.run(fd)); // tee(2) refuses a file: read as usual, to its end
        } finally {
            Posix.close(fd);
        }
        assertEquals("a\nb\n", Svlogds.all(d));
    }

    @Test
    void relativeNamesAreResolvedAgainstTheWorkingDirectoryAndPrintedAsGiven() throws Exception {
        Path d = dir("main", "s20\n!cat && pwd >&5\n");
        assertFalse(Files.exists(Path.of("main")), "not the JVM's cwd");
        Running r = start("-v", "./main");
        r.write("one\n" + "x".repeat(30) + "\n");
        r.closeInput();
        assertEquals(0, r.awaitEnd());
        assertEquals(d.toString() + "\n", read(d.resolve("state")), "the processor ran in the directory");
        assertEquals("one\n" + "x".repeat(30) + "\n", Svlogds.all(d));
        assertEquals("rwxr--r--", mode(d.resolve("current")));
        String err = r.stderr();
        assertTrue(err.startsWith("svlogd: info: read: ./main/config\nsvlogd: info: new: ./main/current\n"
                + "svlogd: info: rename: ./main/current @"), err);
        assertTrue(err.endsWith("svlogd: info: close: ./main\n"), err);
    }

    @Test
    void hangupAlarmAndTerminateAsCalls() throws Exception {
        Path d = dir("d", null);
        Running r = start("-v", "d");
        r.write("before\n");
        awaitCurrent(d, "before\n");
        Files.writeString(d.resolve("config"), "pNEW \n");
        r.engine.hangup();
        Await.until("reopened", () -> r.stderr().contains("svlogd: info: sighangup received.\nsvlogd: info: close: d\n"
                + "svlogd: info: read: d/config\nsvlogd: info: append: d/current\n"));
        r.write("after\n");
        awaitCurrent(d, "before\nNEW after\n");
        r.engine.alarm();
        Await.until("rotated", () -> rotated(d).size() == 1);
        assertEquals("before\nNEW after\n", read(rotated(d).get(0)));
        r.write("complete\npart"); // one write: one read takes both
        awaitCurrent(d, "NEW complete\n");
        r.engine.terminate();
        assertEquals(0, r.awaitEnd(), "TERM does not wait for the rest of the line");
        assertEquals("NEW complete\nNEW part\n", read(d.resolve("current")));
        assertEquals("rwxr--r--", mode(d.resolve("current")));
        assertTrue(r.stderr().contains("svlogd: info: sigterm received.\n"), r.stderr());
    }

    @Test
    void killWritesThePartialLineAndLeavesTheProcessorRunning() throws Exception {
        Path d = dir("d", "s30\n!echo $$ >../processor.pid; exec sleep 60\n");
        Running r = start("d");
        r.write("x".repeat(40) + "\n"); // cut at 30 bytes: the processor starts on those
        Path pidFile = base.resolve("processor.pid");
        int pid = Await.value("processor started", () -> {
            String s = read(pidFile);
            return s.endsWith("\n") ? Integer.parseInt(s.trim()) : null;
        });
        children.add(pid);
        r.write("complete\npart");
        awaitCurrent(d, "x".repeat(10) + "\ncomplete\n");
        r.engine.kill();
        assertEquals(0, r.awaitEnd(), "neither the rest of the line nor the processor is waited for");
        assertEquals("x".repeat(10) + "\ncomplete\npart\n", read(d.resolve("current")));
        assertEquals("rwxr--r--", mode(d.resolve("current")), "closed cleanly");
        Posix.kill(pid, 0); // still running, and still a child to reap (cleanUp does)
    }

    @Test
    void pauseStopsReadingAndResumeDrainsThePipe() throws Exception {
        Path d = dir("d", "s0\n");
        Running r = start("d");
        r.write("first\n");
        awaitCurrent(d, "first\n");
        r.engine.pause();
        Posix.setNonBlocking(r.writeFd, true); // the test's end only; the engine's end stays blocking
        StringBuilder sent = new StringBuilder("first\n");
        byte[] line = ("a line of a paused logger " + "y".repeat(70) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        long deadline = System.nanoTime() + Await.DEFAULT.toNanos();
        int partial = 0; // a line the full pipe took only part of
        while (true) {
            assertTrue(System.nanoTime() < deadline, "the pipe never filled: the paused engine kept reading");
            try {
                int n = Posix.write(r.writeFd, line, partial, line.length - partial);
                sent.append(new String(line, partial, n, StandardCharsets.ISO_8859_1));
                partial = (partial + n) % line.length;
            } catch (ErrnoException e) {
                assertEquals(Errno.EAGAIN, e.errno());
                break;
            }
        }
        assertTrue(sent.length() >= 4096, "the pipe held " + sent.length());
        Posix.setNonBlocking(r.writeFd, false);
        r.engine.resume();
        r.write(new String(line, partial, line.length - partial, StandardCharsets.ISO_8859_1) + "last\n");
        sent.append(new String(line, partial, line.length - partial, StandardCharsets.ISO_8859_1)).append("last\n");
        r.closeInput();
        assertEquals(0, r.awaitEnd());
        assertEquals(sent.toString(), read(d.resolve("current")), "everything, once, in order");
    }

    @Test
    void terminateWhilePausedTakesEffectOnResumeAndKillAtOnce() throws Exception {
        Path a = dir("a", null);
        Path b = dir("b", null);
        Running ra = start("-v", "a");
        Running rb = start("b");
        ra.write("one\n");
        rb.write("one\n");
        awaitCurrent(a, "one\n");
        awaitCurrent(b, "one\n");
        ra.engine.pause();
        ra.engine.terminate();
        rb.engine.pause();
        rb.engine.kill();
        assertEquals(0, rb.awaitEnd(), "kill() ends a paused engine");
        assertEquals("rwxr--r--", mode(b.resolve("current")));
        assertTrue(ra.thread.isAlive());
        ra.engine.resume();
        assertEquals(0, ra.awaitEnd());
        assertTrue(ra.stderr().endsWith("svlogd: info: sigterm received.\nsvlogd: info: close: a\n"), ra.stderr());
        assertEquals("rwxr--r--", mode(a.resolve("current")));
    }

    @Test
    void twoEnginesInOneJvmDoNotInterfere() throws Exception {
        Path a = dir("a", null);
        Path b = dir("b", null);
        Running ra = start("-v", "a");
        Running rb = start("-v", "-tt", "b");
        ra.write("to a\n");
        rb.write("to b\n");
        awaitCurrent(a, "to a\n");
        Await.until("b logged", () -> read(b.resolve("current")).endsWith(" to b\n"));
        Files.writeString(a.resolve("config"), "pA: \n");
        ra.engine.hangup();
        rb.engine.alarm();
        Await.until("b rotated", () -> rotated(b).size() == 1);
        Await.until("a reopened", () -> ra.stderr().contains("svlogd: info: append: a/current\n"));
        ra.write("again\n");
        awaitCurrent(a, "to a\nA: again\n");
        ra.engine.terminate();
        assertEquals(0, ra.awaitEnd());
        rb.write("after a ended\n");
        Await.until("b still logs", () -> read(b.resolve("current")).endsWith(" after a ended\n"));
        rb.closeInput();
        assertEquals(0, rb.awaitEnd());
        assertTrue(rotated(a).isEmpty(), "b's alarm is b's");
        assertFalse(rb.stderr().contains("sighangup"), rb.stderr());
        assertFalse(ra.stderr().contains("sigalarm"), ra.stderr());
        assertTrue(rb.stderr().contains("svlogd: info: sigalarm received.\n"), rb.stderr());
        assertFalse(ra.stderr().contains(" b"), "each engine's messages on its own stream: " + ra.stderr());
    }

    @Test
    void anUnusableDirectoryEndsOnlyItsOwnEngine() throws Exception {
        Path a = dir("a", null);
        Running ra = start("a");
        ra.write("first\n");
        awaitCurrent(a, "first\n");
        Running missing = start("missing");
        assertEquals(111, missing.awaitEnd());
        assertEquals("svlogd: warning: unable to open log directory: missing: file does not exist\n"
                + "svlogd: fatal: no functional log directories.\n", missing.stderr());
        Running locked = start("a"); // flock excludes a second open in the same process too
        assertEquals(111, locked.awaitEnd());
        assertEquals("svlogd: warning: unable to lock directory: a: temporary failure\n"
                + "svlogd: fatal: no functional log directories.\n", locked.stderr());
        ra.write("second\n");
        awaitCurrent(a, "first\nsecond\n");
        ra.closeInput();
        assertEquals(0, ra.awaitEnd());
    }

    @Test
    void noInputIsReportedAndEnds() throws Exception {
        Path d = dir("d", null);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        SvlogdEngine e = SvlogdEngine.create(List.of("d"), base, err, SvlogdEngine.HOSTED_BUFFER);
        assertEquals(0, e.run(-1));
        assertEquals("svlogd: warning: unable to read standard input: file descriptor not open\n", err.toString());
        assertEquals("rwxr--r--", mode(d.resolve("current")));
        assertThrows(IllegalStateException.class, () -> e.run(-1), "run() is called once");
    }

    @Test
    void usageIsRefusedWithSvlogdsText() {
        SvlogdEngine.UsageException u = assertThrows(SvlogdEngine.UsageException.class,
                () -> SvlogdEngine.create(List.of("-r", "ab", "d"), base, OutputStream.nullOutputStream(), SvlogdEngine.HOSTED_BUFFER));
        assertEquals("usage: /usr/bin/svlogd [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...\n\n", u.text("/usr/bin/svlogd"));
        SvlogdEngine.UsageException v = assertThrows(SvlogdEngine.UsageException.class,
                () -> SvlogdEngine.create(List.of("-V"), base, OutputStream.nullOutputStream(), SvlogdEngine.HOSTED_BUFFER));
        assertTrue(v.version());
        assertTrue(v.text("svlogd").startsWith(Options.VERSION + "\nusage: svlogd "), v.text("svlogd"));
        SvlogdEngine.UsageException x = assertThrows(SvlogdEngine.UsageException.class,
                () -> SvlogdEngine.create(List.of("-x", "d"), base, OutputStream.nullOutputStream(), SvlogdEngine.HOSTED_BUFFER));
        assertTrue(x.text("/usr/bin/svlogd").startsWith("svlogd: " + x.message() + "\nusage: /usr/bin/svlogd "), x.text("/usr/bin/svlogd"));
    }

    @Test
    void aFailureInsideTheEnginePropagatesAndLetsGoOfEverything() throws Exception {
        Path d = dir("d", null);
        dir("warm", null);
        // a whole run first, so that what opens once per JVM (jars, FFM) is open before counting
        assertEquals(0, SvlogdEngine.create(List.of("warm"), base, OutputStream.nullOutputStream(), SvlogdEngine.HOSTED_BUFFER).run(-1));
        Set<String> fdsBefore = openFds();
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) {
                throw new IllegalStateException("the host's stream broke");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (new String(b, off, len, StandardCharsets.ISO_8859_1).contains("sighangup")) write(0);
            }
        };
        Running r = new Running(failing, "-v", "d");
        r.write("one\n");
        awaitCurrent(d, "one\n");
        r.engine.hangup();
        r.thread.join(Await.DEFAULT.toMillis());
        assertInstanceOf(IllegalStateException.class, r.failure, "run() lets it out");
        assertEquals("rw-r--r--", mode(d.resolve("current")), "current left as a crash leaves it");
        running.remove(r);
        r.closeInput();
        Posix.close(r.readFd);
        assertEquals(fdsBefore, openFds(), "no descriptor left behind (lock, current, wake-up pipe)");
        Running again = start("d"); // the lock is free
        again.write("two\n");
        awaitCurrent(d, "two\n");
        assertEquals("one\n", read(rotated(d).get(0)), "the unfinished current kept as a .u");
    }

    private static Set<String> openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    /** 100 engines with default options, all running at once in a JVM whose heap is 16 MB. */
    @Test
    void aHundredHostedLoggersFitASmallHeap() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.JAVA, "-Xmx16m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), HundredLoggers.class.getName(), base.toString(), "100"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(base.resolve("out").toFile()).start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ended");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), read(base.resolve("out")));
        for (int i = 0; i < 100; i++) assertEquals("logger " + i + "\n", read(base.resolve("log" + i + "/current")));
    }
}
