package jrunit.chpst;

import jrunit.common.ErrnoException;

/** A failure to change the process state: {@code chpst: fatal: <text>[: <errno text>]}, exit 111. */
final class Fatal extends Exception {
    static final int NO_ERRNO = -1;

    final String text;
    final int errno;

    Fatal(String text, int errno) {
        super(text, null, false, false);
        this.text = text;
        this.errno = errno;
    }

    Fatal(String text, ErrnoException cause) {
        this(text, cause.errno());
    }

    /** A failure without a system error (unknown user, invalid uid/gids). */
    static Fatal plain(String text) {
        return new Fatal(text, NO_ERRNO);
    }
}
