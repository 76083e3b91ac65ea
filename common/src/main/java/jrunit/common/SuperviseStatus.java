package jrunit.common;

/**
 * The 20-byte {@code supervise/status} record shared by runsv and sv, byte-compatible with runit
 * (the first 18 bytes are daemontools' format):
 * TAI64N stamp (12 bytes, big-endian), pid (4 bytes, little-endian), paused, want ('u'/'d'),
 * got-TERM flag, state (0 down, 1 run, 2 finish).
 */
public record SuperviseStatus(Tai64n since, int pid, boolean paused, char want, boolean termSent, State state) {
    public static final int SIZE = 20;

    public enum State {
        DOWN("down"), RUN("run"), FINISH("finish");

        private final String word;

        State(String word) {
            this.word = word;
        }

        /** runit's word for the state: "down", "run", "finish". */
        public String word() {
            return word;
        }
    }

    public SuperviseStatus {
        if (want != 'u' && want != 'd') throw new IllegalArgumentException("want must be 'u' or 'd': " + want);
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        since.pack(b, 0);
        b[12] = (byte) pid;
        b[13] = (byte) (pid >>> 8);
        b[14] = (byte) (pid >>> 16);
        b[15] = (byte) (pid >>> 24);
        b[16] = (byte) (paused ? 1 : 0);
        b[17] = (byte) want;
        b[18] = (byte) (termSent ? 1 : 0);
        b[19] = (byte) state.ordinal();
        return b;
    }

    /**
     * Decodes a record as runit's sv reads it. A state byte other than 0–2 decodes as {@code null}
     * (sv then prints no state word), a want byte other than 'u' as 'd'.
     */
    public static SuperviseStatus decode(byte[] b) {
        if (b.length < SIZE) throw new IllegalArgumentException("status record must be 20 bytes, got " + b.length);
        int pid = (b[12] & 0xff) | (b[13] & 0xff) << 8 | (b[14] & 0xff) << 16 | (b[15] & 0xff) << 24;
        int s = b[19] & 0xff;
        State state = s < 3 ? State.values()[s] : null;
        return new SuperviseStatus(Tai64n.unpack(b, 0), pid, b[16] != 0, b[17] == 'u' ? 'u' : 'd', b[18] != 0, state);
    }

    /**
     * The {@code supervise/stat} line, e.g. {@code "run, got TERM, want down\n"}.
     * {@code wantExit} distinguishes want exit, which the status record stores as 'd'.
     */
    public String statLine(boolean wantExit) {
        StringBuilder sb = new StringBuilder(state.word());
        if (paused) sb.append(", paused");
        if (termSent) sb.append(", got TERM");
        if (state != State.DOWN) {
            if (wantExit) sb.append(", want exit");
            else if (want == 'd') sb.append(", want down");
        }
        return sb.append('\n').toString();
    }
}
