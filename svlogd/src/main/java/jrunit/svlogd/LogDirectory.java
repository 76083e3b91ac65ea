package jrunit.svlogd;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.Tai64n;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * One log directory as runit's svlogd keeps it: {@code lock} held with flock, {@code current}
 * (0644 while written, 0744 once closed cleanly), rotated {@code @<tai64n>.s}/{@code .u}, the
 * processor protocol ({@code .u} → processor → {@code .t} → {@code .s}, {@code state}/{@code newstate}),
 * retention by {@code n}, and disk-full handling by {@code N}.
 *
 * <p>Bytes are appended to a batch buffer and written to {@code current} by {@link #flush()}; the
 * rotation points are computed per line exactly where runit's per-line writes put them: before a
 * byte when {@code current} has reached {@code s} (cutting a line if need be), and after a line once
 * {@code current} is within the line length of {@code s}.
 *
 * <p>No failure loses data: every failing file operation is reported with runit's {@code pausing:}
 * message and retried every 3 seconds, as runit does.
 */
final class LogDirectory {
    private static final Set<PosixFilePermission> MODE_0644 = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> MODE_0744 = PosixFilePermissions.fromString("rwxr--r--");

    /** The directory as given on the command line (messages use it). */
    final String name;
    /** {@link #name} resolved against the engine's working directory: every file operation uses it. */
    private final Path dir;
    private final Diagnostics diag;
    private final long lineMax;

    LogConfig config = LogConfig.defaults();
    private boolean open;
    private int lockFd = -1;
    private FileChannel current;
    /** Bytes in {@code current}, including those still in {@link #pending}. */
    private long size;
    private final byte[] pending;
    private final ByteBuffer pendingBuffer;
    private int pendingLen;
    /** When {@code t} rotates next (System.nanoTime), if {@code config.tMax > 0}. */
    long rotateDeadline;
    /** The stderr decision of the last line ('e' selects); kept across HUP as runit keeps it. */
    byte matchErr;
    /** The last name current was renamed to: the processor's input, spared by pruning. */
    private String fnsave;
    private int processorPid;
    private int processorPidfd = -1;

    /**
     * @param workingDir what a relative {@code name} is relative to (absolute)
     * @param batch bytes collected before a write to {@code current}
     */
    LogDirectory(String name, Path workingDir, Diagnostics diag, long lineMax, int batch) {
        this.name = name;
        // "" stays "": open("") fails with ENOENT as runit's does, where resolving it would name workingDir
        this.dir = name.isEmpty() ? Path.of("") : workingDir.resolve(name);
        this.diag = diag;
        this.lineMax = lineMax;
        this.pending = new byte[batch];
        this.pendingBuffer = ByteBuffer.wrap(pending);
    }

    boolean isOpen() {
        return open;
    }

    long size() {
        return size;
    }

    // ------------------------------------------------------------------ open and close

    /** Opens and locks the directory, reads {@code config}, opens {@code current}. False (with a warning) if unusable. */
    boolean open(long nowNanos) {
        try {
            Posix.close(Posix.open(dir.toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0));
        } catch (ErrnoException e) {
            diag.warning("unable to open log directory: " + name, e.errno());
            return false;
        }
        if (!Files.isDirectory(dir)) {
            diag.warning("unable to change directory: " + name, Errno.ENOTDIR);
            return false;
        }
        try {
            lockFd = Posix.open(file("lock"), Posix.O_WRONLY | Posix.O_APPEND | Posix.O_CREAT | Posix.O_NONBLOCK
                    | Posix.O_CLOEXEC, 0600);
            Posix.flock(lockFd, Posix.LOCK_EX | Posix.LOCK_NB);
        } catch (ErrnoException e) {
            unlock();
            diag.warning("unable to lock directory: " + name, e.errno());
            return false;
        }
        size = 0;
        fnsave = null;
        processorPid = 0;
        processorPidfd = -1;
        config = LogConfig.defaults();
        try {
            byte[] text = Files.readAllBytes(dir.resolve("config"));
            diag.info("read: " + name + "/config");
            config = LogConfig.parse(text, diag::warning);
        } catch (NoSuchFileException e) {
            // no config: defaults
        } catch (IOException e) {
            diag.warning("unable to read config: " + name, Errno.of(e));
            diag.info("read: " + name + "/config");
        }
        if (config.tMax > 0) rotateDeadline = nowNanos + config.tMax * 1_000_000_000L;

        boolean append;
        Path cur = dir.resolve("current");
        try {
            PosixFileAttributes st = Files.readAttributes(cur, PosixFileAttributes.class);
            if (st.size() > 0 && !st.permissions().contains(PosixFilePermission.OWNER_EXECUTE)) {
                // not closed cleanly (svlogd was killed): keep it aside as unfinished
                fnsave = uniqueName('u');
                while (true) {
                    try {
                        Files.move(cur, dir.resolve(fnsave), StandardCopyOption.ATOMIC_MOVE);
                        break;
                    } catch (IOException e) {
                        diag.pausing("unable to rename current: " + name, Errno.of(e));
                    }
                }
                prune();
                append = false;
            } else {
                size = st.size();
                append = true;
            }
        } catch (NoSuchFileException e) {
            append = false;
        } catch (IOException e) {
            unlock();
            diag.warning("unable to stat current: " + name, Errno.of(e));
            return false;
        }
        openCurrent("unable to open current");
        diag.info((append ? "append: " : "new: ") + name + "/current");
        open = true;
        return true;
    }

    /** Writes what is buffered, fsyncs, marks {@code current} closed cleanly (0744), unlocks. */
    void close() {
        if (!open) return;
        diag.info("close: " + name);
        open = false;
        flush();
        closeCurrent();
        unlock();
    }

    /**
     * After a failure inside the engine: lets go of the descriptors and the lock without writing or
     * marking {@code current} (it stays 0644, as a crash leaves it), and forgets the processor.
     */
    void release() {
        open = false;
        pendingLen = 0;
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // closed either way
            }
            current = null;
        }
        unlock();
        processorPid = 0;
        closePidfd();
    }

    private void unlock() {
        if (lockFd >= 0) {
            try {
                Posix.close(lockFd);
            } catch (ErrnoException e) {
                // the lock goes with the descriptor either way
            }
            lockFd = -1;
        }
    }

    private void openCurrent(String failure) {
        Path cur = dir.resolve("current");
        while (true) {
            try {
                current = FileChannel.open(cur, Set.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                        StandardOpenOption.CREATE), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
                break;
            } catch (IOException e) {
                diag.pausing(failure + ": " + name, Errno.of(e));
            }
        }
        setMode(cur, MODE_0644, "unable to set mode of current");
    }

    private void closeCurrent() {
        while (true) {
            try {
                current.force(true);
                break;
            } catch (IOException e) {
                diag.pausing("unable to fsync current logfile: " + name, Errno.of(e));
            }
        }
        setMode(dir.resolve("current"), MODE_0744, "unable to set mode of current");
        try {
            current.close();
        } catch (IOException e) {
            // written and synced already
        }
        current = null;
    }

    private void setMode(Path p, Set<PosixFilePermission> mode, String failure) {
        while (true) {
            try {
                Files.setPosixFilePermissions(p, mode);
                return;
            } catch (IOException e) {
                diag.pausing(failure + ": " + name, Errno.of(e));
            }
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Appends one whole line (it ends with its newline) behind {@code stampLen} bytes of stamp and
     * the prefix: the per-line fast path.
     */
    void line(byte[] stamp, int stampLen, byte[] b, int off, int len) {
        byte[] prefix = config.prefix;
        int total = stampLen + prefix.length + len;
        long sizeMax = config.sizeMax;
        if ((sizeMax == 0 || size + total <= sizeMax) && pendingLen + total <= pending.length) {
            byte[] p = pending;
            int at = pendingLen;
            if (stampLen > 0) {
                System.arraycopy(stamp, 0, p, at, stampLen);
                at += stampLen;
            }
            if (prefix.length > 0) {
                System.arraycopy(prefix, 0, p, at, prefix.length);
                at += prefix.length;
            }
            System.arraycopy(b, off, p, at, len);
            pendingLen = at + len;
            size += total;
        } else {
            write(stamp, 0, stampLen);
            write(prefix, 0, prefix.length);
            write(b, off, len);
        }
        endLine();
    }

    /** Appends part of a line: rotates first if {@code current} is full, and cuts at the size limit as runit does. */
    void write(byte[] b, int off, int len) {
        while (len > 0) {
            int k = len;
            long sizeMax = config.sizeMax;
            if (sizeMax > 0) {
                if (size >= sizeMax) rotate();
                long room = sizeMax - size;
                if (k > room) k = (int) room;
            }
            int free = pending.length - pendingLen;
            if (free == 0) {
                flush();
                free = pending.length;
            }
            if (k > free) k = free;
            System.arraycopy(b, off, pending, pendingLen, k);
            pendingLen += k;
            size += k;
            off += k;
            len -= k;
        }
    }

    /** After a line's newline: rotate once {@code current} is within one line length of {@code s}. */
    void endLine() {
        long sizeMax = config.sizeMax;
        if (sizeMax > 0 && sizeMax >= lineMax && size >= sizeMax - lineMax) rotate();
    }

    /** Writes the batch to {@code current}; on failure pauses and retries until it is written. */
    void flush() {
        int off = 0;
        while (off < pendingLen) {
            try {
                pendingBuffer.limit(pendingLen).position(off);
                off += current.write(pendingBuffer);
            } catch (IOException e) {
                int errno = Errno.of(e);
                if (errno == Errno.ENOSPC && config.nMin < config.nMax && deleteOldestForSpace()) continue;
                diag.pausing("unable to write to current: " + name, errno);
            }
        }
        pendingLen = 0;
    }

    /** Disk full with {@code N} below {@code n}: delete the oldest old file while more than N are left. */
    private boolean deleteOldestForSpace() {
        String oldest = null;
        int count = 0;
        for (String f : oldFiles()) {
            count++;
            if (oldest == null || f.compareTo(oldest) < 0) oldest = f;
        }
        if (count <= config.nMin || oldest == null) return false;
        diag.warning("out of disk space, delete: " + name + "/" + oldest);
        try {
            Files.delete(dir.resolve(oldest));
            return true;
        } catch (IOException e) {
            diag.warning("unable to unlink oldest logfile: " + name, Errno.of(e));
            return false;
        }
    }

    /** Names of the form {@code @} + 24 hex + {@code .x} (27 bytes), any suffix. */
    private List<String> oldFiles() {
        List<String> names = new java.util.ArrayList<>();
        while (true) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                try {
                    for (Path p : ds) {
                        String f = p.getFileName().toString();
                        if (f.length() == 27 && f.charAt(0) == '@') names.add(f);
                    }
                } catch (java.nio.file.DirectoryIteratorException e) {
                    diag.warning("unable to read directory: " + name, Errno.of(e.getCause()));
                }
                return names;
            } catch (IOException e) {
                names.clear();
                diag.pausing("unable to open directory, want rotate: " + name, Errno.of(e));
            }
        }
    }

    // ------------------------------------------------------------------ rotation

    /** runit's rotate: wait for a running processor, then (if current is not empty) rename it and start anew. */
    void rotate() {
        if (!open) {
            config.tMax = 0;
            return;
        }
        while (processorPid != 0) waitProcessor();
        String next = uniqueName(config.processor != null ? 'u' : 's');
        if (config.tMax > 0 && System.nanoTime() - rotateDeadline > 0) {
            rotateDeadline = System.nanoTime() + config.tMax * 1_000_000_000L;
        }
        if (size > 0) {
            flush();
            closeCurrent();
            diag.info("rename: " + name + "/current " + next + " " + size);
            while (true) {
                try {
                    Files.move(dir.resolve("current"), dir.resolve(next), StandardCopyOption.ATOMIC_MOVE);
                    break;
                } catch (IOException e) {
                    diag.pausing("unable to rename current: " + name, Errno.of(e));
                }
            }
            fnsave = next;
            openCurrent("unable to create new current");
            size = 0;
            prune();
            startProcessor();
        }
    }

    /** An {@code @<now>.x} name that does not exist yet. */
    private String uniqueName(char suffix) {
        while (true) {
            String n = Tai64n.now() + "." + suffix;
            if (Files.notExists(dir.resolve(n))) return n;
        }
    }

    /**
     * Retention as runit 2.3.0 does it: {@code .t} leftovers are deleted; {@code .s} and {@code .u}
     * files count, and if there are more than {@code n} the oldest one (never the pending
     * processor input) is deleted. (2.1.2 counted only {@code .s}.)
     */
    private void prune() {
        String oldest = null;
        int count = 0;
        for (String f : oldFiles()) {
            if (f.charAt(26) == 't') {
                try {
                    Files.delete(dir.resolve(f));
                } catch (NoSuchFileException e) {
                    // gone already
                } catch (IOException e) {
                    diag.warning("unable to unlink processor leftover: " + f, Errno.of(e));
                }
                continue;
            }
            count++;
            boolean pendingInput = fnsave != null && fnsave.charAt(26) == 'u' && fnsave.equals(f);
            if (!pendingInput && (oldest == null || f.compareTo(oldest) < 0)) oldest = f;
        }
        if (config.nMax > 0 && count > config.nMax && oldest != null) {
            diag.info("delete: " + name + "/" + oldest);
            try {
                Files.delete(dir.resolve(oldest));
            } catch (IOException e) {
                diag.warning("unable to unlink oldest logfile: " + name, Errno.of(e));
            }
        }
    }

    // ------------------------------------------------------------------ processor

    /** The running processor's pidfd (polls readable when it exits), or -1. */
    int processorPidfd() {
        return processorPidfd;
    }

    private String file(String f) {
        return dir.resolve(f).toString();
    }

    /** Starts {@code /bin/sh -c <processor>} on {@link #fnsave}: fd 0 the .u, 1 the .t, 2 stderr, 4 state, 5 newstate. */
    private void startProcessor() {
        if (config.processor == null) return;
        if (processorPid != 0) {
            diag.warning("processor already running: " + name);
            return;
        }
        String t = fnsave.substring(0, 26) + "t";
        while (true) {
            int in = -1, out = -1, state = -1, newState = -1;
            String step = "unable to open input for processor";
            try {
                in = Posix.open(file(fnsave), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
                step = "unable to open output for processor";
                out = Posix.open(file(t), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_TRUNC | Posix.O_CREAT
                        | Posix.O_CLOEXEC, 0644);
                step = "unable to open state for processor";
                try {
                    state = Posix.open(file("state"), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.ENOENT) throw e;
                    step = "unable to create empty state for processor";
                    Posix.close(Posix.open(file("state"), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_TRUNC
                            | Posix.O_CREAT | Posix.O_CLOEXEC, 0644));
                    state = Posix.open(file("state"), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
                }
                step = "unable to open newstate for processor";
                newState = Posix.open(file("newstate"), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_TRUNC
                        | Posix.O_CREAT | Posix.O_CLOEXEC, 0644);
                step = "unable to fork for processor";
                diag.info("processing: " + name + "/" + fnsave);
                processorPid = Posix.spawn(Posix.Spawn.of("/bin/sh", List.of("sh", "-c", config.processor), in, out, 2)
                        .withFds(in, out, 2, -1, state, newState).inDirectory(dir.toString()));
                processorPidfd = Posix.pidfdOpen(processorPid);
                return;
            } catch (ErrnoException e) {
                diag.pausing(step + ": " + name, e.errno());
            } finally {
                for (int fd : new int[] {in, out, state, newState}) {
                    if (fd >= 0) {
                        try {
                            Posix.close(fd);
                        } catch (ErrnoException ignored) {
                            // the child has its own copy
                        }
                    }
                }
            }
        }
    }

    /** Blocks until the processor exits and handles its result (restarting it if it failed). */
    void waitProcessor() {
        Posix.Exited e;
        while (true) {
            try {
                e = Posix.waitpid(processorPid, 0);
                break;
            } catch (ErrnoException ex) {
                if (ex.errno() == Errno.ECHILD) {
                    e = new Posix.Exited(processorPid, 0x7f00); // lost: treat as failed, run it again
                    break;
                }
                diag.pausing("error waiting for processor: " + name, ex.errno());
            }
        }
        processorExited(e);
    }

    /** If the processor has exited, handles its result. */
    void reapProcessor() {
        if (processorPid == 0) return;
        try {
            Posix.Exited e = Posix.waitpid(processorPid, Posix.WNOHANG);
            if (e.pid() == processorPid) {
                diag.info("sigchild received.");
                processorExited(e);
            }
        } catch (ErrnoException ex) {
            // not our child any more: handled by the next blocking wait
        }
    }

    /** Forgets a running processor (HUP), returning its pid so the caller can still reap it; 0 if none. */
    int[] forgetProcessor() {
        if (processorPid == 0) return null;
        int[] p = {processorPid, processorPidfd};
        processorPid = 0;
        processorPidfd = -1;
        return p;
    }

    /**
     * runit's processor protocol on exit: success (exit 0) makes {@code .t} the new {@code .s}
     * (0744), removes the {@code .u}, and moves {@code newstate} to {@code state}; failure deletes
     * {@code .t} and runs the processor again on the same {@code .u}. A processor killed by a signal
     * counts as failed (runit 2.1.2 took it as success and could keep a truncated {@code .s}).
     */
    private void processorExited(Posix.Exited e) {
        processorPid = 0;
        closePidfd();
        String t = fnsave.substring(0, 26) + "t";
        if (!e.exitedNormally() || e.exitCode() != 0) {
            diag.warning("processor failed, restart: " + name);
            try {
                Files.deleteIfExists(dir.resolve(t));
            } catch (IOException ignored) {
                // truncated again by the next run
            }
            startProcessor();
            return;
        }
        String s = fnsave.substring(0, 26) + "s";
        while (true) {
            try {
                Files.move(dir.resolve(t), dir.resolve(s), StandardCopyOption.ATOMIC_MOVE);
                break;
            } catch (IOException ex) {
                diag.pausing("unable to rename processed: " + name, Errno.of(ex));
            }
        }
        setMode(dir.resolve(s), MODE_0744, "unable to set mode of processed");
        try {
            Files.delete(dir.resolve(fnsave));
        } catch (IOException ex) {
            diag.warning("unable to unlink: " + name + "/" + fnsave);
        }
        while (true) {
            try {
                Files.move(dir.resolve("newstate"), dir.resolve("state"), StandardCopyOption.ATOMIC_MOVE);
                break;
            } catch (IOException ex) {
                diag.pausing("unable to rename state: " + name, Errno.of(ex));
            }
        }
        diag.info("processed: " + name + "/" + s);
    }

    private void closePidfd() {
        if (processorPidfd >= 0) {
            try {
                Posix.close(processorPidfd);
            } catch (ErrnoException ignored) {
                // closed either way
            }
            processorPidfd = -1;
        }
    }

    boolean processorRunning() {
        return processorPid != 0;
    }
}
