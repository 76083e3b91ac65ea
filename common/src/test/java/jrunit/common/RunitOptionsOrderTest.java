package jrunit.common;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Options in command-line order, and what was read before a bad option. */
class RunitOptionsOrderTest {
    private static final RunitOptions CHPST = new RunitOptions("u:m:d:n:vP012V");

    private static RunitOptions.Occurrence o(char c, String arg) {
        return new RunitOptions.Occurrence(c, arg);
    }

    @Test
    void occurrencesKeepTheOrderAcrossLetters() throws Exception {
        RunitOptions.Parsed p = CHPST.parse("-d", "7", "-m5", "-P01", "-n", "-2", "--", "prog", "-d", "9");
        assertEquals(List.of(o('d', "7"), o('m', "5"), o('P', null), o('0', null), o('1', null), o('n', "-2")),
                p.occurrences());
        assertEquals(List.of("prog", "-d", "9"), p.operands());
    }

    @Test
    void optionsBeforeABadOneAreReported() {
        RunitOptions.UsageException e = assertThrows(RunitOptions.UsageException.class,
                () -> CHPST.parse("-V", "-n", "x", "-vZ", "prog"));
        assertEquals("illegal option -- Z", e.getMessage());
        assertEquals(List.of(o('V', null), o('n', "x"), o('v', null)), e.before());
        RunitOptions.UsageException missing = assertThrows(RunitOptions.UsageException.class, () -> CHPST.parse("-P", "-u"));
        assertEquals("option requires an argument -- u", missing.getMessage());
        assertEquals(List.of(o('P', null)), missing.before());
    }
}
