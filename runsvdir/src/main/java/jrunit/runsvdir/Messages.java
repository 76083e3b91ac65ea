package jrunit.runsvdir;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * runsvdir's diagnostics in runit's format ({@code runsvdir DIR: warning: TEXT: ERROR}), written with
 * one write(2) to the current error descriptor: fd 2, or the readproctitle pipe once it is set up.
 * A full pipe drops the message, as runit's non-blocking stderr does.
 */
final class Messages {
    private final String prefix;
    private volatile int fd = 2;

    Messages(String dir) {
        this.prefix = "runsvdir " + dir + ": ";
    }

    void redirectTo(int descriptor) {
        fd = descriptor;
    }

    int fd() {
        return fd;
    }

    void warn(String text) {
        write(prefix + "warning: " + text + "\n");
    }

    void warn(String text, IOException e) {
        warn(text + ": " + Errno.text(e));
    }

    void fatal(String text, IOException e) {
        write(prefix + "fatal: " + text + ": " + Errno.text(e) + "\n");
    }

    void write(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        try {
            Posix.write(fd, b, 0, b.length);
        } catch (ErrnoException e) {
            // nowhere to report a failing stderr
        }
    }
}
