package jrunit.svlogd;

import jrunit.common.Errno;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Everything svlogd writes to stderr: its own messages with runit's prefixes, and the copies of
 * lines selected by {@code e} patterns. Copies are collected per input batch and written before any
 * message and before svlogd waits, so stderr keeps runit's order.
 */
class Diagnostics {
    static final String FATAL = "svlogd: fatal: ", WARNING = "svlogd: warning: ", PAUSE = "svlogd: pausing: ",
            INFO = "svlogd: info: ";

    private final OutputStream err;
    final boolean verbose;
    private static final int COPIES = 8192;
    /** Line copies not yet written; allocated on the first copy (most loggers have no {@code e} pattern). */
    private byte[] copies;
    private int copiesLen;

    Diagnostics(OutputStream err, boolean verbose) {
        this.err = err;
        this.verbose = verbose;
    }

    void warning(String text) {
        message(WARNING + text);
    }

    /** A warning about a failed system call: {@code text: <runit's errno text>}. */
    void warning(String text, int errno) {
        message(WARNING + text + ": " + Errno.text(errno));
    }

    void info(String text) {
        if (verbose) message(INFO + text);
    }

    /** runit's "pausing" message; the caller then waits {@link #PAUSE_MILLIS} and retries. */
    void pausing(String text, int errno) {
        message(PAUSE + text + ": " + Errno.text(errno));
        pause();
    }

    static final long PAUSE_MILLIS = 3000;

    void pause() {
        try {
            Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void fatal(String text) {
        message(FATAL + text);
    }

    void message(String line) {
        flushCopies();
        byte[] b = (line + "\n").getBytes(StandardCharsets.ISO_8859_1);
        write(b, 0, b.length);
    }

    /**
     * Appends bytes of a line copy (flushed by {@link #flushCopies}). The buffer has a fixed size
     * and is written out when full: copies stay in order before any message either way, and a
     * logger hosted among many keeps no large buffer after one batch of long selected lines.
     */
    void copy(byte[] b, int off, int len) {
        if (copies == null) copies = new byte[COPIES];
        if (copiesLen + len > copies.length) {
            flushCopies();
            if (len > copies.length) {
                write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, copies, copiesLen, len);
        copiesLen += len;
    }

    void flushCopies() {
        if (copiesLen == 0) return;
        int n = copiesLen;
        copiesLen = 0;
        write(copies, 0, n);
    }

    private void write(byte[] b, int off, int len) {
        try {
            err.write(b, off, len);
            err.flush();
        } catch (IOException e) {
            // stderr is gone: nothing left to tell anyone
        }
    }
}
