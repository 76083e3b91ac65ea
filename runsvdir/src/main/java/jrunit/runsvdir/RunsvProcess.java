package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.util.List;

/**
 * runit's layout: one {@code runsv NAME} process per service, found through PATH, started in the
 * service directory's parent with runsvdir's environment, stdin and stdout, and stderr (the log pipe
 * when there is one); with {@code -P} in a session of its own. Its pidfd wakes runsvdir's poll when it
 * dies; runsvdir reaps it (and any other child) with waitpid(-1).
 */
final class RunsvProcess implements ServiceTable.Supervision {
    final int pid;
    /** Polls readable when the process exits; -1 if pidfd_open failed (the 5 s tick notices it then). */
    final int pidfd;
    private boolean exited;

    private RunsvProcess(int pid, int pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    static RunsvProcess spawn(String name, String cwd, boolean newSession, int stdin, int stdout, int stderr)
            throws ErrnoException {
        Posix.Spawn s = Posix.Spawn.of("runsv", List.of("runsv", name), stdin, stdout, stderr)
                .inDirectory(cwd).searchingPath();
        if (newSession) s = s.inNewSession();
        int pid = Posix.spawn(s);
        int fd;
        try {
            fd = Posix.pidfdOpen(pid);
        } catch (ErrnoException e) {
            fd = -1;
        }
        return new RunsvProcess(pid, fd);
    }

    @Override
    public boolean alive() {
        return !exited;
    }

    /** Called once waitpid has reaped it. */
    void reaped() {
        exited = true;
        if (pidfd >= 0) {
            try {
                Posix.close(pidfd);
            } catch (ErrnoException e) {
                // already gone
            }
        }
    }

    @Override
    public void terminate() {
        signal(Posix.SIGTERM);
    }

    @Override
    public void kill() {
        signal(Posix.SIGKILL);
    }

    void signal(int sig) {
        if (exited) return;
        try {
            Posix.kill(pid, sig);
        } catch (ErrnoException e) {
            // exited meanwhile: reaped at the next round
        }
    }
}
