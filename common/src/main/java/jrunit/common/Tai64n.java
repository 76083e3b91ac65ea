package jrunit.common;

import java.time.Instant;

/**
 * TAI64N labels as runit writes them: seconds = 2^62 + 10 + Unix seconds (no leap-second table),
 * nanoseconds = microseconds × 1000 + 500 (runit takes the time from gettimeofday).
 */
public record Tai64n(long seconds, int nanos) {
    /** 2^62 + 10: the label of the Unix epoch. */
    public static final long EPOCH = 0x400000000000000AL;

    public static Tai64n now() {
        return of(Instant.now());
    }

    /** The label runit would write at {@code t}: microsecond precision, nanoseconds ending in 500. */
    public static Tai64n of(Instant t) {
        return new Tai64n(EPOCH + t.getEpochSecond(), (t.getNano() / 1000) * 1000 + 500);
    }

    public long unixSeconds() {
        return seconds - EPOCH;
    }

    public Instant toInstant() {
        return Instant.ofEpochSecond(unixSeconds(), nanos);
    }

    /** The 12-byte big-endian pack (8 bytes seconds, 4 bytes nanoseconds) into {@code b[off..off+12)}. */
    public void pack(byte[] b, int off) {
        for (int i = 0; i < 8; i++) b[off + i] = (byte) (seconds >>> (56 - 8 * i));
        for (int i = 0; i < 4; i++) b[off + 8 + i] = (byte) (nanos >>> (24 - 8 * i));
    }

    public static Tai64n unpack(byte[] b, int off) {
        long s = 0;
        for (int i = 0; i < 8; i++) s = (s << 8) | (b[off + i] & 0xff);
        int n = 0;
        for (int i = 0; i < 4; i++) n = (n << 8) | (b[off + 8 + i] & 0xff);
        return new Tai64n(s, n);
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The external form: {@code @} and 24 lower-case hex digits, e.g. {@code @400000006553f10a075bcbf4}. */
    @Override
    public String toString() {
        char[] c = new char[25];
        c[0] = '@';
        for (int i = 0; i < 16; i++) c[1 + i] = HEX[(int) (seconds >>> (60 - 4 * i)) & 0xf];
        for (int i = 0; i < 8; i++) c[17 + i] = HEX[(nanos >>> (28 - 4 * i)) & 0xf];
        return new String(c);
    }

    /** Parses the external form; {@code IllegalArgumentException} if it is not 25 characters of {@code @} + hex. */
    public static Tai64n parse(String s) {
        if (s.length() != 25 || s.charAt(0) != '@') throw new IllegalArgumentException("not a TAI64N label: " + s);
        return new Tai64n(Long.parseUnsignedLong(s.substring(1, 17), 16), (int) Long.parseLong(s.substring(17), 16));
    }
}
