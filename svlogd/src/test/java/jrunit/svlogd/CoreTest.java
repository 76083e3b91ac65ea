package jrunit.svlogd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure-Java pieces: patterns, stamps, config, options, and the line core over a real directory (no processes). */
class CoreTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static boolean match(String pattern, String line) {
        byte[] l = b(line);
        return LinePattern.matches(b(pattern), l, 0, l.length);
    }

    @Test
    void patternsFollowRunitsRules() {
        assertTrue(match("*", "anything"));
        assertTrue(match("*", ""));
        assertTrue(match("abc", "abc"));
        assertFalse(match("abc", "abcd"));
        assertFalse(match("abcd", "abc"));
        assertTrue(match("*error*", "an error here"));
        assertFalse(match("*pid*", "tcpsvd: pid 12"), "the star stops at the first p: no backtracking");
        assertTrue(match("*: *: pid *", "tcpsvd: info: pid 12 from 1.2.3.4"));
        assertTrue(match("+a", "aaa"));
        assertTrue(match("+ab", "aaa"), "the line ending while skipping a + run matches");
        assertTrue(match("x+ay", "xaaay"));
        assertFalse(match("x+ay", "xy"));
        assertFalse(match("*x", "abc"));
        assertTrue(match("", ""));
        assertFalse(match("", "a"));
    }

    @Test
    void stampsHaveRunitsExactForms() {
        byte[] out = new byte[26];
        new Stamp(1).format(1700000000L, 123456, out, 0);
        assertEquals("@400000006553f10a075bcbf4 ", new String(out, StandardCharsets.US_ASCII));
        new Stamp(2).format(1700000000L, 123456, out, 0);
        assertEquals("2023-11-14_22:13:20.12345 ", new String(out, StandardCharsets.US_ASCII));
        Stamp iso = new Stamp(3);
        iso.format(1700000000L, 999999, out, 0);
        assertEquals("2023-11-14T22:13:20.99999 ", new String(out, StandardCharsets.US_ASCII));
        iso.format(1700000001L, 5, out, 0); // the cached second moves on
        assertEquals("2023-11-14T22:13:21.00000 ", new String(out, StandardCharsets.US_ASCII));
    }

    @Test
    void configDefaultsAndUnits() {
        List<String> warnings = new ArrayList<>();
        LogConfig c = LogConfig.parse(b("# comment\n\ns1k\nn3\nN1\nt1m\n!gzip\np>\n+a*\n-b*\ne*\nE*x\nq unknown\n"), warnings::add);
        assertEquals(1024, c.sizeMax);
        assertEquals(3, c.nMax);
        assertEquals(1, c.nMin);
        assertEquals(60, c.tMax);
        assertEquals("gzip", c.processor);
        assertArrayEquals(b(">"), c.prefix);
        assertEquals(4, c.instructions.size());
        assertTrue(warnings.isEmpty());
        LogConfig d = LogConfig.parse(b("s 100\nt1d\ns2m\n"), warnings::add);
        assertEquals(2 * 1024 * 1024, d.sizeMax);
        assertEquals(1, d.tMax, "unknown unit: seconds");
        assertEquals(0, LogConfig.parse(b("s 100\n"), warnings::add).sizeMax, "leading space: never rotate by size");
        LogConfig def = LogConfig.defaults();
        assertEquals(1000000, def.sizeMax);
        assertEquals(10, def.nMax);
        assertEquals(10, def.nMin);
    }

    @Test
    void configUdpAddresses() {
        List<String> warnings = new ArrayList<>();
        LogConfig c = LogConfig.parse(b("u127.0.0.1:5140\n"), warnings::add);
        assertEquals(5140, c.udp.getPort());
        assertFalse(c.udpOnly);
        LogConfig u = LogConfig.parse(b("U10.1.2.3\n"), warnings::add);
        assertEquals(514, u.udp.getPort());
        assertTrue(u.udpOnly);
        assertTrue(warnings.isEmpty());
        assertNull(LogConfig.parse(b("ufoo\n"), warnings::add).udp);
        assertNull(LogConfig.parse(b("u1.2.3.4:x\n"), warnings::add).udp);
        assertEquals(List.of("unable to scan ip address: foo", "unable to scan port number: x"), warnings);
    }

    @Test
    void optionsAsRunitReadsThem() throws Exception {
        Options o = Options.parse("-ttt", "-r", "x", "-R", "ab", "-l", "50x", "-b", "0", "d1", "d2");
        assertEquals(3, o.timestamp());
        assertEquals('x', o.replacement());
        assertEquals(50, o.lineMax());
        assertEquals(1024, o.bufLen());
        assertEquals(List.of("d1", "d2"), o.dirs());
        assertEquals('_', Options.parse("-R", "ab", "d").replacement());
        assertEquals(1000, Options.parse("-l", "0", "d").lineMax());
        assertThrows(Options.Usage.class, () -> Options.parse("-r", "ab", "d"));
        assertThrows(Options.Usage.class, () -> Options.parse("-b", "100", "-l", "100", "d"));
        assertThrows(Options.Usage.class, () -> Options.parse("-t"));
        assertTrue(assertThrows(Options.Usage.class, () -> Options.parse("-V", "d")).version);
    }

    @Test
    void newlineSearchFindsEveryPosition() {
        for (int len = 0; len < 40; len++) {
            for (int at = 0; at < len; at++) {
                byte[] buf = new byte[len];
                java.util.Arrays.fill(buf, (byte) 0x8a); // high bytes must not fake a match
                buf[at] = '\n';
                assertEquals(at, LineProcessor.indexOfNewline(buf, 0, len));
                assertEquals(-1, LineProcessor.indexOfNewline(buf, at + 1, len));
            }
        }
    }

    /** The core against a real log directory: batches split anywhere give the same file. */
    @Test
    void linesSplitAcrossReadsAndLongLines(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("log"));
        Files.writeString(dir.resolve("config"), "e*\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Diagnostics diag = new Diagnostics(err, false);
        Options o = Options.parse("-tt", "-l", "5", "-r", "_", dir.toString());
        LogDirectory d = new LogDirectory(dir.toString(), tmp, diag, o.lineMax(), SvlogdEngine.HOSTED_BUFFER);
        assertTrue(d.open(System.nanoTime()));
        LineProcessor p = new LineProcessor(o, diag, new UdpSender(), new LogDirectory[] {d});
        byte[] input = b("ab\tc\nlonger than five\u00ff\n\nx\ny");
        byte[] buf = new byte[64];
        int end = 0;
        long second = 1700000000L;
        for (byte x : input) { // one byte per read: the worst split
            buf[end++] = x;
            p.stamp(second++, 0);
            int kept = p.process(buf, 0, end);
            System.arraycopy(buf, kept, buf, 0, end - kept);
            end -= kept;
        }
        p.finish(buf, 0, end);
        d.close();
        diag.flushCopies();
        String log = Files.readString(dir.resolve("current"), StandardCharsets.ISO_8859_1);
        // each stamp is the time of the read that brought the line's first byte
        assertEquals("2023-11-14_22:13:20.00000 ab_c\n"
                + "2023-11-14_22:13:25.00000 longer than five\u00ff\n"
                + "2023-11-14_22:13:43.00000 \n"
                + "2023-11-14_22:13:44.00000 x\n"
                + "2023-11-14_22:13:46.00000 y\n", log);
        assertEquals("2023-11-14_22:13:20.00000 ab_c\n"
                + "2023-11-14_22:13:25.00000 longe...\n"
                + "2023-11-14_22:13:43.00000 \n"
                + "2023-11-14_22:13:44.00000 x\n"
                + "2023-11-14_22:13:46.00000 y\n", err.toString(StandardCharsets.ISO_8859_1));
    }
}
