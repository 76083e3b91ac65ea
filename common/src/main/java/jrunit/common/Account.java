package jrunit.common;

import java.util.Arrays;

/**
 * A uid and its groups, from one of runit's account notations:
 * <ul>
 * <li>{@code user} (setuidgid, envuidgid): the user's uid and primary gid only;
 * <li>{@code [:]user[:group[:group]...]} (chpst -u, -U): the user's uid; the named groups, or the
 *     primary gid if none are named; at most 60 groups, the rest ignored;
 * <li>{@code :uid:gid[:gid]...}: numbers, no lookups; at least one gid, at most 60.
 * </ul>
 * Names are byte strings ({@link ByteStrings}). Lookups go through getpwnam/getgrnam (NSS), inside
 * the new root if chpst changed it. No initgroups: the user's other groups in /etc/group are not
 * added. chpst resolves its options with it, and runsv the {@code chpst -u} of a log service it runs
 * in-process, so both fail with the same words.
 */
public record Account(int uid, int[] gids) {
    private static final int MAX_GROUPS = 60;

    /**
     * An account that cannot be resolved, with chpst's text ({@code unknown user/group: X}…), printed
     * by chpst as {@code chpst: fatal: <text>[: <errno text>]}, exit 111. {@link #getMessage()} is the
     * whole text after {@code "chpst: fatal: "}.
     */
    public static final class Failure extends Exception {
        /** {@link #errno()} of a failure without a system error. */
        public static final int NO_ERRNO = -1;

        private final String text;
        private final int errno;

        private Failure(String text, int errno) {
            super(errno == NO_ERRNO ? text : text + ": " + Errno.text(errno), null, false, false);
            this.text = text;
            this.errno = errno;
        }

        /** The text without the system error, e.g. {@code unknown user/group: web}. */
        public String text() {
            return text;
        }

        /** The lookup's errno, or {@link #NO_ERRNO}. */
        public int errno() {
            return errno;
        }
    }

    /** {@code setuidgid}/{@code envuidgid} notation. */
    public static Account ofUser(String user) throws Failure {
        Posix.Passwd pw;
        try {
            pw = Posix.getpwnam(ByteStrings.forPosix(user));
        } catch (ErrnoException e) {
            throw new Failure("unable to get password file entry", e.errno());
        }
        if (pw == null) throw new Failure("unknown account: " + user, Failure.NO_ERRNO);
        return new Account(pw.uid(), new int[] {pw.gid()});
    }

    /** {@code chpst -u}/{@code -U} notation. */
    public static Account ofSpec(String spec) throws Failure {
        try {
            Account a = spec.startsWith(":") ? numeric(spec.substring(1)) : named(spec);
            if (a != null) return a;
        } catch (ErrnoException e) {
            throw new Failure("unable to get password/group file entry", e.errno());
        }
        if (spec.startsWith(":")) throw new Failure("invalid uid/gids: " + spec.substring(1), Failure.NO_ERRNO);
        throw new Failure("unknown user/group: " + spec, Failure.NO_ERRNO);
    }

    private static Account named(String spec) throws ErrnoException {
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        Posix.Passwd pw = Posix.getpwnam(ByteStrings.forPosix(user));
        if (pw == null) return null;
        if (colon < 0) return new Account(pw.uid(), new int[] {pw.gid()});
        String[] groups = spec.substring(colon + 1).split(":", -1);
        int n = Math.min(groups.length, MAX_GROUPS);
        int[] gids = new int[n];
        for (int i = 0; i < n; i++) {
            Posix.Group gr = Posix.getgrnam(ByteStrings.forPosix(groups[i]));
            if (gr == null) return null;
            gids[i] = gr.gid();
        }
        return new Account(pw.uid(), gids);
    }

    /** {@code uid:gid[:gid]...} after the leading colon; numbers as runit scans them (digits, wrapping, empty = 0). */
    private static Account numeric(String s) {
        int[] pos = {0};
        long uid = scanNumber(s, pos);
        if (pos[0] >= s.length() || s.charAt(pos[0]) != ':') return null;
        pos[0]++;
        int[] gids = new int[MAX_GROUPS];
        int n = 0;
        while (n < MAX_GROUPS) {
            gids[n++] = (int) scanNumber(s, pos);
            if (pos[0] >= s.length() || s.charAt(pos[0]) != ':') break;
            pos[0]++;
        }
        if (pos[0] < s.length()) return null;
        return new Account((int) uid, Arrays.copyOf(gids, n));
    }

    /** Leading decimal digits from {@code pos[0]} (none = 0), advancing it; wraps like C's unsigned long. */
    public static long scanNumber(String s, int[] pos) {
        long v = 0;
        while (pos[0] < s.length() && s.charAt(pos[0]) >= '0' && s.charAt(pos[0]) <= '9') {
            v = v * 10 + (s.charAt(pos[0]++) - '0');
        }
        return v;
    }

    /** The primary gid: the first of the groups. */
    public int gid() {
        return gids[0];
    }
}
