package jrunit.runsvdir;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Container mode ({@code --container[=SECONDS]}): what a container's PID 1 must do on TERM or INT, which
 * runit's runsvdir does not (it exits and leaves the services running).
 *
 * <ol>
 * <li>every service is brought down as {@code sv down} does it: 'd' into {@code supervise/control}
 *     (the supervisor sends the service TERM, or its s6-style {@code down-signal}, then CONT, and KILL
 *     after its {@code timeout-kill} if it has one: jrunit's supervisors do, runit's runsv does not);
 *     log services keep running;</li>
 * <li>once every main service is down, each supervisor is told to exit (TERM to runsv, as 'x'): it
 *     closes the log pipe, so the log service writes the service's last lines and exits;</li>
 * <li>whatever is still running at the deadline is killed (services, supervisors, and every other
 *     process reparented to runsvdir).</li>
 * </ol>
 * Exit 0 if everything stopped before the deadline, 111 otherwise. A step machine: the caller reaps
 * children and calls {@link #step()} whenever something happened or {@link #STEP} has passed.
 */
final class ContainerShutdown {
    static final int EXIT_LATE = 111;
    static final long STEP = TimeUnit.MILLISECONDS.toNanos(100);

    private enum Phase { MAINS, SUPERVISORS, KILLED }

    private final Messages messages;
    private final Path dir;
    private final long deadline;
    private final List<ServiceTable.Service> services = new ArrayList<>();
    private Phase phase = Phase.MAINS;
    private long killedAt;

    ContainerShutdown(ServiceTable table, Messages messages, Path dir, Duration limit) {
        this.messages = messages;
        this.dir = dir;
        this.deadline = System.nanoTime() + limit.toNanos();
        for (ServiceTable.Service s : table.services()) {
            if (s.supervised()) services.add(s);
        }
    }

    /** Orphans of the whole tree become runsvdir's children, so it can reap them. */
    static void becomeReaper(Messages messages) {
        if (Posix.getpid() == 1) return;
        try {
            Posix.prctl(Posix.PR_SET_CHILD_SUBREAPER, 1);
        } catch (ErrnoException e) {
            messages.warn("unable to become child subreaper", e);
        }
    }

    /** Step 1: every main service down, as sv down. */
    void begin() {
        for (ServiceTable.Service s : services) {
            if (!control(s.name, 'd')) s.supervision.terminate();
        }
    }

    /** Moves on as far as it can; the exit code once finished, -1 while there is more to wait for. */
    int step() {
        long now = System.nanoTime();
        if (phase == Phase.MAINS) {
            if (services.stream().allMatch(s -> !s.supervised() || isDown(s.name)) || now - deadline >= 0) {
                for (ServiceTable.Service s : services) {
                    if (s.supervised()) s.supervision.terminate();
                }
                phase = Phase.SUPERVISORS;
            } else {
                return -1;
            }
        }
        if (phase == Phase.SUPERVISORS) {
            if (services.stream().noneMatch(ServiceTable.Service::supervised) && liveChildren().isEmpty()) return 0;
            if (now - deadline < 0) return -1;
            messages.warn("services still running at the deadline: killing them");
            for (ServiceTable.Service s : services) {
                if (s.supervised()) {
                    killService(s.name);
                    s.supervision.kill();
                }
            }
            for (int pid : liveChildren()) signal(pid, Posix.SIGKILL);
            phase = Phase.KILLED;
            killedAt = now;
        }
        // KILLED: give the kernel a moment to deliver, then go regardless
        if (liveChildren().isEmpty() || now - killedAt > Runsvdir.SECOND) return EXIT_LATE;
        return -1;
    }

    /** Writes one command to a service's control FIFO, as sv does; false if no supervisor reads it. */
    private boolean control(String name, char command) {
        int fd;
        try {
            fd = Posix.open(dir.resolve(name).resolve("supervise/control").toString(), Posix.O_WRONLY | Posix.O_NONBLOCK, 0);
        } catch (ErrnoException e) {
            return false;
        }
        try {
            return Posix.write(fd, new byte[] {(byte) command}, 0, 1) == 1;
        } catch (ErrnoException e) {
            return false;
        } finally {
            try {
                Posix.close(fd);
            } catch (ErrnoException e) {
                // nothing to do
            }
        }
    }

    private static SuperviseStatus status(Path serviceDir) {
        try {
            byte[] b = Files.readAllBytes(serviceDir.resolve("supervise/status"));
            return b.length < SuperviseStatus.SIZE ? null : SuperviseStatus.decode(b);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private boolean isDown(String name) {
        SuperviseStatus st = status(dir.resolve(name));
        return st == null || st.state() == SuperviseStatus.State.DOWN || st.pid() == 0;
    }

    /** KILL to the service and its log service, by the pids their supervisor recorded. */
    private void killService(String name) {
        for (Path d : List.of(dir.resolve(name), dir.resolve(name).resolve("log"))) {
            SuperviseStatus st = status(d);
            if (st != null && st.pid() > 0 && st.state() != SuperviseStatus.State.DOWN) signal(st.pid(), Posix.SIGKILL);
        }
    }

    private static void signal(int pid, int sig) {
        try {
            Posix.kill(pid, sig);
        } catch (ErrnoException e) {
            // gone already
        }
    }

    /** runsvdir's children that are not zombies (orphans included). */
    static List<Integer> liveChildren() {
        List<Integer> pids = new ArrayList<>();
        for (int pid : children()) {
            if (!isZombie(pid)) pids.add(pid);
        }
        return pids;
    }

    /** runsvdir's children, from /proc/self/task/TID/children (each thread lists the children it forked or adopted). */
    static List<Integer> children() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String list;
                try {
                    list = Files.readString(t.resolve("children")).trim();
                } catch (IOException e) {
                    continue; // the thread ended
                }
                if (list.isEmpty()) continue;
                for (String p : list.split(" ")) pids.add(Integer.parseInt(p));
            }
        } catch (IOException e) {
            // no /proc: only the supervisors are checked
        }
        return pids;
    }

    static boolean isZombie(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return true; // gone
        }
    }
}
