package jrunit.svlogd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The line-processing core: splits input bytes into lines and hands each line to the log
 * directories, stderr and UDP as runit's svlogd does, without system calls of its own.
 *
 * <p>A line's first {@code lineMax} bytes are "the line" for stamps, {@code -r}/{@code -R}
 * replacement, patterns, stderr and UDP copies (with {@code ...} when cut); the bytes beyond go to
 * the log files only, unchanged. The stamp of a line is the time of the read that brought its first
 * byte ({@link #stamp}). Lines are dispatched as soon as they are complete; an incomplete line
 * shorter than {@code lineMax} stays with the caller ({@link #process} returns where it starts);
 * one that reaches {@code lineMax} is started and its remainder streamed as it arrives.
 */
final class LineProcessor {
    private static final byte[] NEWLINE = {'\n'};
    private static final byte[] DOTS = "...".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UDP_FAILED = "warning: failure sending through udp: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_UDP = "warning: no udp socket available: ".getBytes(StandardCharsets.US_ASCII);

    private final int lineMax;
    private final byte[] replace;
    private final Stamp stamp;
    private final int stampLen;
    private final Diagnostics diag;
    private final UdpSender udp;
    private final LogDirectory[] dirs;

    /** Stamp of the current read. */
    private final byte[] batchStamp = new byte[Stamp.LENGTH];
    /** Stamp of the incomplete line left with the caller (taken when its first byte was read). */
    private final byte[] carriedStamp = new byte[Stamp.LENGTH];
    private boolean carried;
    /** A line longer than lineMax is being streamed: which directories take its remaining bytes. */
    private boolean inRest;
    private final boolean[] restSelected;
    private byte[] packet = new byte[256];

    LineProcessor(Options o, Diagnostics diag, UdpSender udp, LogDirectory[] dirs) {
        this.lineMax = o.lineMax();
        this.replace = o.replacementTable();
        this.stamp = o.timestamp() == 0 ? null : new Stamp(o.timestamp());
        this.stampLen = stamp == null ? 0 : Stamp.LENGTH;
        this.diag = diag;
        this.udp = udp;
        this.dirs = dirs;
        this.restSelected = new boolean[dirs.length];
    }

    /** Sets the time of the read whose bytes come next. */
    void stamp(long epochSecond, int micros) {
        if (stamp != null) stamp.format(epochSecond, micros, batchStamp, 0);
    }

    /** True while a line has begun but not ended (bytes left with the caller, or a long line being streamed). */
    boolean lineInProgress(int leftover) {
        return inRest || leftover > 0;
    }

    /**
     * Dispatches the complete lines of {@code b[from..to)} (and streams a long line's bytes).
     * Returns the index where an incomplete line starts ({@code to} if none): the caller keeps
     * {@code b[result..to)} and passes it again, followed by new bytes, next time.
     */
    int process(byte[] b, int from, int to) {
        int p = from;
        if (inRest) {
            p = continueRest(b, p, to);
            if (inRest) return to;
        }
        byte[] st = carried ? carriedStamp : batchStamp;
        while (p < to) {
            int nl = indexOfNewline(b, p, to);
            if (nl < 0) {
                if (to - p >= lineMax) {
                    startLongLine(b, p, to - p, st);
                    carried = false;
                    return to;
                }
                if (st != carriedStamp) System.arraycopy(batchStamp, 0, carriedStamp, 0, Stamp.LENGTH);
                carried = true;
                return p;
            }
            line(b, p, nl - p, true, st);
            st = batchStamp;
            p = nl + 1;
        }
        carried = false;
        return p;
    }

    /**
     * End of input: the incomplete line {@code b[from..to)} is logged with a newline added (runit
     * 2.1.2 drops it), and a long line being streamed is ended.
     */
    void finish(byte[] b, int from, int to) {
        if (inRest) {
            endRest();
        } else if (to > from) {
            line(b, from, to - from, false, carried ? carriedStamp : batchStamp);
        }
        carried = false;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL, ONES = 0x0101010101010101L, HIGHS = 0x8080808080808080L;

    /** The first '\n' in {@code b[from..to)}, or -1; eight bytes per step (a zero-byte test on {@code word ^ '\n'*8}). */
    static int indexOfNewline(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long v = (long) LONGS.get(b, i) ^ NEWLINES;
            long found = (v - ONES) & ~v & HIGHS;
            if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
        for (; i < to; i++) {
            if (b[i] == '\n') return i;
        }
        return -1;
    }

    /** One line: {@code b[s..s+len)} without its newline, which follows at {@code b[s+len]} if {@code newline}. */
    private void line(byte[] b, int s, int len, boolean newline, byte[] st) {
        int first = Math.min(len, lineMax);
        if (replace != null) replace(b, s, first);
        boolean cut = len >= lineMax;
        for (LogDirectory d : dirs) {
            if (!d.isOpen()) continue;
            if (!select(d, b, s, first, cut, st)) continue;
            if (d.config.udpOnly) continue;
            if (newline) {
                d.line(st, stampLen, b, s, len + 1);
            } else {
                d.write(st, 0, stampLen);
                d.write(d.config.prefix, 0, d.config.prefix.length);
                d.write(b, s, len);
                d.write(NEWLINE, 0, 1);
                d.endLine();
            }
        }
    }

    /** The first {@code lineMax} bytes of a line with no newline yet: decide, write them, stream the rest. */
    private void startLongLine(byte[] b, int s, int available, byte[] st) {
        if (replace != null) replace(b, s, lineMax);
        for (int i = 0; i < dirs.length; i++) {
            LogDirectory d = dirs[i];
            restSelected[i] = false;
            if (!d.isOpen()) continue;
            if (!select(d, b, s, lineMax, true, st)) continue;
            if (d.config.udpOnly) continue;
            d.write(st, 0, stampLen);
            d.write(d.config.prefix, 0, d.config.prefix.length);
            d.write(b, s, available);
            restSelected[i] = true;
        }
        inRest = true;
    }

    /** More bytes of a long line: raw to the selected directories, up to and including its newline. */
    private int continueRest(byte[] b, int from, int to) {
        int nl = indexOfNewline(b, from, to);
        int end = nl < 0 ? to : nl;
        for (int i = 0; i < dirs.length; i++) {
            if (restSelected[i] && dirs[i].isOpen()) dirs[i].write(b, from, end - from);
        }
        if (nl < 0) return to;
        endRest();
        return nl + 1;
    }

    private void endRest() {
        for (int i = 0; i < dirs.length; i++) {
            if (restSelected[i] && dirs[i].isOpen()) {
                dirs[i].write(NEWLINE, 0, 1);
                dirs[i].endLine();
            }
            restSelected[i] = false;
        }
        inRest = false;
    }

    private void replace(byte[] b, int s, int len) {
        byte[] t = replace;
        for (int i = s, e = s + len; i < e; i++) b[i] = t[b[i] & 0xff];
    }

    /**
     * Evaluates the directory's patterns on the line, copies it to stderr if an {@code e} pattern
     * selected it, sends it by UDP if configured; true if the log selects it ({@code +}).
     */
    private boolean select(LogDirectory d, byte[] b, int s, int len, boolean cut, byte[] st) {
        LogConfig c = d.config;
        byte match = '+';
        if (!c.instructions.isEmpty()) {
            d.matchErr = 'E';
            for (LogConfig.Instruction in : c.instructions) {
                if (LinePattern.matches(in.pattern(), b, s, len)) {
                    if (in.kind() == '+' || in.kind() == '-') match = in.kind();
                    else d.matchErr = in.kind();
                }
            }
        }
        if (d.matchErr == 'e') {
            diag.copy(st, 0, stampLen);
            diag.copy(c.prefix, 0, c.prefix.length);
            diag.copy(b, s, len);
            if (cut) diag.copy(DOTS, 0, 3);
            diag.copy(NEWLINE, 0, 1);
        }
        if (match != '+') return false;
        if (c.udp != null) sendUdp(d, b, s, len, cut, st);
        return true;
    }

    private void sendUdp(LogDirectory d, byte[] b, int s, int len, boolean cut, byte[] st) {
        byte[] prefix = d.config.prefix;
        if (!udp.available()) {
            d.write(NO_UDP, 0, NO_UDP.length);
            d.write(st, 0, stampLen);
            d.write(prefix, 0, prefix.length);
            d.write(b, s, len);
            d.write(NEWLINE, 0, 1);
            d.endLine();
            return;
        }
        int n = stampLen + prefix.length + len + (cut ? 3 : 0) + 1;
        if (packet.length < n) packet = new byte[Math.max(n, packet.length * 2)];
        int at = 0;
        System.arraycopy(st, 0, packet, at, stampLen);
        at += stampLen;
        System.arraycopy(prefix, 0, packet, at, prefix.length);
        at += prefix.length;
        System.arraycopy(b, s, packet, at, len);
        at += len;
        if (cut) {
            System.arraycopy(DOTS, 0, packet, at, 3);
            at += 3;
        }
        packet[at++] = '\n';
        if (!udp.send(packet, at, d.config.udp)) {
            d.write(UDP_FAILED, 0, UDP_FAILED.length);
            d.write(packet, 0, at);
            d.endLine();
        }
    }
}
