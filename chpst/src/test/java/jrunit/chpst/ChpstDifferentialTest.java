package jrunit.chpst;

import jrunit.common.Posix;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Ours against Debian's /usr/bin/chpst (and its personalities through symlinks): same exit code,
 * same stdout, same stderr, for good input (the program reports what it sees) and bad.
 */
class ChpstDifferentialTest {
    @TempDir
    Path dir;
    Path links;
    Map<String, String> env;
    private final List<Integer> heldLocks = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
        // outside @TempDir: JUnit warns about symlinks that point out of it
        links = Files.createTempDirectory("chpst-links");
        env = Peers.baseEnv();
    }

    @AfterEach
    void releaseLocks() throws Exception {
        for (int fd : heldLocks) Posix.close(fd);
        if (links != null) {
            try (var entries = Files.list(links)) {
                for (Path p : entries.toList()) Files.delete(p);
            }
            Files.delete(links);
        }
    }

    private Peers.Result same(String name, String... args) throws Exception {
        return Peers.assertSame(links, dir, name, List.of(args), null, env);
    }

    private Peers.Result sameVia(String wrapper, String name, String... args) throws Exception {
        return Peers.assertSame(links, dir, name, List.of(args), wrapper, env);
    }

    /** Holds an exclusive flock on {@code file} in this JVM until the test ends. */
    private String holdLock(String file) throws Exception {
        int fd = Posix.open(dir.resolve(file).toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        Posix.flock(fd, Posix.LOCK_EX);
        heldLocks.add(fd);
        return dir.resolve(file).toString();
    }

    private Path envdir() throws Exception {
        Path e = Files.createDirectory(dir.resolve("env"));
        Files.writeString(e.resolve("PLAIN"), "value");
        Files.writeString(e.resolve("FIRSTLINE"), "first  \t \nsecond\n");
        Files.write(e.resolve("NULS"), new byte[] {'a', 0, 'b', '\n'});
        Files.writeString(e.resolve("EMPTYLINE"), "\n");
        Files.writeString(e.resolve("HOME"), ""); // removes HOME
        Files.writeString(e.resolve(".hidden"), "x");
        Files.write(e.resolve("UTF8"), "h\u00e9llo \u2603".getBytes(StandardCharsets.UTF_8));
        Files.write(e.resolve("LATIN1"), new byte[] {'c', (byte) 0xe9, 'c'});
        Files.writeString(e.resolve("PATH"), "/nonexistent");
        return e;
    }

    @Test
    void usageErrors() throws Exception {
        assertEquals(100, same("chpst").exit());
        same("chpst", "-Z", "true");
        same("chpst", "-u");
        same("chpst", "-V");
        same("chpst", "-vV");
        same("chpst", "-u", "nobody");
        same("chpst", "-P012");
        same("chpst", "--");
        same("chpst", "-n", "x", "true");
        same("chpst", "-n", "+-1", "true");
        same("chpst", "-m", "1k", "true");
        same("chpst", "-o", "-1", "true");
        same("chpst", "-t", "1s", "true");
        same("chpst", "-l", "a", "-L", "b", "true");
        same("chpst", "-L", "a", "-L", "b", "true");
        // options before a bad one are acted on first, as getopt hands them over one by one
        same("chpst", "-V", "-Z", "true");
        same("chpst", "-n", "x", "-Z", "true");
        same("chpst", "-Z", "-n", "x", "true");
        same("chpst", "-l", "a", "-L", "b", "-u");
        same("chpst", "-P0-", "true");
        same("softlimit", "-o", "abc", "-z", "true");
        same("softlimit", "-o");
        same("dchpst", "-Z");
        same("other", "-Z");
    }

    @Test
    void failures() throws Exception {
        assertEquals(111, same("chpst", "-u", "nosuchuser", "true").exit());
        same("chpst", "-u", "nobody:nosuchgroup", "true");
        same("chpst", "-u", "nobody:", "true");
        same("chpst", "-u", ":1234", "true");
        same("chpst", "-u", ":12:34x", "true");
        same("chpst", "-U", "nosuch", "true");
        same("chpst", "-U", ":x", "true");
        same("chpst", "-e", "/nonexistent", "true");
        same("chpst", "-e", "/etc/passwd", "true");
        same("chpst", "nosuchprog");
        same("chpst", "-b", "foo", "nosuchprog");
        same("chpst", "/etc/passwd");
        same("chpst", dir.toString());
        same("chpst", "/nonexistent/prog");
        same("chpst", "-");
        same("chpst", "-/", "/nonexistent", "true");
        same("chpst", "-l", "/nonexistent/dir/lock", "true");
        String held = holdLock("held.lock");
        assertEquals("chpst: fatal: unable to lock: " + held + ": temporary failure\n", same("chpst", "-L", held, "true").err());
        // a limit above the hard limit is not an error: the soft limit stops at the hard one
        same("chpst", "-o", "999999999", "sh", "-c", "ulimit -Sn; ulimit -Hn");
        same("chpst", "-o", "18446744073709551615", "sh", "-c", "ulimit -Sn"); // wraps to -1: the hard limit
        same("chpst", "-o", "18446744073709551614", "sh", "-c", "ulimit -Sn"); // wraps to -2: not set at all
    }

    @Test
    void closedStandardDescriptorsCannotBeClosedAgain() throws Exception {
        sameVia("exec \"$@\" <&-", "chpst", "-0", "true");
        sameVia("exec \"$@\" >&-", "chpst", "-1", "true");
        sameVia("exec \"$@\" 2>&-", "chpst", "-2", "true");
        sameVia("exec \"$@\" 2>&-", "chpst", "nosuchprog"); // runit's message goes nowhere
    }

    @Test
    void environmentChanges() throws Exception {
        Path e = envdir();
        env.put("KEEP", "kept");
        env.put("NULS", "old");
        // the program is found through the old PATH and sees the new one; env shows the order runit builds
        Peers.Result r = same("chpst", "-e", e.toString(), "env");
        assertTrue(r.out().contains("PATH=/nonexistent\n"), r.out());
        assertTrue(r.out().contains("FIRSTLINE=first\n"), r.out());
        assertTrue(r.out().contains("NULS=a\nb\n"), r.out());
        assertTrue(r.out().contains("EMPTYLINE=\n"), r.out());
        assertTrue(!r.out().contains("HOME=") && !r.out().contains("hidden"), r.out());
        same("envdir", e.toString(), "env");
        same("chpst", "-U", "nobody", "env");
        same("chpst", "-U", "nobody:daemon:sys", "env");
        same("chpst", "-U", ":5:6:7", "env");
        same("chpst", "-e", e.toString(), "-U", "nobody", "env");
        same("envuidgid", "nobody", "env");
        same("envuidgid", "nosuch", "env");
        same("envuidgid", "nobody:daemon", "env");
        // a dangling symlink reuses the previous file's buffer in runit: kept bug for bug
        Path odd = Files.createDirectory(dir.resolve("odd"));
        Files.writeString(odd.resolve("A"), "one");
        Files.createSymbolicLink(odd.resolve("B"), Path.of("missing"));
        Files.writeString(odd.resolve("C"), "x=y");
        Files.writeString(odd.resolve("D=E"), "f");
        same("envdir", odd.toString(), "env");
    }

    @Test
    void envdirSubdirectory() throws Exception {
        Path e = Files.createDirectory(dir.resolve("withsub"));
        Files.writeString(e.resolve("A"), "a");
        Files.createDirectory(e.resolve("sub"));
        same("chpst", "-e", e.toString(), "env");
        same("chpst", "-v", "-e", e.toString(), "env");
        assertEquals(111, same("envdir", e.toString(), "env").exit());
    }

    @Test
    void argumentsAndArgv0PassThroughByteForByte() throws Exception {
        Peers.Result r = same("chpst", "-b", "renamed", "sh", "-c", "tr '\\0' ' ' </proc/$$/cmdline; echo", "h\u00e9llo", "\u00e9\u00e9");
        assertTrue(r.out().startsWith("renamed -c "), r.out());
        same("chpst", "--", "sh", "-c", "echo \"$0\" \"$1\"", "-x", "--");
    }

    @Test
    void limits() throws Exception {
        String show = "grep -E 'Max (cpu|file size|data|stack|core|resident|processes|open|locked|address)' /proc/self/limits";
        same("chpst", "-m", "300000000", "-d", "200000000", "sh", "-c", show);
        same("chpst", "-d", "200000000", "-m", "300000000", "sh", "-c", show);
        same("chpst", "-o", "100", "-p", "500", "-f", "1000000", "-c", "0", "-r", "5000000", "-t", "100", "sh", "-c", show);
        same("softlimit", "-a", "400000000", "-c", "=", "-d", "300000000", "-f", "=", "-l", "65536", "-o", "50",
                "-p", "=", "-r", "1000", "-s", "1000000", "-t", "7", "sh", "-c", show);
        same("softlimit", "-m", "300000000", "sh", "-c", show);
        same("softlimit", "-o", "abc", "true");
        same("softlimit", "-z", "true");
        same("softlimit");
        // the caller's soft open-files limit reaches the program (the JVM must not raise it)
        sameVia("ulimit -Sn 512; exec \"$@\"", "chpst", "sh", "-c", "ulimit -Sn");
    }

    @Test
    void niceAndSession() throws Exception {
        same("chpst", "-n", "5", "sh", "-c", "cut -d' ' -f19 /proc/$$/stat");
        same("chpst", "-n", "+3", "-n", "2", "sh", "-c", "cut -d' ' -f19 /proc/$$/stat");
        same("chpst", "-n", "0", "sh", "-c", "cut -d' ' -f19 /proc/$$/stat");
        String leader = "[ \"$(cut -d' ' -f6 /proc/$$/stat)\" = $$ ] && echo session leader || echo not leader";
        same("chpst", "-P", "sh", "-c", leader);
        same("chpst", "sh", "-c", leader);
        same("pgrphack", "sh", "-c", leader);
        same("pgrphack");
        same("pgrphack", "nosuchprog");
    }

    /**
     * Signals whose inherited SIG_IGN cannot survive the JVM: the ones HotSpot catches itself (ILL,
     * BUS, FPE, SEGV, QUIT, USR2, PIPE, XFSZ) and glibc's internal 32 and 33. They reach the
     * program at their default action (see the README).
     */
    static final long JVM_SIGNALS = bits(4, 7, 8, 11, 3, 12, 13, 25, 32, 33);

    static long bits(int... signals) {
        long b = 0;
        for (int s : signals) b |= 1L << (s - 1);
        return b;
    }

    /** The SigBlk and SigIgn lines of a /proc status dump, SigIgn without {@link #JVM_SIGNALS}. */
    static String signalState(String status) {
        StringBuilder sb = new StringBuilder();
        for (String line : status.split("\n")) {
            if (line.startsWith("SigBlk:")) sb.append(line).append('\n');
            if (line.startsWith("SigIgn:")) {
                long ign = Long.parseUnsignedLong(line.substring(7).trim(), 16) & ~JVM_SIGNALS;
                sb.append("SigIgn: ").append(Long.toHexString(ign)).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void descriptorsAndSignalsOfTheCallerNotOfTheJvm() throws Exception {
        String caller = "trap '' HUP INT USR1 TERM; umask 027; exec 3</etc/hostname 7>/dev/null 9<&0; exec \"$@\"";
        List<String> show = List.of("/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status");
        Peers.Result theirs = Peers.run(Peers.debian(links, "chpst", show), caller, env, dir);
        Peers.Result ours = Peers.run(Peers.ours("chpst", show), caller, env, dir);
        assertEquals(signalState(theirs.out()), signalState(ours.out()));
        assertTrue(signalState(ours.out()).contains("SigIgn: 4203\n"), ours.out());
        Peers.Result r = sameVia(caller, "chpst", "sh", "-c", "ls /proc/$$/fd; umask");
        assertEquals("0\n1\n2\n3\n7\n9\n0027\n", r.out());
        sameVia("exec \"$@\" <&- 2>&-", "chpst", "sh", "-c", "ls /proc/$$/fd >&1");
        sameVia(caller, "chpst", "-0", "-2", "sh", "-c", "ls /proc/$$/fd");
        sameVia(caller, "chpst", "-1", "sh", "-c", "ls /proc/$$/fd >&2");
    }

    @Test
    void blockedSignalsOfTheCaller() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3 to start with a signal mask");
        Path py = dir.resolve("mask.py");
        Files.writeString(py, """
                import os, signal, sys
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGHUP})
                os.execv(sys.argv[1], sys.argv[1:])
                """);
        List<String> show = List.of("/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status");
        List<String> theirs = new ArrayList<>(List.of("/usr/bin/python3", py.toString()));
        theirs.addAll(Peers.debian(links, "chpst", show));
        List<String> ours = new ArrayList<>(List.of("/usr/bin/python3", py.toString()));
        ours.addAll(Peers.ours("chpst", show));
        Peers.Result a = Peers.run(theirs, null, env, dir);
        Peers.Result b = Peers.run(ours, null, env, dir);
        assertTrue(a.out().contains("SigBlk:\t0000000000004201"), a.toString());
        assertEquals(signalState(a.out()), signalState(b.out()));
    }

    @Test
    void setlock() throws Exception {
        same("setlock");
        same("setlock", "f");
        same("setlock", "-z", "f", "true");
        same("dsetlock", "-z", "f", "true");
        same("setlock", "-V", "f", "true");
        Path lock = dir.resolve("free.lock");
        Peers.Result r = same("setlock", lock.toString(), "sh", "-c", "ls -l /proc/$$/fd | grep -c free.lock");
        assertEquals("1\n", r.out());
        String held = holdLock("busy.lock");
        assertEquals(111, same("setlock", held, "true").exit());
        same("setlock", "-N", held, "true");
        assertEquals(0, same("setlock", "-x", held, "echo", "ran").exit());
        same("setlock", "-xX", held, "true");
        same("setlock", "-x", "/nonexistent/l", "true");
        same("setlock", "/nonexistent/l", "true");
        same("setlock", "-x", lock.toString(), "nosuchprog");
        same("setlock", lock.toString(), "nosuchprog");
    }

    @Test
    void accountsAsRoot() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: changes user");
        same("chpst", "-u", "nobody", "id");
        same("chpst", "-u", "nobody:daemon:sys", "id");
        same("chpst", "-u", ":1234:5:6", "sh", "-c", "grep -E '^(Uid|Gid|Groups)' /proc/self/status");
        same("chpst", "-u", "::", "id");
        same("setuidgid", "nobody", "id");
        same("setuidgid", "nobody:daemon", "id");
        same("setuidgid", "nosuch", "id");
        same("setuidgid", "nobody");
        // the lock is opened as the new user
        Path root = Files.createDirectory(dir.resolve("rootonly"));
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        same("chpst", "-u", "nobody", "-L", root.resolve("l").toString(), "true");
        same("chpst", "-n", "-5", "sh", "-c", "cut -d' ' -f19 /proc/$$/stat");
        same("chpst", "-u", "nobody", "-n", "-5", "true");
    }

    @Test
    void chrootAsRoot() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: chroot");
        Path root = Chroots.withShell(dir.resolve("root"));
        same("chpst", "-/", root.toString(), "/bin/sh", "-c", "echo *; pwd");
        same("chpst", "-/", root.toString(), "-u", "nobody", "/bin/sh", "-c", "echo ok");
        same("chpst", "-/", root.toString(), "-u", "daemon", "/bin/sh", "-c", "echo ok"); // not in the new root's passwd
        same("chpst", "-/", root.toString(), "-L", "inside.lock", "/bin/sh", "-c", "echo *");
        same("chpst", "-/", root.toString(), "true"); // no PATH programs inside: not found
    }
}
