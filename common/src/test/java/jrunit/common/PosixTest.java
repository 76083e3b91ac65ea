package jrunit.common;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The native port against the real kernel: spawned children start clean, flock excludes flock, FIFOs open non-blocking. */
class PosixTest {

    /** Runs sh -c script with stdout on a pipe; returns what it printed, after reaping it. */
    private static String spawnAndRead(String script) throws Exception {
        return spawnAndRead("/bin/sh", List.of("sh", "-c", script));
    }

    /** Runs program with stdout on a pipe; returns what it printed, after reaping it (exit code 0 asserted). */
    static String spawnAndRead(String program, List<String> argv) throws Exception {
        int[] p = Posix.pipe(Posix.O_CLOEXEC);
        int pid = Posix.spawn(Posix.Spawn.of(program, argv, 0, p[1], 2));
        Posix.close(p[1]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = Posix.read(p[0], buf, 0, buf.length)) > 0) out.write(buf, 0, n);
        Posix.close(p[0]);
        Posix.Exited e = Posix.waitpid(pid, 0);
        assertEquals(pid, e.pid());
        assertEquals(0, e.exitCode(), "child exit code");
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void renameReplacesTheTargetAndReportsErrnoAsRunitWords() throws Exception {
        Path dir = Files.createTempDirectory("posix-rename");
        try {
            Path from = dir.resolve("status.new"), to = dir.resolve("status");
            Files.writeString(to, "old");
            Files.writeString(from, "new");
            Posix.rename(from.toString(), to.toString());
            assertEquals("new", Files.readString(to));
            assertTrue(Files.notExists(from));
            ErrnoException e = assertThrows(ErrnoException.class, () -> Posix.rename(from.toString(), to.toString()));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals("file does not exist", e.text());
        } finally {
            for (String f : new String[] {"status", "status.new"}) Files.deleteIfExists(dir.resolve(f));
            Files.delete(dir);
        }
    }

    @Test
    void spawnedChildHasEmptySignalMaskAndNoIgnoredSignals() throws Exception {
        String status = spawnAndRead("cat /proc/self/status");
        assertTrue(status.contains("SigBlk:\t0000000000000000"), status);
        assertTrue(status.contains("SigIgn:\t0000000000000000"), status);
    }

    @Test
    void spawnedChildHasOnlyDescriptorsZeroToTwo() throws Exception {
        // the JVM holds jars, sockets and more without close-on-exec; none may reach the child
        String fds = spawnAndRead("ls /proc/$$/fd"); // ls is sh's child: it lists sh's descriptors
        assertEquals(List.of("0", "1", "2"), fds.lines().sorted().toList());
    }

    @Test
    void spawnKeepsEnvironmentAndSetsCwdAndExtraDescriptors() throws Exception {
        Path dir = Files.createTempDirectory("posix");
        String out = spawnAndRead("cd " + dir + " && pwd");
        assertEquals(dir.toRealPath() + "\n", out);
        int[] p = Posix.pipe(Posix.O_CLOEXEC);
        int pid = Posix.spawn(new Posix.Spawn("/bin/sh", List.of("sh", "-c", "pwd >&4; echo \"$HOME\" >&4"),
                null, dir.toString(), new int[] {0, 1, 2, -1, p[1]}, false, false, false));
        Posix.close(p[1]);
        byte[] buf = new byte[4096];
        int n, total = 0;
        while ((n = Posix.read(p[0], buf, total, buf.length - total)) > 0) total += n;
        Posix.close(p[0]);
        assertEquals(0, Posix.waitpid(pid, 0).exitCode());
        assertEquals(dir.toRealPath() + "\n" + System.getenv("HOME") + "\n", new String(buf, 0, total));
    }

    @Test
    void spawnMapsDescriptorsWhoseSourcesAreAmongTheTargets() throws Exception {
        // child p1 = parent's q1 and child q1 = parent's p1: one source is below its target (duplicated first),
        // the other above (mapped directly); the descriptors between are closed, 0-2 kept as they are
        int[] p = Posix.pipe(Posix.O_CLOEXEC), q = Posix.pipe(Posix.O_CLOEXEC);
        int[] fds = new int[Math.max(p[1], q[1]) + 1];
        java.util.Arrays.fill(fds, -1);
        fds[0] = 0;
        fds[1] = 1;
        fds[2] = 2;
        fds[p[1]] = q[1];
        fds[q[1]] = p[1];
        for (int round = 0; round < 2; round++) { // the second spawn reuses the thread's file actions when it can
            // bash: dash redirects only descriptors 0-9
            int pid = Posix.spawn(new Posix.Spawn("/bin/bash", List.of("bash", "-c", "echo A >&" + p[1] + "; echo B >&" + q[1]),
                    null, null, fds, false, false, false));
            assertEquals(0, Posix.waitpid(pid, 0).exitCode());
        }
        Posix.close(p[1]);
        Posix.close(q[1]);
        assertEquals("B\nB\n", readAll(p[0]));
        assertEquals("A\nA\n", readAll(q[0]));
    }

    private static String readAll(int fd) throws ErrnoException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64];
        int n;
        while ((n = Posix.read(fd, buf, 0, buf.length)) > 0) out.write(buf, 0, n);
        Posix.close(fd);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void callsFromManyThreadsAtOnceKeepTheirOwnMemory() throws Exception {
        // each thread reuses native scratch memory of its own: writes, reads, renames and spawns from many
        // threads at once, with sizes past the initial block, must each see exactly their own bytes
        Path dir = Files.createTempDirectory("posix-threads");
        try {
            List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int t = 0; t < 6; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        java.util.Random random = new java.util.Random(id);
                        for (int i = 0; i < 40; i++) {
                            byte[] data = new byte[1 + random.nextInt(i % 4 == 0 ? 200_000 : 3000)];
                            random.nextBytes(data);
                            String name = dir.resolve("f" + id + ".new").toString(), done = dir.resolve("f" + id).toString();
                            int fd = Posix.open(name, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC | Posix.O_CLOEXEC, 0644);
                            int off = 0;
                            while (off < data.length) off += Posix.write(fd, data, off, data.length - off);
                            Posix.close(fd);
                            Posix.rename(name, done);
                            fd = Posix.open(done, Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
                            byte[] back = new byte[data.length + 10];
                            int n, total = 0;
                            while ((n = Posix.read(fd, back, total, back.length - total)) > 0) total += n;
                            Posix.close(fd);
                            assertEquals(data.length, total);
                            assertTrue(java.util.Arrays.equals(data, 0, data.length, back, 0, total), "thread " + id + " round " + i);
                            if (i % 10 == 0) assertEquals("t" + id + "\n", spawnAndRead("echo t" + id));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            if (!failures.isEmpty()) throw new AssertionError(failures.peek());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }
    }

    @Test
    void spawnOfMissingProgramThrowsEnoent() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> Posix.spawn(Posix.Spawn.of("./no-such-program", List.of("x"), 0, 1, 2)));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("file does not exist", e.text());
    }

    @Test
    void waitStatusDecodesSignals() throws Exception {
        int pid = Posix.spawn(Posix.Spawn.of("/bin/sh", List.of("sh", "-c", "kill -TERM $$"), 0, 1, 2));
        Posix.Exited e = Posix.waitpid(pid, 0);
        assertTrue(e.signaled());
        assertEquals(Posix.SIGTERM, e.termSignal());
        pid = Posix.spawn(Posix.Spawn.of("/bin/sh", List.of("sh", "-c", "exit 3"), 0, 1, 2));
        e = Posix.waitpid(pid, 0);
        assertTrue(e.exitedNormally());
        assertEquals(3, e.exitCode());
    }

    @Test
    void pidfdSendSignalReachesTheProcessAndFailsOnceItIsGone() throws Exception {
        int pid = Posix.spawn(Posix.Spawn.of("/bin/sleep", List.of("sleep", "1000"), 0, 1, 2));
        int pfd = Posix.pidfdOpen(pid);
        try {
            Posix.pidfdSendSignal(pfd, Posix.SIGTERM);
            Posix.Exited e = Posix.waitpid(pid, 0);
            assertEquals(Posix.SIGTERM, e.termSignal());
            ErrnoException gone = assertThrows(ErrnoException.class, () -> Posix.pidfdSendSignal(pfd, Posix.SIGTERM));
            assertEquals(3, gone.errno(), "ESRCH");
        } finally {
            Posix.close(pfd);
        }
    }

    @Test
    void pidfdExitStatusIsKnownOnceTheProcessIsReaped() throws Exception {
        assumeTrue(exitRecordKept(), "the kernel keeps no exit record for pidfds (Linux < 6.15)");
        int pid = Posix.spawn(Posix.Spawn.of("/bin/sh", List.of("sh", "-c", "exit 7"), 0, 1, 2));
        int pfd = Posix.pidfdOpen(pid);
        try {
            short[] rev = new short[1];
            assertEquals(1, Posix.poll(new int[] {pfd}, new short[] {Posix.POLLIN}, rev, 20_000));
            assertNull(Posix.pidfdExitStatus(pfd), "exited, not reaped yet: no record");
            assertEquals(7 << 8, Posix.waitpid(pid, 0).status());
            assertEquals(7 << 8, Posix.pidfdExitStatus(pfd));
        } finally {
            Posix.close(pfd);
        }
    }

    private static boolean exitRecordKept() {
        String[] v = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(v[0]), minor = Integer.parseInt(v[1]);
        return major > 6 || (major == 6 && minor >= 15);
    }

    @Test
    void pidfdBecomesReadableWhenChildExits() throws Exception {
        int pid = Posix.spawn(Posix.Spawn.of("/bin/sh", List.of("sh", "-c", "exit 0"), 0, 1, 2));
        int pfd = Posix.pidfdOpen(pid);
        short[] rev = new short[1];
        int ready = Posix.poll(new int[] {pfd}, new short[] {Posix.POLLIN}, rev, 20_000);
        assertEquals(1, ready);
        assertEquals(pid, Posix.waitpid(pid, Posix.WNOHANG).pid());
        Posix.close(pfd);
    }

    @Test
    void flockExcludesASecondOpenFileDescription() throws Exception {
        Path f = Files.createTempFile("lock", "");
        int a = Posix.open(f.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        int b = Posix.open(f.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        Posix.flock(a, Posix.LOCK_EX | Posix.LOCK_NB);
        ErrnoException e = assertThrows(ErrnoException.class, () -> Posix.flock(b, Posix.LOCK_EX | Posix.LOCK_NB));
        assertEquals(Errno.EAGAIN, e.errno());
        assertEquals("temporary failure", e.text());
        Posix.close(a);
        Posix.flock(b, Posix.LOCK_EX | Posix.LOCK_NB);
        Posix.close(b);
    }

    @Test
    void fifoWithoutReaderGivesEnxioOnNonBlockingWriteOpen() throws Exception {
        Path dir = Files.createTempDirectory("fifo");
        String fifo = dir.resolve("ok").toString();
        Posix.mkfifo(fifo, 0600);
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> Posix.open(fifo, Posix.O_WRONLY | Posix.O_NONBLOCK, 0));
        assertEquals(Errno.ENXIO, e.errno());
        int r = Posix.open(fifo, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        int w = Posix.open(fifo, Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        Posix.write(w, new byte[] {'u'}, 0, 1);
        byte[] one = new byte[1];
        assertEquals(1, Posix.read(r, one, 0, 1));
        assertEquals('u', one[0]);
        ErrnoException again = assertThrows(ErrnoException.class, () -> Posix.read(r, one, 0, 1));
        assertEquals(Errno.EAGAIN, again.errno());
        Posix.close(w);
        Posix.close(r);
    }

    @Test
    void rlimitsAndIdentityRoundTrip() throws Exception {
        long[] lim = Posix.getrlimit(Posix.RLIMIT_NOFILE);
        assertTrue(lim[0] > 0);
        assertEquals(Posix.getuid(), (int) (long) Long.valueOf(new com.sun.security.auth.module.UnixSystem().getUid()));
        Posix.Passwd root = Posix.getpwnam("root");
        assertEquals(0, root.uid());
        assertEquals(null, Posix.getpwnam("no-such-user-jrunit"));
        assertEquals(0, Posix.getgrnam("root").gid());
        assertEquals(null, Posix.getgrnam("no-such-group-jrunit"));
        // every field of the entry, against the password file (root is in /etc/passwd everywhere)
        String line = Files.readAllLines(Path.of("/etc/passwd")).stream().filter(l -> l.startsWith("root:")).findFirst().orElseThrow();
        String[] f = line.split(":", -1);
        assertEquals(new Posix.Passwd("root", 0, Integer.parseInt(f[3]), f[5], f[6]), root);
    }

    @Test
    void limitSetAndReadBackThroughTheKernel() throws Exception {
        long[] before = Posix.getrlimit(Posix.RLIMIT_CORE);
        long soft = before[1] == Posix.RLIM_INFINITY || before[1] > 4096 ? 4096 : before[1];
        Posix.setrlimit(Posix.RLIMIT_CORE, soft, before[1]);
        try {
            assertEquals(soft, Posix.getrlimit(Posix.RLIMIT_CORE)[0]);
            String limits = Files.readString(Path.of("/proc/self/limits"));
            assertTrue(limits.lines().anyMatch(l -> l.startsWith("Max core file size") && l.contains(" " + soft + " ")), limits);
        } finally {
            Posix.setrlimit(Posix.RLIMIT_CORE, before[0], before[1]);
        }
    }

    @Test
    void niceValueIsTheProcessesOwn() throws Exception {
        // field 19 of /proc/thread-self/stat is this thread's nice value (Linux keeps it per thread)
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals(Integer.parseInt(fields[16]), Posix.getNice());
    }

    @Test
    void pollTimesOutWithNothingReady() throws Exception {
        int[] p = Posix.pipe(Posix.O_CLOEXEC);
        try {
            short[] rev = new short[1];
            assertEquals(0, Posix.poll(new int[] {p[0]}, new short[] {Posix.POLLIN}, rev, 50));
            Posix.write(p[1], new byte[] {'x'}, 0, 1);
            assertEquals(1, Posix.poll(new int[] {p[0]}, new short[] {Posix.POLLIN}, rev, -1));
            assertEquals(Posix.POLLIN, rev[0]);
        } finally {
            Posix.close(p[0]);
            Posix.close(p[1]);
        }
    }

    @Test
    void umaskAndPidComeFromTheKernel() {
        int old = Posix.umask(027);
        assertEquals(027, Posix.umask(old));
        assertEquals(ProcessHandle.current().pid(), Posix.getpid());
    }
}
