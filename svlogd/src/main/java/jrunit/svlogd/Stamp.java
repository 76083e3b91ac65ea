package jrunit.svlogd;

import jrunit.common.Tai64n;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The 26-byte line prefix of {@code -t}, {@code -tt} and {@code -ttt}, exactly as runit prints it:
 * {@code @400000006553f10a075bcbf4 }, {@code 2023-11-14_22:13:20.12345 },
 * {@code 2023-11-14T22:13:20.12345 } (UTC; five digits of the nanoseconds, truncated; a space).
 *
 * <p>Everything but the fraction depends on the second only, so it is formatted once per second.
 */
final class Stamp {
    static final int LENGTH = 26;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final int mode;
    private final byte[] cached = new byte[LENGTH];
    private long cachedSecond = Long.MIN_VALUE;

    /** @param mode 1 TAI64N, 2 {@code _} form, 3 ISO form */
    Stamp(int mode) {
        if (mode < 1 || mode > 3) throw new IllegalArgumentException("stamp mode " + mode);
        this.mode = mode;
    }

    /** Writes the stamp (with its trailing space) for Unix time {@code second}.{@code micros} into {@code out[off..off+26)}. */
    void format(long second, int micros, byte[] out, int off) {
        if (second != cachedSecond) fill(second);
        System.arraycopy(cached, 0, out, off, LENGTH);
        if (mode == 1) {
            int nanos = micros * 1000 + 500; // runit's taia from gettimeofday
            for (int i = 0; i < 8; i++) out[off + 17 + i] = HEX[(nanos >>> (28 - 4 * i)) & 0xf];
        } else {
            int frac = micros / 10; // first five of the nine nanosecond digits
            for (int i = 24; i >= 20; i--) {
                out[off + i] = (byte) ('0' + frac % 10);
                frac /= 10;
            }
        }
    }

    private void fill(long second) {
        cachedSecond = second;
        if (mode == 1) {
            long s = Tai64n.EPOCH + second;
            cached[0] = '@';
            for (int i = 0; i < 16; i++) cached[1 + i] = HEX[(int) (s >>> (60 - 4 * i)) & 0xf];
        } else {
            LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
            put4(t.getYear(), 0);
            cached[4] = '-';
            put2(t.getMonthValue(), 5);
            cached[7] = '-';
            put2(t.getDayOfMonth(), 8);
            cached[10] = (byte) (mode == 2 ? '_' : 'T');
            put2(t.getHour(), 11);
            cached[13] = ':';
            put2(t.getMinute(), 14);
            cached[16] = ':';
            put2(t.getSecond(), 17);
            cached[19] = '.';
        }
        cached[25] = ' ';
    }

    private void put4(int v, int at) {
        for (int i = at + 3; i >= at; i--) {
            cached[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
    }

    private void put2(int v, int at) {
        cached[at] = (byte) ('0' + v / 10);
        cached[at + 1] = (byte) ('0' + v % 10);
    }
}
