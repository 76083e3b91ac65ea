package jrunit.sv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.nio.file.Path;

/**
 * Writers on runsv's FIFOs, opened {@code O_WRONLY|O_NONBLOCK} as runit's sv does: the open fails
 * with ENXIO when no runsv holds the read end, instead of blocking forever. (sv's launcher opens
 * sun.nio.fs to us, so Posix makes these calls through the JDK's own natives: no FFM start-up.)
 */
final class Fifo {
    private Fifo() {}

    /** Opens {@code path} write-only, non-blocking. Throws the open's errno. */
    static int openWrite(Path path) throws ErrnoException {
        return Posix.open(path.toString(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
    }

    static void close(int fd) {
        try {
            Posix.close(fd);
        } catch (ErrnoException e) {
            // a close error on a FIFO we only probed or wrote loses nothing
        }
    }

    /** One write(2) of {@code bytes}; returns the count written. */
    static int write(int fd, byte[] bytes) throws ErrnoException {
        return Posix.write(fd, bytes, 0, bytes.length);
    }
}
