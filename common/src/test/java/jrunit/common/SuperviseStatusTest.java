package jrunit.common;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SuperviseStatusTest {
    private static final Tai64n T = Tai64n.of(Instant.ofEpochSecond(1_700_000_000L, 123_456_000));

    @Test
    void encodesTheWorkedExampleOfTheProtocol() {
        SuperviseStatus s = new SuperviseStatus(T, 0x1234, false, 'u', false, SuperviseStatus.State.RUN);
        byte[] expected = {0x40, 0, 0, 0, 0x65, 0x53, (byte) 0xf1, 0x0a, 0x07, 0x5b, (byte) 0xcb, (byte) 0xf4,
                0x34, 0x12, 0, 0, 0, 0x75, 0, 1};
        assertArrayEquals(expected, s.encode());
        assertEquals(s, SuperviseStatus.decode(expected));
    }

    @Test
    void pidAbove65535RoundTripsLittleEndian() {
        SuperviseStatus s = new SuperviseStatus(T, 0x012345, true, 'd', true, SuperviseStatus.State.FINISH);
        byte[] b = s.encode();
        assertArrayEquals(new byte[] {0x45, 0x23, 0x01, 0x00, 1, 'd', 1, 2}, java.util.Arrays.copyOfRange(b, 12, 20));
        assertEquals(s, SuperviseStatus.decode(b));
    }

    @Test
    void statLinesAsRunitWritesThem() {
        assertEquals("run\n", new SuperviseStatus(T, 1, false, 'u', false, SuperviseStatus.State.RUN).statLine(false));
        assertEquals("down, paused\n", new SuperviseStatus(T, 0, true, 'd', false, SuperviseStatus.State.DOWN).statLine(false));
        assertEquals("run, got TERM, want down\n", new SuperviseStatus(T, 1, false, 'd', true, SuperviseStatus.State.RUN).statLine(false));
        assertEquals("run, got TERM, want exit\n", new SuperviseStatus(T, 1, false, 'd', true, SuperviseStatus.State.RUN).statLine(true));
        assertEquals("finish, want down\n", new SuperviseStatus(T, 1, false, 'd', false, SuperviseStatus.State.FINISH).statLine(false));
    }
}
