package jrunit.common;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class Tai64nTest {
    @Test
    void labelOfKnownInstantMatchesRunit() {
        // protocol.md §8: Unix time 1700000000.123456 → @400000006553f10a075bcbf4
        Tai64n t = Tai64n.of(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        assertEquals("@400000006553f10a075bcbf4", t.toString());
        assertEquals(123_456_500, t.nanos());
        assertEquals(t, Tai64n.parse(t.toString()));
    }

    @Test
    void packIsBigEndian() {
        Tai64n t = Tai64n.of(Instant.ofEpochSecond(1_700_000_000L, 123_456_000));
        byte[] b = new byte[12];
        t.pack(b, 0);
        assertArrayEquals(new byte[] {0x40, 0, 0, 0, 0x65, 0x53, (byte) 0xf1, 0x0a, 0x07, 0x5b, (byte) 0xcb, (byte) 0xf4}, b);
        assertEquals(t, Tai64n.unpack(b, 0));
    }
}
