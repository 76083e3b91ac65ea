package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether another supervisor holds a service's {@code log/supervise/lock} (runsv would block on it). */
final class LogLock {
    private LogLock() {}

    static boolean heldElsewhere(Path serviceDir) {
        Path lock = serviceDir.resolve("log/supervise/lock");
        if (!Files.exists(lock)) return false;
        int fd;
        try {
            fd = Posix.open(lock.toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            return false; // the supervisor will report it
        }
        try {
            Posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB);
            Posix.flock(fd, Posix.LOCK_UN);
            return false;
        } catch (ErrnoException e) {
            return e.errno() == jrunit.common.Errno.EWOULDBLOCK;
        } finally {
            try {
                Posix.close(fd);
            } catch (ErrnoException e) {
                // nothing to do
            }
        }
    }
}
