package jrunit.svlogd;

import jrunit.common.Errno;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
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
    private byte[] copies = new byte[8192];
    private int copiesLen;

    Diagnostics(boolean verbose) {
        this(new FileOutputStream(FileDescriptor.err), verbose);
    }

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
        write(b, b.length);
    }

    /** Appends bytes of a line copy (flushed by {@link #flushCopies}). */
    void copy(byte[] b, int off, int len) {
        if (copiesLen + len > copies.length) {
            copies = java.util.Arrays.copyOf(copies, Math.max(copies.length * 2, copiesLen + len));
        }
        System.arraycopy(b, off, copies, copiesLen, len);
        copiesLen += len;
    }

    void flushCopies() {
        if (copiesLen == 0) return;
        int n = copiesLen;
        copiesLen = 0;
        write(copies, n);
        if (copies.length > 1 << 20) copies = new byte[8192];
    }

    private void write(byte[] b, int len) {
        try {
            err.write(b, 0, len);
            err.flush();
        } catch (IOException e) {
            // stderr is gone: nothing left to tell anyone
        }
    }
}
