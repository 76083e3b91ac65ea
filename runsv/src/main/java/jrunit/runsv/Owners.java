package jrunit.runsv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;

/** Users and groups as chown and install name them (gnulib's parse_user_spec, install's get_ids). */
final class Owners {
    private Owners() {}

    /** chown's OWNER: the ids to set (-1: unchanged), or the error chown dies with, and whether it warns of a '.'. */
    record Spec(int uid, int gid, String error, boolean dotWarning) {}

    /**
     * {@code user}, {@code user:group}, {@code user:} (the user's login group), {@code :group}: names
     * first, then decimal numbers ({@code +N}: a number, no look-up). Without a ':' a spec that is no
     * user name but splits at a '.' is taken that way, with chown's warning.
     */
    static Spec parse(String spec) {
        int colon = spec.indexOf(':');
        Spec s = withSeparator(spec, colon);
        if (colon < 0 && s.error() != null) {
            int dot = spec.indexOf('.');
            if (dot >= 0) {
                Spec split = withSeparator(spec, dot);
                if (split.error() == null) return new Spec(split.uid(), split.gid(), null, true);
            }
        }
        return s;
    }

    private static Spec withSeparator(String spec, int separator) {
        String u = separator < 0 ? spec : spec.substring(0, separator);
        String g = separator < 0 || separator + 1 == spec.length() ? null : spec.substring(separator + 1);
        int uid = -1, gid = -1;
        if (!u.isEmpty()) {
            Posix.Passwd pw = u.startsWith("+") ? null : user(u);
            if (pw == null) {
                if (separator >= 0 && g == null) return new Spec(-1, -1, "invalid spec", false); // no login group to take
                long n = number(u, 0xfffffffeL);
                if (n < 0) return new Spec(-1, -1, "invalid user", false);
                uid = (int) n;
            } else {
                uid = pw.uid();
                if (separator >= 0 && g == null) gid = pw.gid();
            }
        }
        if (g != null) {
            Posix.Group gr = g.startsWith("+") ? null : group(g);
            if (gr == null) {
                long n = number(g, 0xfffffffeL);
                if (n < 0) return new Spec(-1, -1, "invalid group", false);
                gid = (int) n;
            } else {
                gid = gr.gid();
            }
        }
        return new Spec(uid, gid, null, false);
    }

    /** getpwnam; an error reading the database counts as no such user (the command then says so). */
    static Posix.Passwd user(String name) {
        try {
            return Posix.getpwnam(name);
        } catch (ErrnoException e) {
            return null;
        }
    }

    static Posix.Group group(String name) {
        try {
            return Posix.getgrnam(name);
        } catch (ErrnoException e) {
            return null;
        }
    }

    /** An optional '+' and decimal digits up to {@code max}; -1 if it is not. */
    static long number(String s, long max) {
        String digits = s.startsWith("+") ? s.substring(1) : s;
        if (digits.isEmpty() || digits.length() > 19) return -1;
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
            if (v > max) return -1;
        }
        return v;
    }
}
