package jrunit.svlogd;

/**
 * runit's svlogd pattern match over the first {@code len} bytes of a line: ordinary bytes match
 * themselves, {@code *} at the end matches the rest, {@code *c} skips to the first {@code c}
 * (without backtracking), {@code +c} matches one or more {@code c} (and succeeds as soon as the line
 * ends while skipping them); the pattern must use up the whole line.
 */
final class LinePattern {
    private LinePattern() {}

    static boolean matches(byte[] pattern, byte[] s, int off, int len) {
        int p = 0;
        int end = off + len;
        int i = off;
        while (true) {
            if (p == pattern.length) return i == end;
            byte c = pattern[p++];
            if (c == '*') {
                if (p == pattern.length) return true;
                byte next = pattern[p];
                while (true) {
                    if (i == end) return false;
                    if (s[i] == next) break;
                    i++;
                }
            } else if (c == '+') {
                if (p == pattern.length || i == end) return false; // runit would read past the line here
                byte next = pattern[p++];
                if (s[i] != next) return false;
                while (true) {
                    if (i == end) return true;
                    if (s[i] != next) break;
                    i++;
                }
            } else {
                if (i == end || s[i] != c) return false;
                i++;
            }
        }
    }
}
