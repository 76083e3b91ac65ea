package jrunit.common;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** djb getopt's behaviour, which every runit tool has. */
class RunitOptionsTest {
    private final RunitOptions sv = new RunitOptions("w:vV");
    private final RunitOptions chpst = new RunitOptions("u:U:b:e:m:d:o:p:f:c:r:t:/:n:l:L:vP012V");

    @Test
    void clusteredFlagsAndAttachedArgument() throws Exception {
        RunitOptions.Parsed p = sv.parse("-vw5", "up", "x");
        assertTrue(p.has('v'));
        assertEquals("5", p.last('w'));
        assertEquals(List.of("up", "x"), p.operands());
    }

    @Test
    void optionsStopAtTheFirstOperand() throws Exception {
        RunitOptions.Parsed p = sv.parse("up", "-v", "x");
        assertFalse(p.has('v'));
        assertEquals(List.of("up", "-v", "x"), p.operands());
    }

    @Test
    void argumentMayStartWithDashAndDigitsAreFlags() throws Exception {
        RunitOptions.Parsed p = chpst.parse("-n", "-2", "-P02", "-/", "/srv", "prog", "arg");
        assertEquals("-2", p.last('n'));
        assertTrue(p.has('P') && p.has('0') && p.has('2') && !p.has('1'));
        assertEquals("/srv", p.last('/'));
        assertEquals(List.of("prog", "arg"), p.operands());
    }

    @Test
    void repeatedFlagsCountAndLastArgumentWins() throws Exception {
        RunitOptions svlogd = new RunitOptions("R:r:l:b:tvV");
        RunitOptions.Parsed p = svlogd.parse("-ttt", "-l", "10", "-l20", "dir");
        assertEquals(3, p.count('t'));
        assertEquals("20", p.last('l'));
    }

    @Test
    void doubleDashEndsOptionsAndLoneDashIsAnOperand() throws Exception {
        assertEquals(List.of("-v"), sv.parse("--", "-v").operands());
        assertEquals(List.of("-", "x"), sv.parse("-", "x").operands());
    }

    @Test
    void errorsUseGetoptWording() {
        assertEquals("illegal option -- x", assertThrows(RunitOptions.UsageException.class, () -> sv.parse("-x", "up")).getMessage());
        assertEquals("illegal option -- x", assertThrows(RunitOptions.UsageException.class, () -> sv.parse("-vx", "up")).getMessage());
        assertEquals("option requires an argument -- w", assertThrows(RunitOptions.UsageException.class, () -> sv.parse("-w")).getMessage());
        assertEquals("option requires an argument -- w", assertThrows(RunitOptions.UsageException.class, () -> sv.parse("-vw")).getMessage());
    }
}
