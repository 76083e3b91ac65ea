package jrunit.common;

import java.io.IOException;

/** A failed system call: the call's name and the errno it set. {@link #text()} is runit's wording. */
public final class ErrnoException extends IOException {
    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + ": " + Errno.text(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** runit's text for the errno, e.g. "file does not exist". */
    public String text() {
        return Errno.text(errno);
    }
}
