package jrunit.common;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RunitOptions reads a well-formed command line with getopt's own walk and leaves a bad one to
 * picocli: on every short command line over each tool's option letters, both give the same answer.
 */
class RunitOptionsAgreementTest {

    @Test
    void svLines() throws Exception {
        agree("w:vV", List.of("-v", "-w", "-w5", "-vw", "-vw3", "-wv", "-vv", "--", "-", "status", "web", "7", "-V",
                "-x", "-vx", "-w-1", "--json", "", "-vV"));
    }

    @Test
    void chpstLines() throws Exception {
        agree("u:U:b:e:m:d:o:p:f:c:r:t:/:C:n:l:L:vP012V", List.of("-u", "nobody", "-unobody:x", "-n", "-2", "-P012",
                "-/", "/srv", "-v", "-e", "-l", "-L", "--", "-", "prog", "-x", "-0u", "-12e", "-vV", "-C/tmp", ""));
    }

    @Test
    void svlogdAndSetlockLines() throws Exception {
        agree("R:r:l:b:tvV", List.of("-t", "-tt", "-ttv", "-l", "10", "-l20", "-R", "x", "-r_", "dir", "--", "-", "-q", "-tq"));
        agree("nNxX", List.of("-n", "-N", "-nx", "-Xn", "-nq", "file", "prog", "--", "-", "-xX"));
    }

    @Test
    void getoptTakesDoubleDashAsAnOptionsArgument() throws Exception {
        RunitOptions sv = new RunitOptions("w:vV");
        RunitOptions.Parsed p = sv.parse("-w", "--", "status");
        assertEquals("--", p.last('w'));
        assertEquals(List.of("status"), p.operands());
    }

    @Test
    void badLinesAreLeftToPicocli() {
        RunitOptions sv = new RunitOptions("w:vV");
        assertNull(sv.wellFormed(new String[] {"-x", "status"}));
        assertNull(sv.wellFormed(new String[] {"-vw"}));
        assertNull(sv.wellFormed(new String[] {"-w"}));
    }

    /** Every line of up to three words: the same options, arguments, counts, operands, or the same error. */
    private static void agree(String getopt, List<String> words) throws Exception {
        RunitOptions options = new RunitOptions(getopt);
        int answered = 0, lines = 0;
        for (List<String> line : linesOf(words)) {
            String[] args = line.toArray(new String[0]);
            lines++;
            RunitOptions.Parsed ours = options.wellFormed(args);
            RunitOptions.Parsed picocli;
            try {
                picocli = options.parseWithPicocli(args);
            } catch (RunitOptions.UsageException e) {
                if (ours != null && ours.occurrences().stream().anyMatch(o -> "--".equals(o.argument()))) continue;
                assertNull(ours, "the walk accepted what picocli rejects: " + line + " (" + e.getMessage() + ")");
                RunitOptions.UsageException viaParse = org.junit.jupiter.api.Assertions.assertThrows(
                        RunitOptions.UsageException.class, () -> options.parse(args));
                assertEquals(e.getMessage(), viaParse.getMessage(), line.toString());
                assertEquals(e.before(), viaParse.before(), line.toString());
                continue;
            }
            assertTrue(ours != null, "the walk declined a line picocli reads: " + line);
            answered++;
            assertEquals(picocli.occurrences(), ours.occurrences(), "options: " + line);
            assertEquals(picocli.operands(), ours.operands(), "operands: " + line);
            for (char c : getopt.replace(":", "").toCharArray()) {
                assertEquals(picocli.count(c), ours.count(c), "-" + c + " count: " + line);
                assertEquals(picocli.all(c), ours.all(c), "-" + c + " arguments: " + line);
                assertEquals(picocli.last(c), ours.last(c), "-" + c + " last: " + line);
            }
        }
        assertTrue(answered > lines / 4, "the walk answers the common lines: " + answered + " of " + lines);
    }

    private static List<List<String>> linesOf(List<String> words) {
        List<List<String>> lines = new ArrayList<>();
        lines.add(List.of());
        int from = 0;
        for (int len = 1; len <= 3; len++) {
            int to = lines.size();
            for (int k = from; k < to; k++) {
                for (String w : words) {
                    List<String> n = new ArrayList<>(lines.get(k));
                    n.add(w);
                    lines.add(n);
                }
            }
            from = to;
        }
        return lines;
    }
}
