package jrunit.chpst;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What our chpst does, seen from inside the program it runs. */
class ChpstEffectTest {
    /** Each step starts a JVM: generous on a shared, busy machine. */
    private static final java.time.Duration LONG = java.time.Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();
    private final List<Integer> heldLocks = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        for (int fd : heldLocks) Posix.close(fd);
    }

    private Peers.Result ours(String name, String... args) throws Exception {
        return Peers.run(Peers.ours(name, List.of(args)), null, Peers.baseEnv(), dir);
    }

    private Process start(List<String> cmd, Path out) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(Peers.baseEnv());
        pb.redirectOutput(out.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    @Test
    void theProgramReplacesTheJvmInTheSameProcess() throws Exception {
        Path out = dir.resolve("out");
        Process p = start(Peers.ours("chpst", List.of("sh", "-c",
                "echo $$; grep -E '^(Threads|Name)' /proc/$$/status; tr '\\0' '\\n' </proc/$$/environ; ls /proc/$$/fd")), out);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        List<String> lines = Files.readAllLines(out);
        assertEquals(String.valueOf(p.pid()), lines.get(0), "the program runs in the PID we started: " + lines);
        assertEquals("Name:\tsh", lines.get(1));
        assertEquals("Threads:\t1", lines.get(2));
        // exactly the environment we gave, and only 0, 1, 2 (plus ls's own listing descriptor)
        assertEquals(java.util.Set.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/"), java.util.Set.copyOf(lines.subList(3, 5)));
        assertEquals(List.of("0", "1", "2"), lines.subList(5, lines.size()));
    }

    @Test
    void workingDirectoryAsRunit230() throws Exception {
        Files.createDirectory(dir.resolve("sub"));
        assertEquals(dir.resolve("sub").toRealPath() + "\n", ours("chpst", "-C", "sub", "sh", "-c", "pwd -P").out());
        Peers.Result r = ours("chpst", "-C", "/nonexistent", "true");
        assertEquals(111, r.exit());
        assertEquals("chpst: fatal: unable to change directory: /nonexistent: file does not exist\n", r.err());
        // -C comes after -e: the envdir is read relative to the starting directory
        Files.createDirectory(dir.resolve("env"));
        Files.writeString(dir.resolve("env/X"), "y");
        assertEquals("y\n", ours("chpst", "-C", "/", "-e", "env", "sh", "-c", "echo $X").out());
    }

    @Test
    void chdirInsideNewRoot() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: chroot");
        Path root = Chroots.withShell(dir.resolve("root"));
        Peers.Result r = ours("chpst", "-/", root.toString(), "-C", "/etc", "/bin/sh", "-c", "pwd; echo *");
        assertEquals("/etc\ngroup passwd\n", r.out(), r.toString());
    }

    @Test
    void userCannotRegainRoot() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: changes user");
        String chpst = Tools.runit("chpst");
        Peers.Result r = ours("chpst", "-u", "nobody", "sh", "-c",
                "grep -E '^(Uid|Gid|Groups|CapPrm|CapEff)' /proc/self/status; " + chpst + " -u root true; echo exit $?");
        assertEquals("""
                Uid:\t65534\t65534\t65534\t65534
                Gid:\t65534\t65534\t65534\t65534
                Groups:\t65534\s
                CapPrm:\t0000000000000000
                CapEff:\t0000000000000000
                exit 111
                """, r.out(), r.toString());
        assertEquals("chpst: fatal: unable to setgroups: permission denied\n", r.err());
    }

    @Test
    void supplementaryGroupsAreExactlyTheListedOnes() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: changes user");
        Peers.Result r = ours("chpst", "-u", ":4321:7:8:9", "sh", "-c", "grep -E '^(Uid|Gid|Groups)' /proc/self/status");
        assertEquals("Uid:\t4321\t4321\t4321\t4321\nGid:\t7\t7\t7\t7\nGroups:\t7 8 9 \n", r.out(), r.toString());
    }

    @Test
    void lockWaitsAndIsHeldByTheProgram() throws Exception {
        Path lock = dir.resolve("svc.lock");
        int held = Posix.open(lock.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        Posix.flock(held, Posix.LOCK_EX);
        Path out = dir.resolve("out");
        Path release = dir.resolve("release");
        Process p = start(Peers.ours("chpst", List.of("-l", lock.toString(), "sh", "-c",
                "echo locked; while [ ! -e " + release + " ]; do sleep 0.05; done")), out);
        // chpst waits in flock: the kernel lists it as a blocked waiter on our lock
        Await.until("chpst waits for the lock", LONG, () -> waitsForLock(p.pid()));
        assertEquals("", Files.readString(out));
        Posix.close(held);
        Await.until("the program runs once the lock is free", LONG, () -> read(out).equals("locked\n"));
        // the program holds the lock while it runs
        int probe = Posix.open(lock.toString(), Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
        heldLocks.add(probe);
        ErrnoException busy = assertThrows(ErrnoException.class, () -> Posix.flock(probe, Posix.LOCK_EX | Posix.LOCK_NB));
        assertEquals(Errno.EAGAIN, busy.errno());
        Files.createFile(release);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        Posix.flock(probe, Posix.LOCK_EX | Posix.LOCK_NB);
        assertEquals("600", Integer.toOctalString(Files.getPosixFilePermissions(lock).stream()
                .mapToInt(x -> 1 << (8 - x.ordinal())).sum()));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** The kernel lists {@code pid} as a blocked waiter ("-> FLOCK ... pid ...") in /proc/locks. */
    private static boolean waitsForLock(long pid) {
        for (String line : readLocks().split("\n")) {
            if (line.contains("-> FLOCK") && line.contains(" " + pid + " ")) return true;
        }
        return false;
    }

    private static String readLocks() {
        try {
            return Files.readString(Path.of("/proc/locks"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void setlockWaitsOnlyWithN() throws Exception {
        Path lock = dir.resolve("s.lock");
        int held = Posix.open(lock.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        Posix.flock(held, Posix.LOCK_EX);
        heldLocks.add(held);
        Peers.Result r = ours("setlock", lock.toString(), "true");
        assertEquals("chpst: fatal: unable to lock: " + lock + ": temporary failure\n", r.err());
        Path out = dir.resolve("out");
        Process p = start(Peers.ours("setlock", List.of("-n", lock.toString(), "echo", "got it")), out);
        Await.until("setlock -n waits for the lock", LONG, () -> waitsForLock(p.pid()));
        heldLocks.remove(Integer.valueOf(held));
        Posix.close(held);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals("got it\n", Files.readString(out));
    }

    @Test
    void argumentsAndEnvironmentAreNotReencoded() throws Exception {
        // invalid UTF-8 and Latin-1 bytes, under the C locale (no LANG): handed on byte for byte
        Path envdir = Files.createDirectory(dir.resolve("env"));
        Files.write(envdir.resolve("V"), new byte[] {(byte) 0xe9, (byte) 0xff, 'x'});
        String wrapper = "exec \"$@\" \"$(printf '\\351\\377')\"";
        Peers.Result r = Peers.run(Peers.ours("chpst", List.of("-e", envdir.toString(), "sh", "-c",
                "printf %s \"$1$V\" | od -An -tx1", "sh")), wrapper, Peers.baseEnv(), dir);
        assertEquals(" e9 ff e9 ff 78\n", r.out(), r.toString());
    }

    @Test
    void limitsThatWouldStarveTheJvmStillWork() throws Exception {
        // the address space limit is set in the final native step: the JVM allocates nothing after it
        Peers.Result r = ours("chpst", "-m", "50000000", "-o", "4", "sh", "-c", "grep -E 'Max (address|open)' /proc/self/limits");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("Max open files            4 "), r.out());
        assertTrue(r.out().contains("Max address space         50000000 "), r.out());
        Peers.Result missing = ours("chpst", "-m", "50000000", "nosuchprog");
        assertEquals("chpst: fatal: unable to run: nosuchprog: file does not exist\n", missing.err());
    }

    @Test
    void verboseWarnsAboutSkippedSubdirectories() throws Exception {
        Path envdir = Files.createDirectory(dir.resolve("env"));
        Files.createDirectory(envdir.resolve("sub"));
        Peers.Result r = ours("chpst", "-v", "-e", "env", "true");
        assertEquals("chpst: warning: unable to read env/sub: is a directory\n", r.err());
        assertEquals(0, r.exit());
        assertEquals("", ours("chpst", "-e", "env", "true").err());
    }

    @Test
    void personalitiesByName() throws Exception {
        assertEquals("usage: envdir dir child\n\n", ours("denvdir").err());
        assertEquals("usage: setuidgid account child\n\n", ours("/usr/local/bin/setuidgid").err());
        Peers.Result r = ours("envuidgid", "nobody", "sh", "-c", "echo $UID $GID");
        assertEquals("65534 65534\n", r.out());
        assertEquals(100, ours("softlimit").exit());
        assertTrue(ours("pgrphack", "sh", "-c", "cut -d' ' -f6 /proc/$$/stat; echo $$").out().lines().distinct().count() == 1);
    }

}
