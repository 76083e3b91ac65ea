package jrunit.runsv;

import java.nio.charset.StandardCharsets;

/**
 * How coreutils quotes names in its messages in the C locale (gnulib's quotearg), so that
 * {@link Preparation}'s messages are the commands' own, byte for byte. Results are byte strings
 * (one char per byte, ISO-8859-1) of the name's UTF-8 bytes; non-ASCII bytes are not printable in
 * the C locale and come out as octal escapes.
 */
final class CoreutilsQuote {
    private CoreutilsQuote() {}

    /**
     * {@code quote()}: locale_quoting_style, {@code 'it\'s'}, C escapes ({@code \n}, {@code \303}).
     * mkdir and install quote directories this way, chown its OWNER.
     */
    static String quote(String name) {
        StringBuilder out = new StringBuilder("'");
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            String escape = cEscape(c);
            if (escape != null) out.append('\\').append(escape);
            else if (c == '\'' || c == '\\') out.append('\\').append((char) c);
            else out.append((char) c);
        }
        return out.append('\'').toString();
    }

    /**
     * {@code quoteaf()}: shell_escape_always_quoting_style, a string sh would read back as the name:
     * {@code 'a b'}, {@code "it's"}, {@code 'x'\''$y'}, {@code 'tab'$'\t''x'}. chmod and chown quote
     * files this way.
     */
    static String quoteFileName(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder("'");
        boolean pendingEnd = false; // inside $'…', to be closed before the next plain char
        boolean singleQuote = false, allCompatible = true;
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            // "compatible": the same inside C's and the shell's double quotes
            boolean compatible = false;
            String escape = null;
            switch (c) {
                case 7, 8, 9, 10, 11, 12, 13 -> escape = cEscape(c);
                case '{', '}' -> compatible = bytes.length == 1;
                case '#', '~' -> compatible = i == 0;
                case ' ' -> compatible = true;
                case '\'' -> {
                    singleQuote = true;
                    compatible = true;
                    out.append("'\\'");
                    pendingEnd = false;
                }
                case '!', '"', '$', '&', '(', ')', '*', ';', '<', '=', '>', '[', '^', '`', '|', '\\', '?' -> { }
                default -> {
                    compatible = isSafe(c) || isPrintable(c);
                    if (!isPrintable(c)) escape = octal(c);
                }
            }
            if (escape != null) {
                if (!pendingEnd) {
                    out.append("'$'");
                    pendingEnd = true;
                }
                out.append('\\').append(escape);
            } else {
                if (pendingEnd) {
                    out.append("''");
                    pendingEnd = false;
                }
                out.append((char) c);
            }
            if (!compatible) allCompatible = false;
        }
        if (singleQuote && allCompatible) return '"' + new String(bytes, StandardCharsets.ISO_8859_1) + '"';
        return out.append('\'').toString();
    }

    /** C's escape letter for {@code c}, its octal digits if it is not printable, or null. */
    private static String cEscape(int c) {
        return switch (c) {
            case 7 -> "a";
            case 8 -> "b";
            case 9 -> "t";
            case 10 -> "n";
            case 11 -> "v";
            case 12 -> "f";
            case 13 -> "r";
            default -> isPrintable(c) ? null : octal(c);
        };
    }

    private static String octal(int c) {
        return "" + (char) ('0' + (c >> 6)) + (char) ('0' + ((c >> 3) & 7)) + (char) ('0' + (c & 7));
    }

    /** isprint() in the C locale. */
    private static boolean isPrintable(int c) {
        return c >= 0x20 && c < 0x7f;
    }

    private static boolean isSafe(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "%+,-./:]_".indexOf(c) >= 0;
    }
}
