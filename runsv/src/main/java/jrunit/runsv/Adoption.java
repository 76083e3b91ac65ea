package jrunit.runsv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Finding, at a supervisor's start, the process a supervisor that died (KILL, the OOM killer, a crash)
 * left running, so that it is watched again rather than started a second time.
 *
 * <p>{@code supervise/status} says the service runs with pid P. P is taken over only if it is provably
 * that service: it is alive, it is not this process, it started when the record says it was spawned
 * (its start time from {@code /proc/P/stat}, within {@link #TOLERANCE_MILLIS}), and its working directory
 * is the service directory (compared as real paths). If anything cannot be read, or does not match, it
 * is a stranger (a reused pid, a stale or forged record): ignored, never signalled.
 */
final class Adoption {
    /** How far the process's start may lie from the record's time stamp (the record is written just after the spawn). */
    static final long TOLERANCE_MILLIS = 2000;
    /** The kernel's USER_HZ, the unit of /proc/PID/stat's start time: 100 on every Linux jrunit runs on. */
    private static final long CLOCK_TICKS = 100;

    /** How long the kernel's record of an adopted process's exit is waited for (its parent reaps it). */
    static final long EXIT_RECORD_WAIT = 2_000_000_000L;

    private Adoption() {}

    /** What a record names: the process, still running, to take over. */
    record Running(int pid, SuperviseStatus record, long ageNanos) {}

    /**
     * The process {@code serviceDir/supervise/status} names, if it runs and is that service's; else null.
     * A record in state finish is not taken over (its {@code ./finish} is not the service).
     */
    static Running find(Path serviceDir) {
        SuperviseStatus record;
        try {
            byte[] b = Files.readAllBytes(serviceDir.resolve("supervise/status"));
            if (b.length != SuperviseStatus.SIZE) return null;
            record = SuperviseStatus.decode(b);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (record.state() != State.RUN || record.pid() <= 0 || record.pid() == Posix.getpid()) return null;
        int pid = record.pid();
        Long startMillis = startMillis(pid);
        if (startMillis == null) return null;
        long recorded = record.since().toInstant().toEpochMilli();
        if (Math.abs(startMillis - recorded) > TOLERANCE_MILLIS) return null;
        if (!sameDirectory(Path.of("/proc/" + pid + "/cwd"), serviceDir)) return null;
        long age = Math.max(0, System.currentTimeMillis() - startMillis) * 1_000_000L;
        return new Running(pid, record, age);
    }

    /** Whether {@code serviceDir/supervise/status} says the service was running (whatever became of it). */
    static boolean recordedRunning(Path serviceDir) {
        try {
            byte[] b = Files.readAllBytes(serviceDir.resolve("supervise/status"));
            return b.length == SuperviseStatus.SIZE && SuperviseStatus.decode(b).state() == State.RUN;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** When {@code pid} started, in Unix milliseconds (from /proc/PID/stat and /proc/uptime); null if unreadable or not alive. */
    static Long startMillis(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1);
            long now = System.currentTimeMillis();
            String uptime = Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII);
            // fields after "(comm)": state is field 3, starttime field 22
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            if (f[0].equals("Z") || f[0].equals("X")) return null; // dead: nothing to take over
            long startTicks = Long.parseLong(f[22 - 3]);
            double up = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
            long ageMillis = (long) (up * 1000) - startTicks * 1000 / CLOCK_TICKS;
            return now - ageMillis;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean sameDirectory(Path link, Path dir) {
        try {
            return Files.readSymbolicLink(link).equals(dir.toRealPath());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** "pipe:[INODE]" for a descriptor of {@code pid}, or null. */
    static String pipeOf(int pid, int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
            return target.startsWith("pipe:[") ? target : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Both ends of the pipe {@code pid}'s descriptor {@code fd} is, opened anew through /proc (close-on-exec,
     * blocking, as {@code pipe(O_CLOEXEC)} makes them), or null. The read end first: opening a pipe's write
     * end through /proc blocks while it has no reader.
     */
    static int[] reopenPipe(int pid, int fd) {
        String pipe = pipeOf(pid, fd);
        if (pipe == null) return null;
        String path = "/proc/" + pid + "/fd/" + fd;
        int read = -1;
        try {
            read = Posix.open(path, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            int write = Posix.open(path, Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            Posix.setNonBlocking(read, false);
            Posix.setNonBlocking(write, false);
            if (!pipe.equals(pipeOf(Posix.getpid(), read))) { // the descriptor changed under us
                Posix.close(write);
                Posix.close(read);
                return null;
            }
            return new int[] {read, write};
        } catch (ErrnoException e) {
            if (read >= 0) {
                try {
                    Posix.close(read);
                } catch (ErrnoException ignored) {
                    // nothing more to do
                }
            }
            return null;
        }
    }

    /** The record's time stamp as an instant (the service's start, for sv status). */
    static Instant since(Running r) {
        return r.record().since().toInstant();
    }

    /**
     * An adopted process's end: its pidfd readable. Its wait status if it is our child after all (this
     * process is PID 1 or the subreaper it was reparented to); else the kernel's record of its exit, kept
     * once its parent has reaped it (Linux 6.15), waited for up to {@link #EXIT_RECORD_WAIT}; else
     * {@link Service#UNKNOWN_STATUS}.
     */
    static Integer exitStatus(Service s) {
        if (s.exitSeenAt == 0) {
            if (s.pidfd >= 0 && !Supervisor.readable(s.pidfd)) return null;
            try {
                Posix.Exited e = Posix.waitpid(s.pid, Posix.WNOHANG);
                if (e.pid() == s.pid) return e.status();
                if (s.pidfd >= 0) return null; // our child, exiting but not yet a zombie
            } catch (ErrnoException e) {
                // ECHILD: not our child
            }
            if (s.pidfd < 0) return Adoption.startMillis(s.pid) != null ? null : Service.UNKNOWN_STATUS;
            s.exitSeenAt = System.nanoTime() | 1;
        }
        try {
            Integer status = Posix.pidfdExitStatus(s.pidfd);
            if (status != null) {
                s.exitSeenAt = 0;
                return status;
            }
            if (System.nanoTime() - s.exitSeenAt < EXIT_RECORD_WAIT) return null; // its parent has not reaped it yet
        } catch (ErrnoException e) {
            // a kernel that keeps no exit record
        }
        s.exitSeenAt = 0;
        return Service.UNKNOWN_STATUS;
    }
}
