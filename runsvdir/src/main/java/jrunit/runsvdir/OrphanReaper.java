package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Hosted mode as PID 1 or subreaper: reaps zombie children that no hosted supervisor owns. runsvdir must
 * not waitpid(-1) there: it would take a service's exit status from its supervisor (whose {@code finish}
 * gets it). Every child a supervisor spawns is watched through a pidfd held by this process, and an
 * adopted orphan never is: so a zombie child without a pidfd here is an orphan. Runs on the event loop's
 * thread, the one that spawns once a supervisor is hosted; the threads that start new supervisors spawn
 * too, and {@link HostedMode} keeps this out while any of them may be between a spawn and its pidfd.
 */
final class OrphanReaper {
    private OrphanReaper() {}

    static void reap() {
        Set<Integer> zombies = new HashSet<>();
        for (int pid : ContainerShutdown.children()) {
            if (ContainerShutdown.isZombie(pid)) zombies.add(pid);
        }
        if (zombies.isEmpty()) return;
        Set<Integer> owned = pidfdPids();
        if (owned == null) return; // cannot tell: leave every zombie rather than risk a supervisor's child
        zombies.removeAll(owned);
        for (int pid : zombies) {
            try {
                Posix.waitpid(pid, Posix.WNOHANG);
            } catch (ErrnoException e) {
                // reaped already
            }
        }
    }

    /** The processes this process holds a pidfd for ({@code Pid:} in /proc/self/fdinfo). */
    private static Set<Integer> pidfdPids() {
        Set<Integer> pids = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fdinfo"))) {
            for (Path fd : fds) {
                try {
                    for (String line : Files.readAllLines(fd)) {
                        if (line.startsWith("Pid:")) pids.add(Integer.parseInt(line.substring(4).trim()));
                    }
                } catch (IOException | RuntimeException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            return null;
        }
        return pids;
    }
}
