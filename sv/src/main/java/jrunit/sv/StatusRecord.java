package jrunit.sv;

/**
 * The 20 bytes of {@code supervise/status} read raw, the way runit's sv tests them: the want and
 * got-TERM bytes are compared to exact values, so a damaged record prints what runit would print.
 */
record StatusRecord(long taiSeconds, long pid, boolean paused, int wantByte, int termByte, int state) {
    StatusRecord(byte[] b) {
        this(taiSeconds(b), (b[12] & 0xffL) | (b[13] & 0xffL) << 8 | (b[14] & 0xffL) << 16 | (b[15] & 0xffL) << 24,
                b[16] != 0, b[17] & 0xff, b[18] & 0xff, b[19] & 0xff);
    }

    private static long taiSeconds(byte[] b) {
        long s = 0;
        for (int i = 0; i < 8; i++) s = (s << 8) | (b[i] & 0xff);
        return s;
    }

    char want() {
        return (char) wantByte;
    }

    boolean gotTerm() {
        return termByte != 0;
    }

    /** Whole seconds since the status timestamp, 0 if it lies in the future (TAI seconds compared unsigned). */
    long age(long taiNow) {
        return Long.compareUnsigned(taiNow, taiSeconds) < 0 ? 0 : taiNow - taiSeconds;
    }

    /** The Unix time of the status timestamp. */
    long unixSeconds() {
        return taiSeconds - Clock.TAI_EPOCH;
    }
}
