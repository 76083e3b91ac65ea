package jrunit.runsv;

import jrunit.common.SuperviseStatus.State;
import jrunit.common.Tai64n;

import java.nio.file.Path;

/** What runsv knows about one of its two services: the main one in DIR, or the log one in DIR/log. */
final class Service {
    enum Want { UP, DOWN, EXIT }

    final boolean isLog;
    /** The directory its programs run in: DIR or DIR/log. */
    final Path dir;
    /** Prefix of its status files in messages, as runit prints them: "supervise/" or "log/supervise/". */
    final String supervisePrefix;
    /**
     * supervise/{pid,stat,status} and their *.new, as paths for system calls, made once: every restart
     * writes them twice, and that code usually runs interpreted.
     */
    final String pidNew, pidFile, statNew, statFile, statusNew, statusFile;

    int pid;
    /** The log service run in this JVM instead of as a process, or null; {@link #pid} is then this process's. */
    InProcessLogger inProcess;
    /** pidfd of {@link #pid} (the logger's done pipe for {@link #inProcess}), -1 when there is no child. */
    int pidfd = -1;
    /**
     * {@link #pid} was left running by a supervisor that died and taken over at set-up ({@link Adoption}): it
     * may not be this process's child, so its end is seen on its pidfd and its exit status may be unknown.
     */
    boolean adopted;
    /** The last spawn's exec failed: a child that exited with 111 is still to be reaped (runit's child would have). */
    boolean execFailed;
    State state = State.DOWN;
    Want want = Want.UP;
    boolean paused;
    boolean termSent;
    /** The status timestamp, and the same instant on the monotonic clock for the one-second rule. */
    Tai64n start;
    long startNanos;
    int waitStatus;
    /** {@link #waitStatus} of an adopted process whose exit status could not be collected (it was not our child). */
    static final int UNKNOWN_STATUS = -1;
    /** When an adopted process was seen to exit while its parent had not reaped it yet (System.nanoTime, never 0); 0 otherwise. */
    long exitSeenAt;
    /** Its status files have been written since the supervisor started (the first write waits for start()). */
    boolean statusWritten;

    int lockFd = -1, controlRead = -1, controlWrite = -1, okFd = -1;

    /** Readiness, down signal and stop deadlines, from s6's option files (nothing without them). */
    final ServiceExtras extras;

    Service(boolean isLog, Path dir) {
        this.isLog = isLog;
        this.dir = dir;
        this.supervisePrefix = isLog ? "log/supervise/" : "supervise/";
        String sup = dir.resolve("supervise") + "/";
        pidNew = sup + "pid.new";
        pidFile = sup + "pid";
        statNew = sup + "stat.new";
        statFile = sup + "stat";
        statusNew = sup + "status.new";
        statusFile = sup + "status";
        this.extras = new ServiceExtras(dir, isLog);
        markStart();
    }

    void markStart() {
        start = Tai64n.now();
        startNanos = System.nanoTime();
    }

    /** A child exists or is still to be reaped. */
    boolean hasChild() {
        return pid != 0 || execFailed;
    }
}
