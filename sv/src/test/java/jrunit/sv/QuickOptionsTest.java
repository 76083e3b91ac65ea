package jrunit.sv;

import jrunit.common.RunitOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The fast option reader agrees with common's RunitOptions wherever it answers at all. */
class QuickOptionsTest {
    private static final List<String> WORDS = List.of("-v", "-w", "-w5", "-vw", "-vw3", "-wv", "-vv", "--", "-", "status",
            "web", "7", "-V", "-x", "-vx", "-w-1", "--json", "", "-vV");

    @Test
    void agreesWithRunitOptionsOnEveryShortCommandLine() throws Exception {
        int answered = 0;
        List<List<String>> lines = new ArrayList<>();
        lines.add(List.of());
        for (int len = 1; len <= 3; len++) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> l : lines) {
                if (l.size() != len - 1) continue;
                for (String w : WORDS) {
                    List<String> n = new ArrayList<>(l);
                    n.add(w);
                    next.add(n);
                }
            }
            lines.addAll(next);
        }
        for (List<String> line : lines) {
            QuickOptions quick = QuickOptions.parse(line);
            if (quick == null) continue;
            answered++;
            RunitOptions.Parsed full;
            try {
                full = new RunitOptions("w:vV").parse(line.toArray(new String[0]));
            } catch (RunitOptions.UsageException e) {
                // RunitOptions (picocli) refuses "--" as -w's argument; runit's getopt takes it, and
                // so does the quick path (the differential tests check "sv -w -- status" against runit)
                if (quick.waits().contains("--")) continue;
                throw new AssertionError("quick parse accepted what RunitOptions rejects: " + line + " (" + e.getMessage() + ")");
            }
            assertEquals(full.has('v') || full.has('w'), quick.verbose(), "verbose: " + line);
            assertEquals(full.all('w'), quick.waits(), "-w: " + line);
            assertEquals(full.operands(), quick.operands(), "operands: " + line);
        }
        assertEquals(true, answered > 500, "the quick path answers the common lines: " + answered);
    }

    @Test
    void declinesWhatNeedsRunitsMessages() {
        assertNull(QuickOptions.parse(List.of("-V", "status")));
        assertNull(QuickOptions.parse(List.of("-x", "status")));
        assertNull(QuickOptions.parse(List.of("-w")));
        assertNull(QuickOptions.parse(List.of("-vw")));
        assertNotNull(QuickOptions.parse(List.of("-w", "5", "restart", "web")));
    }
}
