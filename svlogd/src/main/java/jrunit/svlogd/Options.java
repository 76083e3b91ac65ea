package jrunit.svlogd;

import jrunit.common.RunitOptions;

import java.util.List;

/**
 * svlogd's command line ({@code R:r:l:b:tvV}), read as runit 2.1.2 reads it: {@code -l} and
 * {@code -b} take a leading decimal number (0 or none means the default), {@code -r} must be exactly
 * one character, {@code -R} without {@code -r} replaces with '_', and the buffer must be longer than
 * the line.
 *
 * @param timestamp 0 none, 1 TAI64N ({@code -t}), 2 human UTC ({@code -tt}), 3 ISO 8601 ({@code -ttt})
 * @param replacement the replacement byte, or 0 when no replacement is done
 * @param replaced the extra bytes to replace ({@code -R})
 */
record Options(int timestamp, byte replacement, byte[] replaced, int lineMax, long bufLen, boolean verbose,
               List<String> dirs) {

    static final String GETOPT = "R:r:l:b:tvV";
    static final String USAGE = " [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...";
    static final String VERSION = "$Id: 5e55a90e0a1b35ec47fed3021453c50675ea1117 $";

    /** A command line svlogd refuses: print {@link #message} (if any), then the usage, exit 111. */
    static final class Usage extends Exception {
        final String message;
        final boolean version;

        Usage(String message, boolean version) {
            super(message == null ? "usage" : message);
            this.message = message;
            this.version = version;
        }
    }

    static Options parse(String... args) throws Usage {
        RunitOptions.Parsed p;
        try {
            p = new RunitOptions(GETOPT).parse(args);
        } catch (RunitOptions.UsageException e) {
            throw new Usage(e.getMessage(), false);
        }
        if (p.has('V')) throw new Usage(null, true);
        byte repl = 0;
        for (String r : p.all('r')) {
            if (r.isEmpty() || r.length() > 1) throw new Usage(null, false);
        }
        String lastR = p.last('r');
        String replace = p.last('R');
        if (lastR != null) repl = (byte) lastR.charAt(0);
        else if (replace != null) repl = '_';
        long lineMax = leadingNumber(p.last('l'), 1000);
        long bufLen = leadingNumber(p.last('b'), 1024);
        if (p.operands().isEmpty()) throw new Usage(null, false);
        if (bufLen <= lineMax) throw new Usage(null, false);
        if (lineMax > Integer.MAX_VALUE - 16) lineMax = Integer.MAX_VALUE - 16;
        byte[] replaced = replace == null ? new byte[0] : replace.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return new Options(Math.min(p.count('t'), 3), repl, replaced, (int) lineMax, bufLen, p.has('v'),
                List.copyOf(p.operands()));
    }

    /** runit's scan_ulong: the leading decimal digits; none or 0 gives {@code dflt}. Saturates instead of wrapping. */
    static long leadingNumber(String s, long dflt) {
        if (s == null) return dflt;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') break;
            v = v > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : v * 10 + (c - '0');
        }
        return v == 0 ? dflt : v;
    }

    /** The byte translation table of {@code -r}/{@code -R}, or {@code null} when nothing is replaced. */
    byte[] replacementTable() {
        if (replacement == 0) return null;
        byte[] t = new byte[256];
        for (int b = 0; b < 256; b++) {
            // runit compares a signed char: bytes >= 0x80 are "< 32" and replaced too
            boolean replace = b < 32 || b > 126;
            for (byte r : replaced) if ((r & 0xff) == b) replace = true;
            t[b] = replace ? replacement : (byte) b;
        }
        return t;
    }
}
