package jrunit.runsv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.runsv.Service.Want;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;

/**
 * A service's {@code supervise/} directory as runit's runsv makes and writes it: the directory (or the
 * one a symlink names), {@code lock}, the {@code control} and {@code ok} FIFOs, and the status files
 * ({@code pid}, {@code stat}, {@code status}), each written through {@code *.new} and a rename with
 * runit's messages. The what and when of writing stays with {@link Supervisor}.
 */
final class SuperviseDirectory {
    private static final int S_IFMT = 0170000, S_IFIFO = 0010000;

    private SuperviseDirectory() {}

    /** {@code serviceDir/supervise} (mode 0700), or the directory its symlink names, as runit makes it. */
    static void make(Path serviceDir, String shownAs) throws SupervisorException {
        Path sup = serviceDir.resolve("supervise");
        try {
            Files.createDirectory(sup, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return;
        } catch (IOException | UnsupportedOperationException e) {
            // exists already, or a symlink (possibly dangling): handled below
        }
        Path target;
        try {
            target = Files.readSymbolicLink(sup);
        } catch (NotLinkException | NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new SupervisorException("unable to readlink " + shownAs + ": " + Errno.text(e));
        }
        if (target.toString().getBytes(StandardCharsets.UTF_8).length >= 256) {
            throw new SupervisorException("unable to readlink " + shownAs + ": name too long");
        }
        try {
            // a relative target is relative to the directory holding the link, as for runit
            Files.createDirectory(serviceDir.resolve(target),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            // runit ignores this too: the lock open below reports what is wrong
        }
    }

    /** {@code supervise/lock}, opened (created 0600) for flock. */
    static int openLock(Path serviceDir, String shownAs) throws SupervisorException {
        try {
            return Posix.open(serviceDir.resolve("supervise/lock").toString(),
                    Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_APPEND | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        } catch (ErrnoException e) {
            throw fatal("unable to open " + shownAs, e);
        }
    }

    /**
     * {@code supervise/control}: made if missing, {@code checked} must be a FIFO (runit 2.1.2 checks the main
     * service's for both), then opened for reading and, so that it never reports end of file, for writing.
     */
    static void openControl(Service s, Path checked, String shownAs) throws SupervisorException {
        String path = s.dir.resolve("supervise/control").toString();
        try {
            Posix.mkfifo(path, 0600);
        } catch (ErrnoException e) {
            // EEXIST is the normal case; anything else shows in the stat below
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(checked, "unix:mode");
        } catch (IOException e) {
            throw new SupervisorException("unable to stat " + shownAs + ": " + Errno.text(e));
        }
        if ((mode & S_IFMT) != S_IFIFO) throw new SupervisorException(shownAs + " exists but is not a fifo");
        try {
            s.controlRead = Posix.open(path, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            // a writer of our own, so the FIFO never reports end of file when clients come and go
            s.controlWrite = Posix.open(path, Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            throw fatal("unable to open " + shownAs, e);
        }
    }

    /** {@code supervise/ok} made if missing and openable: checked at set-up, opened for good later ({@link #openOk}). */
    static void checkOk(Path ok, String failure) throws SupervisorException {
        try {
            Posix.mkfifo(ok.toString(), 0600);
        } catch (ErrnoException e) {
            // EEXIST; anything else shows in the open
        }
        try {
            Posix.close(openOk(ok));
        } catch (ErrnoException e) {
            throw fatal(failure, e);
        }
    }

    static int openOk(Path ok) throws ErrnoException {
        return Posix.open(ok.toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
    }

    /**
     * runit's update_status: pid (if {@code writePid}), stat, status, each via *.new and rename: the same 12
     * system calls as runit (open, write, close, rename per file), each one Posix call on a path made once.
     * True if the pid file was written (runit then clears its "pid changed" flag).
     */
    static boolean writeStatus(Service s, boolean writePid, Consumer<String> warn) {
        String shown = s.supervisePrefix;
        boolean pidWritten = false;
        if (writePid) {
            byte[] text = s.pid != 0 ? (s.pid + "\n").getBytes(StandardCharsets.US_ASCII) : new byte[0];
            if (!writeNew(s.pidNew, text, shown + "pid.new", false, warn)) return false;
            if (!rename(s.pidNew, s.pidFile, shown, "pid", warn)) return false;
            pidWritten = true;
        }
        s.statusWritten = true;
        SuperviseStatus status = new SuperviseStatus(s.start, s.pid, s.paused, s.want == Want.UP ? 'u' : 'd',
                s.termSent, s.state);
        byte[] stat = status.statLine(s.want == Want.EXIT).getBytes(StandardCharsets.US_ASCII);
        if (!writeNew(s.statNew, stat, shown + "stat.new", false, warn)) return pidWritten;
        rename(s.statNew, s.statFile, shown, "stat", warn);
        if (!writeNew(s.statusNew, status.encode(), shown + "status.new", true, warn)) return pidWritten;
        rename(s.statusNew, s.statusFile, shown, "status", warn);
        return pidWritten;
    }

    /** Writes a *.new file as runit does (O_TRUNC|O_CREAT, 0644); false (after a warning) if it must not be renamed. */
    private static boolean writeNew(String file, byte[] content, String shown, boolean checked, Consumer<String> warn) {
        int fd;
        try {
            fd = Posix.open(file, Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_TRUNC | Posix.O_CREAT | Posix.O_CLOEXEC, 0644);
        } catch (ErrnoException e) {
            warn.accept("unable to open " + shown + ": " + e.text());
            return false;
        }
        int n = content.length;
        try {
            if (content.length > 0) n = Posix.write(fd, content, 0, content.length);
        } catch (ErrnoException e) {
            closeQuietly(fd);
            if (!checked) return true; // runit does not check the buffered writes of pid and stat
            warn.accept("unable to write " + shown + ": " + e.text());
            try {
                Files.deleteIfExists(Path.of(file));
            } catch (IOException ignored) {
                // as runit: nothing more to do
            }
            return false;
        }
        closeQuietly(fd);
        if (checked && n < content.length) {
            warn.accept("unable to write " + shown + ": partial write.");
            return false;
        }
        return true;
    }

    /** Renames {@code name}.new to {@code name}; runit's warning ("unable to rename pid.new to supervise/pid: …") if that fails. */
    private static boolean rename(String from, String to, String shown, String name, Consumer<String> warn) {
        try {
            Posix.rename(from, to);
            return true;
        } catch (ErrnoException e) {
            warn.accept("unable to rename " + name + ".new to " + shown + name + ": " + e.text());
            return false;
        }
    }

    private static SupervisorException fatal(String text, ErrnoException e) {
        return new SupervisorException(text + ": " + e.text());
    }

    private static void closeQuietly(int fd) {
        try {
            Posix.close(fd);
        } catch (ErrnoException e) {
            // closing is best effort here
        }
    }
}
