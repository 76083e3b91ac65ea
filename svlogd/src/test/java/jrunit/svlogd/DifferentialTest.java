package jrunit.svlogd;

import jrunit.common.Posix;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static jrunit.svlogd.Svlogds.maskStamps;
import static jrunit.svlogd.Svlogds.picture;
import static jrunit.svlogd.Svlogds.run;
import static jrunit.svlogd.Svlogds.runits;
import static jrunit.svlogd.Svlogds.ours;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Ours beside Debian's /usr/bin/svlogd: the same input and config must leave the same files (sizes,
 * modes, contents with stamps compared by form), the same stderr and the same exit code.
 */
class DifferentialTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void runitPresent() {
        assumeTrue(Files.isExecutable(Path.of(Svlogds.RUNIT)), "needs Debian's runit: /usr/bin/svlogd");
    }

    /** Lines of many lengths around the interesting limits, with control and high bytes. */
    static byte[] input(int lines, long seed) {
        Random r = new Random(seed);
        int[] lengths = {0, 1, 7, 49, 50, 51, 99, 100, 101, 299, 999, 1000, 1001, 1500, 3000};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            int n = lengths[r.nextInt(lengths.length)];
            for (int j = 0; j < n; j++) {
                int k = r.nextInt(40);
                sb.append(k == 0 ? '\t' : k == 1 ? '\u00e9' : k == 2 ? '\u007f' : k == 3 ? '\0' : (char) ('a' + k % 26));
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private void same(String config, byte[] input, String... args) throws Exception {
        Path base = Files.createTempDirectory(tmp, "svlogd-diff");
        Path r = Files.createDirectories(base.resolve("r/log"));
        Path o = Files.createDirectories(base.resolve("o/log"));
        if (config != null) {
            Files.writeString(r.resolve("config"), config);
            Files.writeString(o.resolve("config"), config);
        }
        List<String> a = new ArrayList<>(List.of(args));
        a.add("log");
        Svlogds.Result rr = run(runits(a.toArray(String[]::new)), r.getParent(), input);
        Svlogds.Result or = run(ours(a.toArray(String[]::new)), o.getParent(), input);
        String what = "config " + config + " args " + a;
        assertEquals(rr.exit(), or.exit(), "exit code, " + what);
        assertEquals(maskStamps(rr.stderr()).replaceAll("@4000[0-9a-f]{20}", "@X"),
                maskStamps(or.stderr()).replaceAll("@4000[0-9a-f]{20}", "@X"), "stderr, " + what);
        assertEquals(picture(r), picture(o), "files, " + what);
    }

    @Test
    void plainAndStamped() throws Exception {
        byte[] in = input(400, 1);
        same(null, in);
        same(null, in, "-t");
        same(null, in, "-tt");
        same(null, in, "-ttt");
    }

    @Test
    void sizeRotationCutsWhereRunitCuts() throws Exception {
        byte[] in = input(600, 2);
        same("s100\nn1000\n", in);
        same("s300\nn1000\n", in, "-l", "100");
        same("s8000\nn1000\n", in, "-tt");
        same("s5000\nn1000\n", in, "-b", "2000", "-l", "1500");
        same("s1001\nn1000\n", in, "-tt");
        same("s4000\nn1000\n", in, "-l", "50", "-b", "60", "-ttt");
        same("s 100\n", in);
    }

    @Test
    void retentionKeepsN() throws Exception {
        same("s2000\nn3\n", input(500, 3), "-v");
    }

    @Test
    void patternsPrefixAndReplacement() throws Exception {
        byte[] in = input(500, 4);
        same("s8000\nn1000\n+*a*\n-*b\ne*cd*\np:P:\n", in, "-tt");
        same("-*\n+a*\nE*\ne+a*\n", in, "-r", "x", "-R", "abc", "-l", "200", "-b", "300");
        same("e*\n", in, "-R", "q", "-l", "20");
        same("-*\n", in);
        same("#nothing\n\nzunknown\n", in, "-v");
    }

    @Test
    void severalDirectories() throws Exception {
        byte[] in = input(300, 5);
        Path base = Files.createTempDirectory(tmp, "svlogd-diff");
        for (String w : List.of("r", "o")) {
            Files.createDirectories(base.resolve(w + "/a"));
            Files.createDirectories(base.resolve(w + "/b"));
            Files.writeString(base.resolve(w + "/a/config"), "s3000\nn1000\n-*\n+*a*\n");
            Files.writeString(base.resolve(w + "/b/config"), "s7000\nn1000\npb: \ne*z*\n");
        }
        Svlogds.Result rr = run(runits("-tt", "-r", "?", "a", "b"), base.resolve("r"), in);
        Svlogds.Result or = run(ours("-tt", "-r", "?", "a", "b"), base.resolve("o"), in);
        assertEquals(rr.exit(), or.exit());
        assertEquals(maskStamps(rr.stderr()), maskStamps(or.stderr()));
        assertEquals(picture(base.resolve("r/a")), picture(base.resolve("o/a")));
        assertEquals(picture(base.resolve("r/b")), picture(base.resolve("o/b")));
    }

    @Test
    void badUsageAndBadDirectories() throws Exception {
        same(null, new byte[0], "-x");
        same(null, new byte[0], "-l");
        same(null, new byte[0], "-V");
        same(null, new byte[0], "-r", "ab");
        same(null, new byte[0], "-r", "");
        same(null, new byte[0], "-b", "10", "-l", "10");
        Path base = Files.createTempDirectory(tmp, "svlogd-diff");
        Files.writeString(base.resolve("file"), "x");
        for (List<String> args : List.of(List.<String>of(), List.of("nonexistent"), List.of("file"),
                List.of("nonexistent", "file"))) {
            Svlogds.Result rr = run(runits(args.toArray(String[]::new)), base, "x\n");
            Svlogds.Result or = run(ours(args.toArray(String[]::new)), base, "x\n");
            assertEquals(rr, or, "args " + args);
        }
    }

    @Test
    void udpConfigWarnings() throws Exception {
        same("ufoo\nu1.2.3.4:x\nU1.2.3.4:0\n", "a\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void crashedCurrentBecomesUnfinished() throws Exception {
        // current without its x bit = not closed cleanly: both rename it to a .u and start anew
        Path base = Files.createTempDirectory(tmp, "svlogd-diff");
        for (String w : List.of("r", "o")) {
            Path d = Files.createDirectories(base.resolve(w + "/log"));
            Files.writeString(d.resolve("current"), "left by a killed svlogd\n");
        }
        run(runits("log"), base.resolve("r"), "new\n");
        run(ours("log"), base.resolve("o"), "new\n");
        assertEquals(picture(base.resolve("r/log")), picture(base.resolve("o/log")));
    }

    @Test
    void oursAndRunitsExcludeEachOther() throws Exception {
        Path base = Files.createTempDirectory(tmp, "svlogd-diff");
        Path d = Files.createDirectory(base.resolve("log"));
        lockExcludes(runits("log"), ours("log"), base);
        lockExcludes(ours("log"), runits("log"), base);
        assertFalse(lockHeld(d));
    }

    /** While {@code holder} runs on base/log, {@code other} fails on it with runit's lock message and 111. */
    private static void lockExcludes(List<String> holder, List<String> other, Path base) throws Exception {
        Path d = base.resolve("log");
        Process p = Svlogds.launch(new ProcessBuilder(holder).directory(base.toFile()));
        try {
            Await.until("lock held by " + holder, () -> Files.exists(d.resolve("current")) && lockHeld(d));
            Svlogds.Result r = run(other, base, "x\n");
            assertEquals(111, r.exit());
            assertEquals("svlogd: warning: unable to lock directory: log: temporary failure\n"
                    + "svlogd: fatal: no functional log directories.\n", r.stderr());
        } finally {
            p.getOutputStream().close();
            p.waitFor();
        }
        assertEquals("", Svlogds.read(d.resolve("current")), "the excluded svlogd wrote nothing");
    }

    private static boolean lockHeld(Path d) {
        try {
            int fd = Posix.open(d.resolve("lock").toString(), Posix.O_RDONLY, 0);
            try {
                Posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB);
                Posix.flock(fd, Posix.LOCK_UN);
                return false;
            } catch (jrunit.common.ErrnoException e) {
                return true;
            } finally {
                Posix.close(fd);
            }
        } catch (jrunit.common.ErrnoException e) {
            return false;
        }
    }

    static {
        Tools.runitInstalled(); // fail early and clearly in the class, not in a helper
    }
}
