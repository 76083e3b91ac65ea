package jrunit.sv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.nio.file.Path;
import java.util.List;

/**
 * A service's optional {@code ./check}: run in the service directory with stdout closed, it passes
 * when it exits 0. As in runit, a missing check passes, one that cannot be executed passes too (with
 * a warning: runit's child prints it and exits 0), and one killed by a signal passes.
 */
final class CheckScript {
    private CheckScript() {}

    static boolean passes(Path dir, String service, Output err) {
        int errno = Sv.statErrno(dir.resolve("check"));
        if (errno == Errno.ENOENT) return true;
        if (errno != 0) {
            warn(err, "unable to stat ", service, errno);
            return false;
        }
        int pid;
        try {
            pid = Posix.spawn(Posix.Spawn.of("./check", List.of("./check"), 0, -1, 2).inDirectory(dir.toString()));
        } catch (ErrnoException e) {
            warn(err, "unable to run ", service, e.errno());
            return true;
        }
        try {
            return Posix.waitpid(pid, 0).exitCode() == 0;
        } catch (ErrnoException e) {
            warn(err, "unable to wait for child ", service, e.errno());
            return false;
        }
    }

    private static void warn(Output err, String what, String service, int errno) {
        err.print("warning: " + what + service + "/check: " + Errno.text(errno) + "\n");
        err.flush();
    }
}
