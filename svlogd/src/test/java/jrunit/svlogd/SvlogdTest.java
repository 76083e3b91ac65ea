package jrunit.svlogd;

import jrunit.common.Posix;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static jrunit.svlogd.Svlogds.all;
import static jrunit.svlogd.Svlogds.mode;
import static jrunit.svlogd.Svlogds.ours;
import static jrunit.svlogd.Svlogds.read;
import static jrunit.svlogd.Svlogds.rotated;
import static jrunit.svlogd.Svlogds.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our svlogd as a real process: every option and config line, rotation, retention, processors, UDP, signals. */
class SvlogdTest {
    @TempDir
    Path base;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : started) {
            if (p.isAlive()) {
                Posix.kill((int) p.pid(), Posix.SIGKILL);
                p.waitFor();
            }
        }
    }

    private Path dir(String name, String config) throws IOException {
        Path d = Files.createDirectories(base.resolve(name));
        if (config != null) Files.writeString(d.resolve("config"), config);
        return d;
    }

    private Process start(String... args) throws IOException {
        Process p = Svlogds.start(ours(args), base, base.resolve("stderr"));
        started.add(p);
        return p;
    }

    private static void write(Process p, String s) throws IOException {
        OutputStream o = p.getOutputStream();
        o.write(s.getBytes(StandardCharsets.ISO_8859_1));
        o.flush();
    }

    private static void signal(Process p, int sig) throws Exception {
        Posix.kill((int) p.pid(), sig);
    }

    /** Waits until {@code d}/current holds exactly {@code text}. */
    private static void awaitCurrent(Path d, String text) {
        Await.until(d.getFileName() + "/current holding " + text.replace("\n", "\\n"), () -> read(d.resolve("current")).equals(text));
    }

    /** Closes svlogd's standard input, as a writer's exit does, and returns svlogd's exit code. */
    private static int endOfInput(Process p) throws IOException, InterruptedException {
        p.getOutputStream().close();
        return p.waitFor();
    }

    /** Rewrites {@code d}/config and sends HUP, then waits until svlogd -v has closed, reread and reopened d. */
    private void hangupWithNewConfig(Process p, Path d, String config) throws Exception {
        Files.writeString(d.resolve("config"), config);
        signal(p, Posix.SIGHUP);
        String name = d.getFileName().toString();
        Await.until("closed and reopened", () -> stderr().contains("svlogd: info: sighangup received.\nsvlogd: info: close: " + name
                + "\nsvlogd: info: read: " + name + "/config\nsvlogd: info: append: " + name + "/current\n"));
    }

    private String stderr() {
        return read(base.resolve("stderr"));
    }

    private static final String LINES = "one\ntwo\n\nfour\n";

    @Test
    void stampFormats() throws Exception {
        dir("t", null);
        dir("tt", null);
        dir("ttt", null);
        assertEquals(0, run(ours("-t", "t"), base, LINES).exit());
        assertEquals(0, run(ours("-tt", "tt"), base, LINES).exit());
        assertEquals(0, run(ours("-tttt", "ttt"), base, LINES).exit());
        for (String line : read(base.resolve("t/current")).split("\n", -1)) {
            if (!line.isEmpty()) assertTrue(line.matches("@4000[0-9a-f]{20} (one|two||four)"), line);
        }
        String tt = read(base.resolve("tt/current"));
        assertTrue(tt.matches("(\\d{4}-\\d\\d-\\d\\d_\\d\\d:\\d\\d:\\d\\d\\.\\d{5} (one|two|four|)\n){4}"), tt);
        String ttt = read(base.resolve("ttt/current"));
        assertTrue(ttt.matches("(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{5} (one|two|four|)\n){4}"), ttt);
    }

    @Test
    void severalDirectoriesEachWithItsConfig() throws Exception {
        Path a = dir("a", "-*\n+*error*\n");
        Path b = dir("b", "pB: \n");
        Svlogds.Result r = run(ours("-v", "a", "b"), base, "ok\nan error\n");
        assertEquals(0, r.exit());
        assertEquals("an error\n", read(a.resolve("current")));
        assertEquals("B: ok\nB: an error\n", read(b.resolve("current")));
        assertEquals("rwxr--r--", mode(a.resolve("current")));
        assertEquals("svlogd: info: read: a/config\nsvlogd: info: new: a/current\n"
                + "svlogd: info: read: b/config\nsvlogd: info: new: b/current\n"
                + "svlogd: info: close: a\nsvlogd: info: close: b\n", r.stderr());
    }

    @Test
    void replacementAndLineLength() throws Exception {
        Path d = dir("d", "e*\n");
        Svlogds.Result r = run(ours("-r", "#", "-R", "y", "-l", "8", "-b", "9", "d"), base,
                "ab\tc\u0001\u00ff\u007fxyzxyz\tQ\nhello\n");
        assertEquals("ab#c###xyzxyz\tQ\nhello\n", read(d.resolve("current")), "bytes beyond -l are logged as they are");
        assertEquals("ab#c###x...\nhello\n", r.stderr(), "stderr gets the first -l bytes and ...");
    }

    @Test
    void finalLineWithoutNewlineIsKept() throws Exception {
        Path d = dir("d", null);
        assertEquals(0, run(ours("d"), base, "a\nb").exit());
        assertEquals("a\nb\n", read(d.resolve("current")), "runit 2.1.2 would drop b");
    }

    @Test
    void rotatedFilesPlusCurrentGiveBackTheInput() throws Exception {
        Path d = dir("d", "s1000\nn0\n");
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 3000; i++) in.append("line ").append(i).append(" ").append("x".repeat(i % 300)).append('\n');
        assertEquals(0, run(ours("d"), base, in.toString()).exit());
        List<Path> old = rotated(d);
        assertTrue(old.size() > 100, "rotated " + old.size());
        for (Path f : old) {
            assertTrue(f.getFileName().toString().matches("@4000[0-9a-f]{20}\\.s"), f.toString());
            assertEquals("rwxr--r--", mode(f));
            assertTrue(Files.size(f) <= 1000);
        }
        assertEquals(in.toString(), all(d));
    }

    @Test
    void retentionKeepsNAndCountsUnfinishedFilesAsRunit230() throws Exception {
        Path d = dir("d", "s100\nn3\n");
        Files.writeString(d.resolve("@400000000000000000000001.u"), "old unfinished\n");
        Files.writeString(d.resolve("@400000000000000000000002.t"), "processor leftover\n");
        assertEquals(0, run(ours("d"), base, "x".repeat(99) + "\n" + "y".repeat(99) + "\n" + "z".repeat(99) + "\n").exit());
        List<Path> old = rotated(d);
        assertEquals(3, old.size(), old.toString());
        assertFalse(Files.exists(d.resolve("@400000000000000000000002.t")), "leftover .t deleted");
        assertTrue(Files.exists(d.resolve("@400000000000000000000001.u")), "3 old files: the .u is still kept");
        assertEquals(0, run(ours("d"), base, "w".repeat(99) + "\n").exit());
        assertFalse(Files.exists(d.resolve("@400000000000000000000001.u")), "the oldest, a .u, goes first (2.3.0)");
        assertEquals(3, rotated(d).size());
    }

    @Test
    void gzipProcessorAndState() throws Exception {
        Path d = dir("d", "s500\n!gzip && { cat <&4; echo run; } >&5\n");
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 40; i++) in.append("message number ").append(i).append('\n');
        Svlogds.Result r = run(ours("-v", "d"), base, in.toString());
        assertEquals(0, r.exit(), r.stderr());
        List<Path> old = rotated(d);
        assertFalse(old.isEmpty());
        StringBuilder got = new StringBuilder();
        for (Path f : old) {
            assertTrue(f.toString().endsWith(".s"), "processed: " + old);
            assertEquals("rwxr--r--", mode(f));
            try (InputStream z = new GZIPInputStream(Files.newInputStream(f))) {
                got.append(new String(z.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
        got.append(read(d.resolve("current")));
        assertEquals(in.toString(), got.toString());
        assertEquals("run\n".repeat(old.size()), read(d.resolve("state")), "state on fd 4, newstate on fd 5");
        assertTrue(r.stderr().contains("svlogd: info: processing: d/@"), r.stderr());
        assertTrue(r.stderr().contains("svlogd: info: processed: d/@"), r.stderr());
    }

    @Test
    void failedProcessorRunsAgainOnTheSameInput() throws Exception {
        Path d = dir("d", "s50\n!if [ -e once ]; then cat; else touch once; echo partial; exit 1; fi\n");
        Svlogds.Result r = run(ours("d"), base, "a".repeat(60) + "\n");
        assertEquals(0, r.exit());
        assertTrue(r.stderr().contains("svlogd: warning: processor failed, restart: d\n"), r.stderr());
        List<Path> old = rotated(d);
        assertEquals(1, old.size(), old.toString());
        assertEquals("a".repeat(50), read(old.get(0)));
        assertEquals("a".repeat(10) + "\n", read(d.resolve("current")));
    }

    @Test
    void udpCopiesAndUdpOnly() throws Exception {
        try (DatagramSocket sock = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            sock.setSoTimeout(20_000);
            int port = sock.getLocalPort();
            Path u = dir("u", "u127.0.0.1:" + port + "\npP \n");
            Path only = dir("only", "U127.0.0.1:" + port + "\n");
            assertEquals(0, run(ours("-l", "5", "u"), base, "hello world\n").exit());
            assertEquals("P hello world\n", read(u.resolve("current")));
            assertEquals("P hello...\n", receive(sock));
            assertEquals(0, run(ours("only"), base, "just udp\n").exit());
            assertEquals("", read(only.resolve("current")));
            assertEquals("just udp\n", receive(sock));
        }
    }

    private static String receive(DatagramSocket s) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void hangupRereadsConfigAndAlarmRotates() throws Exception {
        Path d = dir("d", null);
        Process p = start("-v", "d");
        write(p, "before\n");
        awaitCurrent(d, "before\n");
        hangupWithNewConfig(p, d, "pNEW \n");
        assertEquals("rw-r--r--", mode(d.resolve("current")));
        write(p, "after\n");
        awaitCurrent(d, "before\nNEW after\n");
        signal(p, Posix.SIGALRM);
        Await.until("rotated", () -> rotated(d).size() == 1);
        assertEquals("before\nNEW after\n", read(rotated(d).get(0)));
        write(p, "new file\n");
        awaitCurrent(d, "NEW new file\n");
        assertEquals(0, endOfInput(p));
    }

    @Test
    void stderrSelectionSurvivesAHangupThatRemovesAllPatterns() throws Exception {
        Path d = dir("d", "e*\n");
        Process p = start("-v", "d");
        write(p, "one\n");
        Await.until("copied to stderr", () -> stderr().contains("\none\n"));
        hangupWithNewConfig(p, d, "s999999\n");
        write(p, "two\n");
        awaitCurrent(d, "one\ntwo\n");
        assertEquals(0, endOfInput(p));
        assertTrue(stderr().contains("\ntwo\n"), "runit 2.1.2 keeps the last stderr decision: " + stderr());
    }

    @Test
    void termWritesThePartialLineAndExits() throws Exception {
        Path d = dir("d", null);
        Process p = start("-v", "d");
        write(p, "complete\npart");
        awaitCurrent(d, "complete\n");
        signal(p, Posix.SIGTERM);
        assertEquals(0, p.waitFor());
        assertEquals("complete\npart\n", read(d.resolve("current")), "runit 2.1.2 drops the partial line");
        assertEquals("rwxr--r--", mode(d.resolve("current")));
        assertTrue(stderr().contains("svlogd: info: sigterm received.\n"), stderr());
    }

    @Test
    void termWithoutPartialLineExitsAtOnce() throws Exception {
        Path d = dir("d", null);
        Process p = start("d");
        write(p, "line\n");
        awaitCurrent(d, "line\n");
        signal(p, Posix.SIGTERM);
        assertEquals(0, p.waitFor());
        assertEquals("rwxr--r--", mode(d.resolve("current")));
    }

    @Test
    void timedRotation() throws Exception {
        Path d = dir("d", "t1\n");
        Process p = start("d");
        write(p, "tick\n");
        Await.until("rotated by time", () -> rotated(d).size() == 1);
        assertEquals("tick\n", read(rotated(d).get(0)));
        assertEquals(0, endOfInput(p));
        assertEquals(1, rotated(d).size(), "an empty current is not rotated");
    }

    @Test
    void killedSvlogdLeavesCurrentUnfinished() throws Exception {
        Path d = dir("d", null);
        Process p = start("d");
        write(p, "lost? no\n");
        awaitCurrent(d, "lost? no\n");
        assertEquals("rw-r--r--", mode(d.resolve("current")), "0644 while written");
        signal(p, Posix.SIGKILL);
        p.waitFor();
        assertEquals(0, run(ours("d"), base, "again\n").exit());
        List<Path> old = rotated(d);
        assertEquals(1, old.size());
        assertTrue(old.get(0).toString().endsWith(".u"));
        assertEquals("lost? no\n", read(old.get(0)));
        assertEquals("again\n", read(d.resolve("current")));
    }

    @Test
    void cleanExitAppends() throws Exception {
        Path d = dir("d", null);
        run(ours("d"), base, "first\n");
        Svlogds.Result r = run(ours("-v", "d"), base, "second\n");
        assertEquals("first\nsecond\n", read(d.resolve("current")));
        assertTrue(r.stderr().contains("svlogd: info: append: d/current\n"), r.stderr());
    }

    @Test
    void longLinesArriveInPieces() throws Exception {
        Path d = dir("d", "e*\n");
        Process p = start("-l", "10", "-tt", "d");
        write(p, "0123456789");
        write(p, "abcdef");
        Await.until("first part written", () -> read(d.resolve("current")).endsWith(" 0123456789abcdef"));
        write(p, "ghi\nnext\n");
        Await.until("line complete", () -> read(d.resolve("current")).endsWith("next\n"));
        assertEquals(0, endOfInput(p));
        String log = Svlogds.maskStamps(read(d.resolve("current")));
        assertEquals("YYYY-MM-DD_HH:MM:SS.xxxxx 0123456789abcdefghi\nYYYY-MM-DD_HH:MM:SS.xxxxx next\n", log);
        assertEquals("YYYY-MM-DD_HH:MM:SS.xxxxx 0123456789...\nYYYY-MM-DD_HH:MM:SS.xxxxx next\n",
                Svlogds.maskStamps(stderr()));
    }

    @Test
    void closedStdinIsNotMistakenForTheJvmsOwnFiles() throws Exception {
        Path d = dir("d", null);
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" <&-", "sh"));
        cmd.addAll(ours("d"));
        Svlogds.Result r = run(cmd, base, "");
        assertEquals(0, r.exit());
        assertEquals("svlogd: warning: unable to read standard input: file descriptor not open\n", r.stderr());
        assertEquals("", read(d.resolve("current")));
        assertTrue(rotated(d).isEmpty());
    }

    @Test
    void bigInputIsCompleteAndInOrder() throws Exception {
        Path d = dir("d", "s0\n");
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (int i = 0; i < 200_000; i++) in.writeBytes(("line " + i + "\n").getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, run(ours("d"), base, in.toByteArray()).exit());
        assertEquals(in.toString(StandardCharsets.US_ASCII), read(d.resolve("current")));
    }
}
