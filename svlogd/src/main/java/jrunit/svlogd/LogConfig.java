package jrunit.svlogd;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A log directory's {@code config} file as runit 2.1.2 reads it: one command per line (its first
 * byte), the rest of the line its argument, untrimmed; unknown commands ignored; numbers are leading
 * decimal digits (none means 0). Defaults: {@code s1000000}, {@code n10}, {@code N10}, no timeout.
 */
final class LogConfig {
    /** One pattern line: {@code kind} is '+', '-', 'e' or 'E'. */
    record Instruction(byte kind, byte[] pattern) {}

    long sizeMax = 1_000_000;
    long nMax = 10;
    long nMin = 10;
    /** Rotation timeout in seconds, 0 = none. */
    long tMax;
    String processor;
    InetSocketAddress udp;
    boolean udpOnly;
    byte[] prefix = new byte[0];
    final List<Instruction> instructions = new ArrayList<>();

    /** The defaults, as for a directory without {@code config}. */
    static LogConfig defaults() {
        return new LogConfig();
    }

    /** Parses {@code config}'s bytes; {@code warning} receives runit's warning texts (without "svlogd: warning: "). */
    static LogConfig parse(byte[] s, Consumer<String> warning) {
        LogConfig c = new LogConfig();
        for (int i = 0; i + 1 < s.length; i++) {
            int nl = i;
            while (nl < s.length && s[nl] != '\n') nl++;
            int len = nl - i;
            // the argument is a C string: it ends at the newline or at a NUL byte
            int argEnd = i + 1;
            while (argEnd < nl && s[argEnd] != 0) argEnd++;
            byte[] arg = java.util.Arrays.copyOfRange(s, Math.min(i + 1, argEnd), argEnd);
            switch (s[i]) {
                case '+', '-', 'e', 'E' -> c.instructions.add(new Instruction(s[i], arg));
                case 's' -> {
                    int[] used = new int[1];
                    c.sizeMax = scan(arg, 0, used);
                    byte unit = used[0] < arg.length ? arg[used[0]] : 0;
                    if (unit == 'm') c.sizeMax *= 1024 * 1024;
                    else if (unit == 'k') c.sizeMax *= 1024;
                }
                case 'n' -> c.nMax = scan(arg, 0, new int[1]);
                case 'N' -> c.nMin = scan(arg, 0, new int[1]);
                case 't' -> {
                    int[] used = new int[1];
                    c.tMax = scan(arg, 0, used);
                    byte unit = used[0] < arg.length ? arg[used[0]] : 0;
                    if (unit == 'h') c.tMax *= 3600;
                    else if (unit == 'm') c.tMax *= 60;
                }
                case '!' -> {
                    if (len > 1 && arg.length > 0) c.processor = new String(arg, StandardCharsets.ISO_8859_1);
                }
                case 'U', 'u' -> {
                    if (s[i] == 'U') c.udpOnly = true;
                    c.udp(arg, warning);
                }
                case 'p' -> {
                    if (len > 1) c.prefix = arg;
                }
                default -> { } // '#', empty lines and unknown commands
            }
            i = nl;
        }
        return c;
    }

    private void udp(byte[] arg, Consumer<String> warning) {
        byte[] ip = new byte[4];
        int at = 0;
        int[] used = new int[1];
        for (int octet = 0; octet < 4; octet++) {
            if (octet > 0) {
                if (at >= arg.length || arg[at] != '.') {
                    warning.accept("unable to scan ip address: " + text(arg, 0));
                    return;
                }
                at++;
            }
            long v = scan(arg, at, used);
            if (used[0] == at) {
                warning.accept("unable to scan ip address: " + text(arg, 0));
                return;
            }
            ip[octet] = (byte) v;
            at = used[0];
        }
        long port = 514;
        if (at < arg.length && arg[at] == ':') {
            port = scan(arg, at + 1, used);
            if (port == 0) {
                warning.accept("unable to scan port number: " + text(arg, at + 1));
                return;
            }
        }
        port &= 0xffff; // htons keeps the low 16 bits
        try {
            InetAddress a = Inet4Address.getByAddress(ip);
            udp = port == 0 ? null : new InetSocketAddress(a, (int) port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    private static String text(byte[] b, int from) {
        return new String(b, from, b.length - from, StandardCharsets.ISO_8859_1);
    }

    /** scan_ulong from {@code from}: the value of the leading digits; {@code used[0]} = index after them. */
    static long scan(byte[] b, int from, int[] used) {
        long v = 0;
        int i = from;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
            v = v * 10 + (b[i] - '0'); // wraps like C's unsigned long would, close enough for absurd values
            i++;
        }
        used[0] = i;
        return v;
    }
}
