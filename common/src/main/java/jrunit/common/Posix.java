package jrunit.common;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The one place where jrunit talks to the kernel: every system call the tools need, through the
 * JDK's Foreign Function &amp; Memory API, with errno captured and thrown as {@link ErrnoException}.
 *
 * <p>Linux/glibc (x86_64, aarch64). Every C function is called through one downcall shape, linked at
 * the first native call (a tool that makes none never starts the linker): the JVM generates code for
 * every distinct shape it links, which a short-lived tool such as chpst pays at every start. Kernel
 * calls go through glibc's {@code syscall(2)}; glibc's own functions are kept only where they do more
 * than the kernel (posix_spawn, the set*id family, NSS lookups).
 *
 * <p>open, write and close go through the JDK's own natives instead when the JVM allows it
 * ({@link JdkFileNatives}: sv's start-up).
 *
 * <p>Everything else in jrunit (status codec, TAI64N, parsing, state machines) is plain Java.
 */
public final class Posix {
    private Posix() {}

    // open(2) flags (asm-generic, as on x86_64 and aarch64)
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
    public static final int O_CREAT = 0100, O_EXCL = 0200, O_NOCTTY = 0400, O_TRUNC = 01000,
            O_APPEND = 02000, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
    public static final int O_DIRECTORY = isAarch64() ? 040000 : 0200000;

    public static final int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    public static final int WNOHANG = 1;
    public static final int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4,
            F_DUPFD_CLOEXEC = 1030, FD_CLOEXEC = 1;
    public static final short POLLIN = 1, POLLPRI = 2, POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10, POLLNVAL = 0x20;

    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGABRT = 6, SIGKILL = 9,
            SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15,
            SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGXFSZ = 25;
    /** Highest signal number on Linux (SIGRTMAX). */
    public static final int NSIG_MAX = 64;

    public static final int RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4,
            RLIMIT_RSS = 5, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9;
    /** RLIM_INFINITY as Java sees it (the kernel's all-ones value). */
    public static final long RLIM_INFINITY = -1L;

    public static final int PR_SET_NAME = 15, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37;
    public static final int PRIO_PROCESS = 0;

    // posix_spawn attribute flags (glibc)
    private static final short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04,
            POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;

    // ---------------------------------------------------------------- files and descriptors

    /** open(2). Returns the descriptor. */
    public static int open(String path, int flags, int mode) throws ErrnoException {
        if (JdkFileNatives.AVAILABLE && JdkFileNatives.sameBytes(path)) return JdkFileNatives.open(path, flags, mode);
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            return (int) check(sys(st, SYS_OPENAT, AT_FDCWD, a.cString(path).address(), flags, mode, 0, 0), st, "open");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    public static void close(int fd) throws ErrnoException {
        if (JdkFileNatives.AVAILABLE) JdkFileNatives.close(fd);
        else kernel(SYS_CLOSE, fd, 0, 0, "close");
    }

    /** read(2) into {@code buf[off..off+len)}. Returns 0 at end of file; EAGAIN is thrown. */
    public static int read(int fd, byte[] buf, int off, int len) throws ErrnoException {
        java.util.Objects.checkFromIndexSize(off, len, buf.length);
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment seg = a.allocateUninitialised(Math.max(1, len));
            long n = sys(st, SYS_READ, fd, seg.address(), len);
            check(n, st, "read");
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, buf, off, (int) n);
            return (int) n;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /**
     * tee(2): copies up to {@code len} bytes from the pipe {@code in} into the pipe {@code out} without
     * consuming them. Returns the count (0: {@code in} is empty and has no writer left).
     */
    public static int tee(int in, int out, int len, boolean nonBlocking) throws ErrnoException {
        return (int) kernel(SYS_TEE, in, out, len, nonBlocking ? SPLICE_F_NONBLOCK : 0, "tee");
    }

    /** write(2) from {@code buf[off..off+len)}. Returns the count written (may be short). */
    public static int write(int fd, byte[] buf, int off, int len) throws ErrnoException {
        if (JdkFileNatives.AVAILABLE) return JdkFileNatives.write(fd, java.util.Arrays.copyOfRange(buf, off, off + len));
        java.util.Objects.checkFromIndexSize(off, len, buf.length);
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment seg = a.allocateUninitialised(Math.max(1, len));
            MemorySegment.copy(buf, off, seg, ValueLayout.JAVA_BYTE, 0, len);
            long n = sys(st, SYS_WRITE, fd, seg.address(), len);
            return (int) check(n, st, "write");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /** pipe2(2): {@code [readEnd, writeEnd]}. */
    public static int[] pipe(int flags) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            check(sys(st, SYS_PIPE2, fds.address(), flags, 0), st, "pipe2");
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    public static void mkfifo(String path, int mode) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            check(sys(st, SYS_MKNODAT, AT_FDCWD, a.cString(path).address(), S_IFIFO | mode, 0, 0, 0), st, "mkfifo");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /** mkdir(2): {@code mode} less the umask, as the kernel applies it. */
    public static void mkdir(String path, int mode) throws ErrnoException {
        kernelAt(SYS_MKDIRAT, path, mode, 0, 0, "mkdir");
    }

    /**
     * rename(2) (renameat2 with no flags): atomically replaces {@code to}. One downcall, where
     * {@code Files.move(..., ATOMIC_MOVE)} runs a few hundred bytecodes of NIO around the same system call
     * (what a supervisor's status write does six times per restart, usually interpreted).
     */
    public static void rename(String from, String to) throws ErrnoException {
        Scratch arena = Scratch.get();
        long mark = arena.mark();
        try {
            MemorySegment st = arena.errnoSlot();
            check(sys(st, SYS_RENAMEAT2, AT_FDCWD, arena.cString(from).address(), AT_FDCWD,
                    arena.cString(to).address(), 0, 0), st, "rename");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            arena.release(mark);
        }
    }

    /**
     * Whether {@code path} exists, following symbolic links, as stat(2) would answer (faccessat F_OK: the same
     * path walk, no stat buffer, and one call where {@code File.exists} plus a symbolic-link check take two
     * and an exception): true if it exists, false for ENOENT (a dangling link included); any other failure
     * (ELOOP, ENOTDIR, EACCES on the way) is thrown, for runit's "unable to stat". The walk is checked with the
     * real ids (faccessat), which are the effective ones in a supervisor.
     */
    public static boolean exists(String path) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            long r = sys(st, SYS_FACCESSAT, AT_FDCWD, a.cString(path).address(), 0 /* F_OK */);
            if (r == 0) return true;
            if (errno(st) == Errno.ENOENT) return false;
            throw new ErrnoException("stat", errno(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /** chmod(2), through a symbolic link (the kernel cannot change a link's own mode). */
    public static void chmod(String path, int mode) throws ErrnoException {
        kernelAt(SYS_FCHMODAT, path, mode, 0, 0, "chmod");
    }

    /** chown(2), or lchown(2) if not {@code followLinks}; -1 leaves that id as it is. */
    public static void chown(String path, int uid, int gid, boolean followLinks) throws ErrnoException {
        kernelAt(SYS_FCHOWNAT, path, uid & 0xffffffffL, gid & 0xffffffffL, followLinks ? 0 : AT_SYMLINK_NOFOLLOW, "chown");
    }

    /** flock(2): BSD whole-file locks, the kind runit uses (Java's FileChannel.lock is fcntl and does not exclude them). */
    public static void flock(int fd, int operation) throws ErrnoException {
        kernel(SYS_FLOCK, fd, operation, 0, "flock");
    }

    /** fcntl(2) with an int argument (F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC…). */
    public static int fcntl(int fd, int cmd, int arg) throws ErrnoException {
        return (int) kernel(SYS_FCNTL, fd, cmd, arg, "fcntl");
    }

    public static void setNonBlocking(int fd, boolean on) throws ErrnoException {
        int fl = fcntl(fd, F_GETFL, 0);
        fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
    }

    public static void setCloseOnExec(int fd, boolean on) throws ErrnoException {
        fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0);
    }

    public static void fsync(int fd) throws ErrnoException {
        kernel(SYS_FSYNC, fd, 0, 0, "fsync");
    }

    public static void fchmod(int fd, int mode) throws ErrnoException {
        kernel(SYS_FCHMOD, fd, mode, 0, "fchmod");
    }

    public static void fchdir(int fd) throws ErrnoException {
        kernel(SYS_FCHDIR, fd, 0, 0, "fchdir");
    }

    /** chdir(2) changes the whole process's directory: only for tools that exec next (chpst). */
    public static void chdir(String path) throws ErrnoException {
        kernelPath(SYS_CHDIR, path, "chdir");
    }

    public static void chroot(String path) throws ErrnoException {
        kernelPath(SYS_CHROOT, path, "chroot");
    }

    /** umask(2); returns the previous mask. */
    public static int umask(int mask) {
        return (int) kernelInfallible(SYS_UMASK, mask);
    }

    /**
     * poll(2) on {@code fds} for {@code events}; fills {@code revents}. Returns the number of ready
     * descriptors, 0 on timeout. EINTR is returned as 0 (callers re-check their state and poll again).
     */
    public static int poll(int[] fds, short[] events, short[] revents, int timeoutMillis) throws ErrnoException {
        int n = fds.length;
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment pfd = a.allocate(8L * Math.max(1, n), 8);
            for (int i = 0; i < n; i++) {
                pfd.set(JAVA_INT, 8L * i, fds[i]);
                pfd.set(JAVA_SHORT, 8L * i + 4, events[i]);
                pfd.set(JAVA_SHORT, 8L * i + 6, (short) 0);
            }
            MemorySegment timeout = MemorySegment.NULL; // ppoll: aarch64 has no poll(2)
            if (timeoutMillis >= 0) {
                timeout = a.allocate(JAVA_LONG, 2);
                timeout.setAtIndex(JAVA_LONG, 0, timeoutMillis / 1000);
                timeout.setAtIndex(JAVA_LONG, 1, (timeoutMillis % 1000) * 1_000_000L);
            }
            int r = (int) sys(st, SYS_PPOLL, pfd.address(), n, timeout.address(), 0, 0, 0);
            if (r < 0 && errno(st) == Errno.EINTR) {
                java.util.Arrays.fill(revents, 0, n, (short) 0);
                return 0;
            }
            check(r, st, "poll");
            for (int i = 0; i < n; i++) revents[i] = pfd.get(JAVA_SHORT, 8L * i + 6);
            return r;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    // ---------------------------------------------------------------- processes

    public static int getpid() {
        return (int) kernelInfallible(SYS_GETPID, 0);
    }

    public static int getuid() {
        return (int) kernelInfallible(SYS_GETUID, 0);
    }

    public static int geteuid() {
        return (int) kernelInfallible(SYS_GETEUID, 0);
    }

    public static int setsid() throws ErrnoException {
        return (int) kernel(SYS_SETSID, 0, 0, 0, "setsid");
    }

    public static void kill(int pid, int signal) throws ErrnoException {
        kernel(SYS_KILL, pid, signal, 0, "kill");
    }

    /** The result of one {@link #waitpid}: {@code pid} 0 means nothing was ready (WNOHANG). */
    public record Exited(int pid, int status) {
        public boolean exitedNormally() { return (status & 0x7f) == 0; }
        public int exitCode() { return (status >> 8) & 0xff; }
        public boolean signaled() { int t = status & 0x7f; return t != 0 && t != 0x7f; }
        public int termSignal() { return status & 0x7f; }
        public boolean coreDumped() { return (status & 0x80) != 0; }
    }

    /** waitpid(2). With WNOHANG, {@code Exited.pid()} is 0 when no child has changed state; ECHILD is thrown. */
    public static Exited waitpid(int pid, int options) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment status = a.allocate(JAVA_INT);
            int r;
            do {
                r = (int) sys(st, SYS_WAIT4, pid, status.address(), options, 0, 0, 0);
            } while (r < 0 && errno(st) == Errno.EINTR);
            check(r, st, "waitpid");
            return new Exited(r, r == 0 ? 0 : status.get(JAVA_INT, 0));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /**
     * pidfd_open(2): a descriptor that polls readable when the process exits. This is how the
     * daemons learn of a child's death without SIGCHLD (which a JVM cannot safely handle).
     * The descriptor is close-on-exec.
     */
    public static int pidfdOpen(int pid) throws ErrnoException {
        return (int) kernel(SYS_PIDFD_OPEN, pid, 0, 0, "pidfd_open");
    }

    /**
     * pidfd_send_signal(2): {@code signal} to the process {@code pidfd} refers to, never to another that got
     * its pid since it exited (ESRCH then). For processes that are not this process's children, whose pid
     * is not held by a zombie until we reap it.
     */
    public static void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        kernel(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, "pidfd_send_signal");
    }

    /**
     * The wait status of the process {@code pidfd} refers to, from the kernel's record of its exit (ioctl
     * PIDFD_GET_INFO asking for PIDFD_INFO_EXIT, Linux 6.15). The kernel keeps it once the process's parent
     * has reaped it, so it serves a process that is not our child. Null while it is not reaped yet; thrown
     * (ENOTTY, EINVAL, ESRCH) where the kernel keeps no such record.
     */
    public static Integer pidfdExitStatus(int pidfd) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment info = a.allocate(PIDFD_INFO_SIZE, 8);
            info.set(JAVA_LONG, 0, PIDFD_INFO_EXIT);
            check(sys(st, SYS_IOCTL, pidfd, PIDFD_GET_INFO, info.address()), st, "ioctl PIDFD_GET_INFO");
            if ((info.get(JAVA_LONG, 0) & PIDFD_INFO_EXIT) == 0) return null;
            return info.get(JAVA_INT, PIDFD_INFO_EXIT_CODE);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /** prctl(2) with one integer argument. */
    public static int prctl(int option, long arg) throws ErrnoException {
        return (int) kernel(SYS_PRCTL, option, arg, 0, "prctl");
    }

    /**
     * How to start a child: the program (an absolute or cwd-relative path; with {@code searchPath}
     * a bare name is looked up in PATH as execvp does), its argv, its environment ({@code null} = the
     * caller's own, unchanged), its working directory ({@code null} = the caller's), and its
     * descriptors: child descriptor {@code i} becomes a copy of the caller's {@code fds[i]}
     * ({@code -1}: left closed). Every other descriptor is closed in the child.
     *
     * <p>The child always starts with an empty signal mask and every signal at its default action:
     * a JVM blocks some signals (SIGQUIT) and installs handlers that must not leak into services.
     */
    public record Spawn(String program, List<String> argv, List<String> env, String cwd, int[] fds,
                        boolean searchPath, boolean newSession, boolean newProcessGroup) {
        public Spawn {
            argv = List.copyOf(argv);
            env = env == null ? null : List.copyOf(env);
            fds = fds.clone();
        }

        /** The common case: inherit environment and cwd, given stdin/stdout/stderr. */
        public static Spawn of(String program, List<String> argv, int stdin, int stdout, int stderr) {
            return new Spawn(program, argv, null, null, new int[] {stdin, stdout, stderr}, false, false, false);
        }

        public Spawn inDirectory(String dir) {
            return new Spawn(program, argv, env, dir, fds, searchPath, newSession, newProcessGroup);
        }

        public Spawn withEnv(List<String> environment) {
            return new Spawn(program, argv, environment, cwd, fds, searchPath, newSession, newProcessGroup);
        }

        public Spawn withFds(int... descriptors) {
            return new Spawn(program, argv, env, cwd, descriptors, searchPath, newSession, newProcessGroup);
        }

        public Spawn searchingPath() {
            return new Spawn(program, argv, env, cwd, fds, true, newSession, newProcessGroup);
        }

        public Spawn inNewSession() {
            return new Spawn(program, argv, env, cwd, fds, searchPath, true, newProcessGroup);
        }

        public Spawn inNewProcessGroup() {
            return new Spawn(program, argv, env, cwd, fds, searchPath, newSession, true);
        }
    }

    /**
     * posix_spawn(3) (glibc: clone(CLONE_VFORK) + exec, no Java code runs in the child).
     * Returns the child's pid. If the program cannot be executed the error is thrown here
     * (glibc reports exec failures to the parent and reaps that child itself), so the caller must
     * not be reaping with waitpid(-1) in another thread at the same time: spawn and reap from one thread.
     */
    public static int spawn(Spawn s) throws ErrnoException {
        int[] fds = s.fds();
        int n = fds.length;
        // Child descriptor i becomes a copy of fds[i], by dup2 actions in the order 0, 1, …: a source below
        // its target (fds[i] < i) would be overwritten (or closed) by an earlier action, so those alone are
        // first duplicated above the target range. Any other source is still intact at its turn; a source
        // that is its own target (the usual 0, 1, 2) is kept by dup2(i, i), which glibc (since 2.29) turns
        // into clearing close-on-exec, as dup2 clears it on a copy.
        int[] temps = null;
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            for (int i = 0; i < n; i++) {
                if (fds[i] >= 0 && fds[i] < i) {
                    if (temps == null) {
                        temps = new int[n];
                        java.util.Arrays.fill(temps, -1);
                    }
                    temps[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, Math.max(n, 10));
                }
            }
            MemorySegment st = a.errnoSlot(); // unused: these functions return their error
            MemorySegment fa = temps == null ? a.fileActions(fds, s.cwd()) : null;
            boolean own = fa == null;
            if (own) fa = fileActions(a.allocate(FILE_ACTIONS_SIZE, 8), st, fds, temps, s.cwd(), a);
            try {
                MemorySegment attr = attributes(s.newSession() ? 1 : s.newProcessGroup() ? 2 : 0);
                MemorySegment argv = a.cStringArray(s.argv());
                MemorySegment envp = s.env() == null ? environ() : a.cStringArray(s.env());
                MemorySegment pid = a.allocate(JAVA_INT);
                MemorySegment prog = a.cString(s.program());
                int rc = callInt(s.searchPath() && s.program().indexOf('/') < 0 ? Ffm.SPAWNP : Ffm.SPAWN, st,
                        pid.address(), prog.address(), fa.address(), attr.address(), argv.address(), envp.address());
                if (rc != 0) throw new ErrnoException("posix_spawn " + s.program(), rc);
                return pid.get(JAVA_INT, 0);
            } finally {
                if (own) callInt(Ffm.FA_DESTROY, st, fa.address(), 0, 0, 0, 0, 0);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
            if (temps != null) {
                for (int t : temps) {
                    if (t >= 0) {
                        try {
                            close(t);
                        } catch (ErrnoException ignored) {
                            // nothing to do: the duplicate is gone either way
                        }
                    }
                }
            }
        }
    }

    /**
     * Fills {@code fa} (posix_spawn_file_actions_t) with: child descriptor i a copy of {@code temps[i]} if
     * that is set, else of {@code fds[i]} (closed for -1); every descriptor from {@code fds.length} up closed;
     * then a chdir to {@code cwd} if not null. {@code fa} must be destroyed by the caller.
     */
    private static MemorySegment fileActions(MemorySegment fa, MemorySegment st, int[] fds, int[] temps, String cwd,
                                             Scratch a) throws Throwable {
        int n = fds.length;
        int rc = callInt(Ffm.FA_INIT, st, fa.address(), 0, 0, 0, 0, 0);
        if (rc != 0) throw new ErrnoException("posix_spawn_file_actions_init", rc);
        try {
            for (int i = 0; i < n; i++) {
                int from = temps != null && temps[i] >= 0 ? temps[i] : fds[i];
                if (from >= 0) rc = callInt(Ffm.FA_DUP2, st, fa.address(), from, i, 0, 0, 0);
                else rc = callInt(Ffm.FA_CLOSE, st, fa.address(), i, 0, 0, 0, 0);
                if (rc != 0) throw new ErrnoException("posix_spawn_file_actions_adddup2", rc);
            }
            rc = callInt(Ffm.FA_CLOSEFROM, st, fa.address(), n, 0, 0, 0, 0);
            if (rc != 0) throw new ErrnoException("posix_spawn_file_actions_addclosefrom_np", rc);
            if (cwd != null) {
                long mark = a.mark();
                try {
                    // glibc copies the path into the actions
                    rc = callInt(Ffm.FA_CHDIR, st, fa.address(), a.cString(cwd).address(), 0, 0, 0, 0);
                } finally {
                    a.release(mark);
                }
                if (rc != 0) throw new ErrnoException("posix_spawn_file_actions_addchdir_np", rc);
            }
            return fa;
        } catch (Throwable t) {
            callInt(Ffm.FA_DESTROY, st, fa.address(), 0, 0, 0, 0, 0);
            throw t;
        }
    }

    /** posix_spawn attributes by kind (0 plain, 1 new session, 2 new process group), made once per process. */
    private static final MemorySegment[] SPAWN_ATTRIBUTES = new MemorySegment[3];

    /**
     * The attributes every child gets: an empty signal mask and every signal default, plus a new session or
     * process group by {@code kind}. Made once (posix_spawn only reads them, from any thread) and never destroyed:
     * glibc's attributes hold no memory of their own.
     */
    private static synchronized MemorySegment attributes(int kind) throws Throwable {
        MemorySegment attr = SPAWN_ATTRIBUTES[kind];
        if (attr != null) return attr;
        Arena a = Arena.global();
        attr = a.allocate(SPAWNATTR_SIZE, 8);
        MemorySegment st = a.allocate(Ffm.CALL_STATE);
        int rc = callInt(Ffm.ATTR_INIT, st, attr.address(), 0, 0, 0, 0, 0);
        if (rc != 0) throw new ErrnoException("posix_spawnattr_init", rc);
        MemorySegment empty = a.allocate(SIGSET_SIZE, 8); // allocate() zeroes: the empty set
        MemorySegment all = a.allocate(SIGSET_SIZE, 8);
        // Every signal 1..64, glibc's internal 32 and 33 included: sigfillset leaves those out,
        // and posix_spawn then sets them to SIG_IGN in the child, which survives exec.
        all.set(JAVA_LONG, 0, -1L);
        rc |= callInt(Ffm.ATTR_SETSIGMASK, st, attr.address(), empty.address(), 0, 0, 0, 0);
        rc |= callInt(Ffm.ATTR_SETSIGDEFAULT, st, attr.address(), all.address(), 0, 0, 0, 0);
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (kind == 1) flags |= POSIX_SPAWN_SETSID;
        if (kind == 2) {
            flags |= POSIX_SPAWN_SETPGROUP;
            rc |= callInt(Ffm.ATTR_SETPGROUP, st, attr.address(), 0, 0, 0, 0, 0);
        }
        rc |= callInt(Ffm.ATTR_SETFLAGS, st, attr.address(), flags, 0, 0, 0, 0);
        if (rc != 0) throw new ErrnoException("posix_spawnattr", Errno.EINVAL);
        SPAWN_ATTRIBUTES[kind] = attr;
        return attr;
    }

    /**
     * Makes the process state clean for the program execve(2) starts next: every descriptor from 3 up
     * close-on-exec except {@code keepFds}, an empty signal mask on this thread, every ignored
     * signal back to default (caught ones revert by themselves).
     */
    private static void prepareExec(Arena a, int[] keepFds) throws Throwable {
        MemorySegment st = errnoSlot(a);
        // close_range(3, ~0, CLOSE_RANGE_CLOEXEC): the JVM holds jars and sockets without close-on-exec.
        check(sys(st, SYS_CLOSE_RANGE, 3, 0xffffffffL, 4 /* CLOSE_RANGE_CLOEXEC */), st, "close_range");
        for (int fd : keepFds) setCloseOnExec(fd, false);
        setSignalMask(st, 0L);
        // Caught signals revert to default at exec by themselves; ignored ones would not.
        MemorySegment old = a.allocate(KERNEL_SIGACTION_SIZE, 8);
        MemorySegment dfl = a.allocate(KERNEL_SIGACTION_SIZE, 8); // zeroed: SIG_DFL, no flags, empty mask
        for (int sig = 1; sig <= NSIG_MAX; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33) continue;
            if (sys(st, SYS_RT_SIGACTION, sig, 0, old.address(), 8, 0, 0) != 0) continue;
            if (old.get(JAVA_LONG, 0) == 1L /* SIG_IGN */) sys(st, SYS_RT_SIGACTION, sig, dfl.address(), 0, 8, 0, 0);
        }
    }

    // ---------------------------------------------------------------- identity and limits

    // The set*id calls stay glibc's: the kernel changes only the calling thread's credentials, and
    // glibc applies the change to every thread of the JVM.

    public static void setgroups(int[] gids) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment list = a.allocate(JAVA_INT, Math.max(1, gids.length));
            for (int i = 0; i < gids.length; i++) list.setAtIndex(JAVA_INT, i, gids[i]);
            check(callInt(Ffm.SETGROUPS, st, gids.length, list.address(), 0, 0, 0, 0), st, "setgroups");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /**
     * The calling thread's credentials only: the kernel's setgroups, setresgid and setresuid (in that
     * order), not glibc's, which apply them to every thread of the process. For a thread of its own
     * that must act as another user (an in-process logger that a script ran as {@code chpst -u}): its
     * file operations, and the children it spawns (clone copies the caller's credentials), get exactly
     * that user's rights, while the rest of the process keeps its own. All three ids are set (real,
     * effective, saved), so the thread cannot take root back. Needs CAP_SETUID/CAP_SETGID.
     */
    public static void dropThreadCredentials(int uid, int[] gids) throws ErrnoException {
        if (gids.length == 0) throw new IllegalArgumentException("no group");
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment list = a.allocate(JAVA_INT, gids.length);
            for (int i = 0; i < gids.length; i++) list.setAtIndex(JAVA_INT, i, gids[i]);
            check(sys(st, SYS_SETGROUPS, gids.length, list.address(), 0), st, "setgroups");
            check(sys(st, SYS_SETRESGID, gids[0], gids[0], gids[0]), st, "setgid");
            check(sys(st, SYS_SETRESUID, uid, uid, uid), st, "setuid");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /** The calling thread's id (as in /proc/PID/task/TID). */
    public static int gettid() {
        return (int) kernelInfallible(SYS_GETTID, 0);
    }

    public static void setgid(int gid) throws ErrnoException {
        setid(Ffm.SETGID, gid, "setgid");
    }

    public static void setuid(int uid) throws ErrnoException {
        setid(Ffm.SETUID, uid, "setuid");
    }

    private static void setid(MemorySegment fn, int id, String name) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            check(callInt(fn, st, id, 0, 0, 0, 0, 0), st, name);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /** getpriority(PRIO_PROCESS, 0) as the nice value (-20..19). */
    public static int getNice() throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            // the kernel's getpriority answers 20 - nice (1..40), so no result is ambiguous with an error
            return 20 - (int) check(sys(st, SYS_GETPRIORITY, PRIO_PROCESS, 0, 0), st, "getpriority");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    public static void setNice(int value) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            check(sys(st, SYS_SETPRIORITY, PRIO_PROCESS, 0, value), st, "setpriority");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /** getrlimit(2): {@code [soft, hard]}; {@link #RLIM_INFINITY} for unlimited. */
    public static long[] getrlimit(int resource) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment lim = a.allocate(JAVA_LONG, 2);
            check(sys(st, SYS_PRLIMIT64, 0, resource, 0, lim.address(), 0, 0), st, "getrlimit");
            return new long[] {lim.getAtIndex(JAVA_LONG, 0), lim.getAtIndex(JAVA_LONG, 1)};
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    public static void setrlimit(int resource, long soft, long hard) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            MemorySegment lim = a.allocate(JAVA_LONG, 2);
            lim.setAtIndex(JAVA_LONG, 0, soft);
            lim.setAtIndex(JAVA_LONG, 1, hard);
            check(setrlimitCall(st, resource, lim), st, "setrlimit");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /** A password-file entry, from getpwnam(3) (so NSS applies, as for runit). */
    public record Passwd(String name, int uid, int gid, String home, String shell) {}

    /** A group-file entry, from getgrnam(3). */
    public record Group(String name, int gid, List<String> members) {}

    /** getpwnam(3); {@code null} if there is no such user; an error reading the database is thrown. */
    public static Passwd getpwnam(String name) throws ErrnoException {
        MemorySegment p = lookUp(Ffm.GETPWNAM_R, name, 48, "getpwnam");
        return p == null ? null : new Passwd(cString(p.get(ADDRESS, 0)), p.get(JAVA_INT, 16), p.get(JAVA_INT, 20),
                cString(p.get(ADDRESS, 32)), cString(p.get(ADDRESS, 40)));
    }

    /** getgrnam(3); {@code null} if there is no such group. */
    public static Group getgrnam(String name) throws ErrnoException {
        MemorySegment g = lookUp(Ffm.GETGRNAM_R, name, 32, "getgrnam");
        if (g == null) return null;
        List<String> members = new java.util.ArrayList<>();
        MemorySegment mem = g.get(ADDRESS, 24).reinterpret(Long.MAX_VALUE);
        for (long i = 0; ; i++) {
            MemorySegment m = mem.getAtIndex(ADDRESS, i);
            if (m.equals(MemorySegment.NULL)) break;
            members.add(cString(m));
        }
        return new Group(cString(g.get(ADDRESS, 0)), g.get(JAVA_INT, 16), members);
    }

    /**
     * getpwnam_r(3) or getgrnam_r(3): the entry (a struct of {@code size} bytes, its strings in a buffer
     * of the global arena: a handful of lookups per process), or {@code null} if there is none. The
     * re-entrant forms return their error, where getpwnam(3) leaves "none" and "failed" to errno.
     */
    private static MemorySegment lookUp(MemorySegment fn, String name, long size, String what) throws ErrnoException {
        try {
            Arena a = Arena.ofAuto();
            MemorySegment entry = a.allocate(size, 8), result = a.allocate(ADDRESS), key = a.allocateFrom(name);
            for (long bufSize = 1024; ; bufSize *= 4) {
                MemorySegment buf = a.allocate(bufSize);
                int rc = callInt(fn, a.allocate(Ffm.CALL_STATE), key.address(), entry.address(), buf.address(), bufSize,
                        result.address(), 0);
                if (rc == Errno.ERANGE && bufSize < (1L << 26)) continue;
                if (rc == 0 && !result.get(ADDRESS, 0).equals(MemorySegment.NULL)) return entry;
                if (rc == 0 || rc == Errno.ENOENT || rc == Errno.ESRCH || rc == Errno.EBADF || rc == Errno.EPERM) return null;
                throw new ErrnoException(what, rc);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /**
     * The last step of chpst, as one native sequence: the JVM runs no Java code that could need
     * memory once the limits are lowered. Makes the process state clean (descriptors, mask, dispositions), then
     * sets the soft limits {@code limits} (triples: resource, soft, hard), sets the caller's signal
     * state ({@code ignored} signals to SIG_IGN, {@code blocked} as the mask; bit n-1 stands for
     * signal n), and executes the first of {@code paths} that can be executed, as runit's pathexec
     * searches PATH: ENOENT tries the next path, EACCES/EPERM/EISDIR are remembered and the next is
     * tried, any other error ends the search; the error returned is the remembered one, else the last.
     * Everything is passed byte for byte ({@code env == null}: this process's own environment).
     * Returns only on failure, after putting the limits and the signal mask back; the exception's
     * message starts with "setrlimit" if a limit could not be set, else with "execve".
     */
    public static ErrnoException execve(List<byte[]> paths, List<byte[]> argv, List<byte[]> env, long blocked, long ignored,
                                        long[] limits, int... keepFds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = errnoSlot(a);
            MemorySegment envp = env == null ? environ() : cBytesArray(a, env);
            MemorySegment argvp = cBytesArray(a, argv);
            MemorySegment[] files = new MemorySegment[paths.size()];
            for (int i = 0; i < files.length; i++) files[i] = cBytes(a, paths.get(i));
            MemorySegment ign = a.allocate(KERNEL_SIGACTION_SIZE, 8);
            ign.set(JAVA_LONG, 0, 1L); // SIG_IGN, no flags, empty mask
            int n = limits.length / 3;
            MemorySegment newLimits = a.allocate(JAVA_LONG, 2L * Math.max(1, n));
            MemorySegment oldLimits = a.allocate(JAVA_LONG, 2L * Math.max(1, n));
            for (int i = 0; i < n; i++) {
                check(sys(st, SYS_PRLIMIT64, 0, limits[3 * i], 0, oldLimits.asSlice(16L * i, 16).address(), 0, 0), st, "getrlimit");
                newLimits.setAtIndex(JAVA_LONG, 2L * i, limits[3 * i + 1]);
                newLimits.setAtIndex(JAVA_LONG, 2L * i + 1, limits[3 * i + 2]);
            }
            // Run every call site once while memory is plentiful: a failing execve of "" (ENOENT) and a no-op setrlimit.
            execveCall(st, cBytes(a, new byte[0]), argvp, envp);
            if (errno(st) != Errno.ENOENT) throw new ErrnoException("execve", errno(st));
            if (n > 0) setrlimitCall(st, (int) limits[0], oldLimits.asSlice(0, 16));
            prepareExec(a, keepFds);
            for (int sig = 1; sig <= NSIG_MAX; sig++) {
                if ((ignored & (1L << (sig - 1))) == 0 || sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33) continue;
                sys(st, SYS_RT_SIGACTION, sig, ign.address(), 0, 8, 0, 0);
            }
            long oldMask = setSignalMask(st, blocked);
            for (int i = 0; i < n; i++) {
                if (setrlimitCall(st, (int) limits[3 * i], newLimits.asSlice(16L * i, 16)) != 0) {
                    ErrnoException e = new ErrnoException("setrlimit", errno(st));
                    setSignalMask(st, oldMask);
                    for (int j = i - 1; j >= 0; j--) setrlimitCall(st, (int) limits[3 * j], oldLimits.asSlice(16L * j, 16));
                    return e;
                }
            }
            int errno = Errno.ENOENT, saved = 0;
            for (MemorySegment file : files) {
                execveCall(st, file, argvp, envp);
                errno = errno(st);
                if (errno == Errno.ENOENT) continue;
                saved = errno;
                if (errno != Errno.EACCES && errno != Errno.EPERM && errno != Errno.EISDIR) break;
            }
            setSignalMask(st, oldMask);
            for (int j = n - 1; j >= 0; j--) setrlimitCall(st, (int) limits[3 * j], oldLimits.asSlice(16L * j, 16));
            return new ErrnoException("execve", saved != 0 ? saved : errno);
        } catch (ErrnoException e) {
            return e;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    private static void execveCall(MemorySegment st, MemorySegment file, MemorySegment argv, MemorySegment envp) throws Throwable {
        sys(st, SYS_EXECVE, file.address(), argv.address(), envp.address());
    }

    private static long setrlimitCall(MemorySegment st, int resource, MemorySegment limit) throws Throwable {
        return sys(st, SYS_PRLIMIT64, 0, resource, limit.address(), 0, 0, 0);
    }

    /**
     * rt_sigprocmask(SIG_SETMASK) on this thread; returns the previous mask (bit n-1 is signal n).
     * glibc's internal signals 32 and 33 are left out, as pthread_sigmask(3) leaves them out.
     */
    private static long setSignalMask(MemorySegment st, long mask) throws Throwable {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment set = a.allocate(JAVA_LONG), old = a.allocate(JAVA_LONG);
            set.set(JAVA_LONG, 0, mask & ~(3L << 31));
            check(sys(st, SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, set.address(), old.address(), 8, 0, 0), st, "rt_sigprocmask");
            return old.get(JAVA_LONG, 0);
        } finally {
            a.release(mark);
        }
    }

    /**
     * The names in a directory as raw bytes, in the order readdir(3) gives them ("." and ".."
     * included): getdents64 on {@code dirFd}, a descriptor opened with O_DIRECTORY. Raw bytes because
     * the JDK decodes file names with the locale's charset and loses non-ASCII names under LANG=C.
     */
    public static List<byte[]> readDirectory(int dirFd) throws ErrnoException {
        Scratch a = Scratch.get();
        long mark = a.mark();
        try {
            MemorySegment st = a.errnoSlot();
            long size = 32768;
            MemorySegment buf = a.allocateUninitialised(size);
            List<byte[]> names = new java.util.ArrayList<>();
            while (true) {
                long n = sys(st, SYS_GETDENTS64, dirFd, buf.address(), size);
                check(n, st, "getdents64");
                if (n == 0) return names;
                for (long off = 0; off < n; off += Short.toUnsignedInt(buf.get(JAVA_SHORT, off + 16))) {
                    long end = off + 19;
                    while (buf.get(ValueLayout.JAVA_BYTE, end) != 0) end++;
                    names.add(buf.asSlice(off + 19, end - off - 19).toArray(ValueLayout.JAVA_BYTE));
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            a.release(mark);
        }
    }

    /**
     * Sets up the linker and links the one downcall on a background thread now, for a process about to
     * start many children (runsvdir --hosted): that happens while it reads its directory, instead of
     * holding up its first spawn (~25 ms at a JVM's start).
     */
    public static void linkAhead() {
        // initialising Ffm sets up the linker and links the downcall
        Thread.ofPlatform().daemon().name("jrunit-link-ahead").start(() -> Ffm.CALL.type());
    }

    // ---------------------------------------------------------------- plumbing

    /** The linker and libc, set up at the first native call, not when Posix is loaded (sv may make none). */
    private static final class Ffm {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LIBC = LINKER.defaultLookup();
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        /** Read as a plain int at its offset: a VarHandle on the layout path costs a few ms to spin at start-up. */
        static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

        /**
         * The one downcall: (function address, errno state, seven integer arguments) -> long, linked once
         * for every C function jrunit calls. Every argument of those functions is an integer or a pointer,
         * which the x86_64 and aarch64 C conventions pass in integer registers (x86_64's seventh on the
         * stack, which the caller removes), so a function reads the registers it declares and ignores the
         * rest; an int result is the low half of the long. syscall(2) is declared variadic, but glibc's is
         * an assembly stub that only moves registers into the kernel's order (it reads no va_list, nor
         * x86_64's %al), and aarch64's Linux ABI passes variadic integers as fixed ones. One shape because
         * the JVM generates code for every distinct shape it links (5–10 ms each at a JVM's start, measured:
         * runsvdir --hosted linked seven before its first spawn), and a short-lived tool pays that each time.
         */
        static final MethodHandle CALL = LINKER.downcallHandle(FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.captureCallState("errno"));

        static final MemorySegment SYSCALL = function("syscall");
        // Library functions kept over raw system calls: the set*id family (glibc applies it to every JVM
        // thread), NSS lookups, posix_spawn.
        static final MemorySegment SETGROUPS = function("setgroups"), SETGID = function("setgid"), SETUID = function("setuid"),
                GETPWNAM_R = function("getpwnam_r"), GETGRNAM_R = function("getgrnam_r"),
                FA_INIT = function("posix_spawn_file_actions_init"), FA_DESTROY = function("posix_spawn_file_actions_destroy"),
                FA_DUP2 = function("posix_spawn_file_actions_adddup2"), FA_CLOSE = function("posix_spawn_file_actions_addclose"),
                FA_CLOSEFROM = function("posix_spawn_file_actions_addclosefrom_np"),
                FA_CHDIR = function("posix_spawn_file_actions_addchdir_np"),
                ATTR_INIT = function("posix_spawnattr_init"), ATTR_DESTROY = function("posix_spawnattr_destroy"),
                ATTR_SETFLAGS = function("posix_spawnattr_setflags"), ATTR_SETSIGMASK = function("posix_spawnattr_setsigmask"),
                ATTR_SETSIGDEFAULT = function("posix_spawnattr_setsigdefault"), ATTR_SETPGROUP = function("posix_spawnattr_setpgroup"),
                SPAWN = function("posix_spawn"), SPAWNP = function("posix_spawnp");
        /** glibc's {@code environ} variable (its value is read at each use: setenv may change it). */
        static final MemorySegment ENVIRON = function("environ").reinterpret(ADDRESS.byteSize());

        private static MemorySegment function(String name) {
            return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        }
    }

    // glibc sizes (x86_64 and aarch64 agree on these)
    private static final long SIGSET_SIZE = 128, FILE_ACTIONS_SIZE = 80, SPAWNATTR_SIZE = 336;
    /** The kernel's struct sigaction (not glibc's): handler, flags, [restorer,] an 8-byte mask; zeroed = SIG_DFL. */
    private static final long KERNEL_SIGACTION_SIZE = 32;
    // linux/pidfd.h: struct pidfd_info, first version (64 bytes; exit_code at 60), _IOWR(0xFF, 11, it)
    private static final long PIDFD_INFO_SIZE = 64, PIDFD_INFO_EXIT = 1L << 3, PIDFD_INFO_EXIT_CODE = 60,
            PIDFD_GET_INFO = (3L << 30) | (PIDFD_INFO_SIZE << 16) | (0xFFL << 8) | 11;
    private static final long AT_FDCWD = -100, S_IFIFO = 0010000, AT_SYMLINK_NOFOLLOW = 0x100;

    // System call numbers: x86_64, aarch64 (the generic table).
    private static final boolean ARM = isAarch64();
    private static final long SYS_READ = nr(0, 63), SYS_WRITE = nr(1, 64), SYS_CLOSE = nr(3, 57),
            SYS_RT_SIGACTION = nr(13, 134), SYS_RT_SIGPROCMASK = nr(14, 135), SYS_GETPID = nr(39, 172),
            SYS_EXECVE = nr(59, 221), SYS_WAIT4 = nr(61, 260), SYS_KILL = nr(62, 129), SYS_FCNTL = nr(72, 25),
            SYS_FLOCK = nr(73, 32), SYS_FSYNC = nr(74, 82), SYS_CHDIR = nr(80, 49), SYS_FCHDIR = nr(81, 50),
            SYS_FCHMOD = nr(91, 52), SYS_UMASK = nr(95, 166), SYS_GETUID = nr(102, 174), SYS_GETEUID = nr(107, 175),
            SYS_SETSID = nr(112, 157), SYS_GETPRIORITY = nr(140, 141), SYS_SETPRIORITY = nr(141, 140),
            SYS_PRCTL = nr(157, 167), SYS_CHROOT = nr(161, 51), SYS_GETDENTS64 = nr(217, 61), SYS_OPENAT = nr(257, 56),
            SYS_MKNODAT = nr(259, 33), SYS_PPOLL = nr(271, 73), SYS_PIPE2 = nr(293, 59), SYS_PRLIMIT64 = nr(302, 261),
            SYS_SETGROUPS = nr(116, 159), SYS_SETRESUID = nr(117, 147), SYS_SETRESGID = nr(119, 149),
            SYS_GETTID = nr(186, 178), SYS_MKDIRAT = nr(258, 34), SYS_FCHOWNAT = nr(260, 54),
            SYS_FCHMODAT = nr(268, 53), SYS_FACCESSAT = nr(269, 48), SYS_PIDFD_OPEN = 434, SYS_CLOSE_RANGE = 436,
            SYS_RENAMEAT2 = nr(316, 276), SYS_PIDFD_SEND_SIGNAL = 424, SYS_IOCTL = nr(16, 29), SYS_TEE = nr(276, 77);
    private static final long SPLICE_F_NONBLOCK = 2;

    private static long nr(long x86, long arm) {
        return ARM ? arm : x86;
    }

    /** A C function through the one downcall; unused trailing arguments are 0. */
    private static long call(MemorySegment fn, MemorySegment st, long a, long b, long c, long d, long e, long f, long g)
            throws Throwable {
        return (long) Ffm.CALL.invokeExact(fn, st, a, b, c, d, e, f, g);
    }

    /** A library function that returns an int (its error, or -1 with errno in {@code st}); six arguments at most. */
    private static int callInt(MemorySegment fn, MemorySegment st, long a, long b, long c, long d, long e, long f)
            throws Throwable {
        return (int) call(fn, st, a, b, c, d, e, f, 0);
    }

    /** One system call; addresses are passed as {@link MemorySegment#address()} of memory the caller keeps alive. */
    private static long sys(MemorySegment st, long nr, long a, long b, long c, long d, long e, long f) throws Throwable {
        return call(Ffm.SYSCALL, st, nr, a, b, c, d, e, f);
    }

    private static long sys(MemorySegment st, long nr, long a, long b, long c) throws Throwable {
        return sys(st, nr, a, b, c, 0, 0, 0);
    }

    /** A system call with plain arguments; a failure is thrown with {@code name}. */
    private static long kernel(long nr, long a, long b, long c, String name) throws ErrnoException {
        Scratch arena = Scratch.get();
        long mark = arena.mark();
        try {
            MemorySegment st = arena.errnoSlot();
            return check(sys(st, nr, a, b, c), st, name);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            arena.release(mark);
        }
    }

    private static long kernel(long nr, long a, long b, long c, long d, String name) throws ErrnoException {
        Scratch arena = Scratch.get();
        long mark = arena.mark();
        try {
            MemorySegment st = arena.errnoSlot();
            return check(sys(st, nr, a, b, c, d, 0, 0), st, name);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            arena.release(mark);
        }
    }

    /** A system call that cannot fail (getpid, umask…). */
    private static long kernelInfallible(long nr, long a) {
        Scratch arena = Scratch.get();
        long mark = arena.mark();
        try {
            return sys(arena.errnoSlot(), nr, a, 0, 0);
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            arena.release(mark);
        }
    }

    /** A system call on a path relative to the working directory ({@code *at(AT_FDCWD, path, b, c, d)}). */
    private static void kernelAt(long nr, String path, long b, long c, long d, String name) throws ErrnoException {
        Scratch arena = Scratch.get();
        long mark = arena.mark();
        try {
            MemorySegment st = arena.errnoSlot();
            check(sys(st, nr, AT_FDCWD, arena.cString(path).address(), b, c, d, 0), st, name);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            arena.release(mark);
        }
    }

    private static void kernelPath(long nr, String path, String name) throws ErrnoException {
        Scratch arena = Scratch.get();
        long mark = arena.mark();
        try {
            MemorySegment st = arena.errnoSlot();
            check(sys(st, nr, arena.cString(path).address(), 0, 0), st, name);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw fatal(t);
        } finally {
            arena.release(mark);
        }
    }

    private static MemorySegment errnoSlot(Arena a) {
        return a.allocate(Ffm.CALL_STATE);
    }

    /**
     * Native memory for the calls of one thread, reused from call to call: an {@code Arena.ofConfined()} per
     * call costs ~9 µs and {@code allocateFrom(String)} ~14 µs in the interpreter, which is how a supervisor's
     * restart path and a logger's read path mostly run (at one restart a second nothing gets compiled).
     * A stack: a call takes {@link #mark()}, allocates, and {@link #release(long)}s in {@code finally}, so a
     * call made inside another (spawn's fcntl and close) allocates above it and gives back only its own.
     * Each thread has its own (a {@link ThreadLocal}: `--hosted` runs supervisors and loggers on many threads),
     * never used by another thread. A request that does not fit replaces the block by a bigger one, so it
     * grows to the largest request a thread makes (a logger's 256 KiB read, readDirectory's 32 KiB) and then
     * stays: no call allocates or zeroes memory by itself (Arena.allocate zeroes: 256 KiB per read).
     * The memory is an automatic arena's: it goes with the thread (the GC frees it).
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> MINE = ThreadLocal.withInitial(Scratch::new);
        private static final long INITIAL = 4096, ALIGN = 16;
        private MemorySegment block = Arena.ofAuto().allocate(INITIAL, ALIGN);
        private long top;

        static Scratch get() {
            return MINE.get();
        }

        long mark() {
            return top;
        }

        void release(long mark) {
            top = mark;
        }

        /** {@code size} bytes, 16-byte aligned, contents undefined. */
        MemorySegment allocateUninitialised(long size) {
            long at = (top + ALIGN - 1) & -ALIGN;
            if (at + size > block.byteSize()) {
                // A bigger block, from offset 0. What the calls in progress hold of the old one stays valid (each
                // slice keeps its arena alive); they never allocate below the top they marked, and nothing live is
                // in the new block yet. Big enough for what is marked now, so a release to an old mark still fits.
                block = Arena.ofAuto().allocate(Math.max(block.byteSize() * 2, at + size + ALIGN), ALIGN);
                at = 0;
            }
            top = at + size;
            return block.asSlice(at, size);
        }

        /** {@code size} bytes, zeroed (what {@code Arena.allocate} gives). */
        MemorySegment allocate(long size, long alignment) {
            if (alignment > ALIGN) throw new IllegalArgumentException("alignment " + alignment);
            return allocateUninitialised(size).fill((byte) 0);
        }

        MemorySegment allocate(MemoryLayout layout) {
            return allocate(layout.byteSize(), layout.byteAlignment());
        }

        MemorySegment allocate(MemoryLayout layout, long count) {
            return allocate(layout.byteSize() * count, layout.byteAlignment());
        }

        MemorySegment errnoSlot() {
            return allocate(Ffm.CALL_STATE);
        }

        /** The file actions of this thread's last spawn without temporary duplicates, and what they were made for. */
        private MemorySegment actions;
        private int[] actionsFds;
        private String actionsCwd;

        /**
         * File actions for {@code fds} (no temporaries) and {@code cwd}: this thread's last ones when they were
         * made for the same (a supervisor spawns ./run with the same descriptors in the same directory every time),
         * else new ones that replace them. posix_spawn only reads them. glibc's array of a thread's last actions
         * (a few dozen bytes) is not freed when the thread ends.
         */
        MemorySegment fileActions(int[] fds, String cwd) throws Throwable {
            if (actions != null && java.util.Arrays.equals(fds, actionsFds) && java.util.Objects.equals(cwd, actionsCwd)) {
                return actions;
            }
            MemorySegment st = errnoSlot();
            if (actions != null) {
                callInt(Ffm.FA_DESTROY, st, actions.address(), 0, 0, 0, 0, 0);
                actions = null;
            }
            MemorySegment fa = Posix.fileActions(Arena.ofAuto().allocate(FILE_ACTIONS_SIZE, 8), st, fds, null, cwd, this);
            actionsFds = fds.clone();
            actionsCwd = cwd;
            actions = fa;
            return fa;
        }

        /** {@code s} as a NUL-terminated UTF-8 string (as {@code Arena.allocateFrom(String)}). */
        MemorySegment cString(String s) {
            byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            MemorySegment seg = allocateUninitialised(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
            seg.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
            return seg;
        }

        /** A NULL-terminated array of C strings. */
        MemorySegment cStringArray(List<String> strings) {
            MemorySegment arr = allocate(ADDRESS, strings.size() + 1L); // zeroed: the last entry is NULL
            for (int i = 0; i < strings.size(); i++) arr.setAtIndex(ADDRESS, i, cString(strings.get(i)));
            return arr;
        }
    }

    private static int errno(MemorySegment state) {
        return state.get(JAVA_INT, Ffm.ERRNO_OFFSET);
    }

    private static int check(int r, MemorySegment state, String call) throws ErrnoException {
        if (r < 0) throw new ErrnoException(call, errno(state));
        return r;
    }

    private static long check(long r, MemorySegment state, String call) throws ErrnoException {
        if (r < 0) throw new ErrnoException(call, errno(state));
        return r;
    }

    private static MemorySegment cBytes(Arena a, byte[] bytes) {
        MemorySegment s = a.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s; // allocate() zeroes: the last byte is the terminating NUL
    }

    private static MemorySegment cBytesArray(Arena a, List<byte[]> strings) {
        MemorySegment arr = a.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) arr.setAtIndex(ADDRESS, i, cBytes(a, strings.get(i)));
        arr.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return arr;
    }

    private static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** The process's own environment block, exactly as inherited (order and duplicates kept). */
    private static MemorySegment environ() {
        return Ffm.ENVIRON.get(ADDRESS, 0);
    }

    private static boolean isAarch64() {
        return "aarch64".equals(System.getProperty("os.arch"));
    }

    private static RuntimeException fatal(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
