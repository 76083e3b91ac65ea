package jrunit.chpst;

import jrunit.common.Account;
import jrunit.common.ByteStrings;
import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.util.ArrayList;
import java.util.List;

/**
 * Carries out {@link Changes} in runit's order, in this very process, then executes the program:
 * setsid; envdir; chdir+chroot; chdir (-C, runit 2.3.0); nice; -U; -u (setgroups, setgid, setuid);
 * lock; close 0/1/2; limits; exec. Returns only on failure.
 */
final class StateChanger {
    private final Caller caller;
    private final Changes c;

    StateChanger(Caller caller, Changes changes) {
        this.caller = caller;
        this.c = changes;
    }

    void run() throws Fatal, QuietExit {
        if (c.root != null) preloadClasses();
        PendingEnvironment env = new PendingEnvironment();
        if (c.newSession) {
            try {
                Posix.setsid();
            } catch (ErrnoException ignored) {
                // already a process group leader: runit ignores this too
            }
        }
        if (c.envDir != null) EnvDir.read(c.envDir, c.envDirLenient, c.verbose, env);
        if (c.root != null) {
            try {
                Posix.chdir(ByteStrings.forPosix(c.root));
            } catch (ErrnoException e) {
                throw new Fatal("unable to change directory: " + c.root, e);
            }
            try {
                Posix.chroot(".");
            } catch (ErrnoException e) {
                throw new Fatal("unable to change root directory", e);
            }
        }
        if (c.workDir != null) {
            try {
                Posix.chdir(ByteStrings.forPosix(c.workDir));
            } catch (ErrnoException e) {
                throw new Fatal("unable to change directory: " + c.workDir, e);
            }
        }
        if (c.nice != 0) nice((int) c.nice);
        if (c.envUser != null) {
            Account a = account(c.envUser, c.envUserSpec);
            env.set("GID", Integer.toUnsignedString(a.gid()));
            env.set("UID", Integer.toUnsignedString(a.uid()));
        }
        if (c.setUser != null) becomeUser(account(c.setUser, c.setUserSpec));
        int lockFd = c.lock == null ? -1 : lock();
        if (c.closeStdin) closeStdio(0, "unable to close stdin");
        if (c.closeStdout) closeStdio(1, "unable to close stdout");
        if (c.closeStderr) {
            closeStdio(2, "unable to close stderr");
            Chpst.stderrClosed();
        }
        exec(env, lockFd, limits());
    }

    /**
     * After chroot the class path may be out of reach (a directory of classes, as in tests): load
     * everything the remaining steps need while it is still there.
     */
    private static void preloadClasses() {
        for (Class<?> k : List.of(ProgramExec.class, Account.class, Account.Failure.class, Fatal.class, QuietExit.class, ByteStrings.class,
                Posix.Passwd.class, Posix.Group.class, ErrnoException.class, Errno.class)) {
            try {
                Class.forName(k.getName(), true, k.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The account in chpst's notation ({@code spec}) or setuidgid's; an unknown one is fatal. */
    private static Account account(String name, boolean spec) throws Fatal {
        try {
            return spec ? Account.ofSpec(name) : Account.ofUser(name);
        } catch (Account.Failure f) {
            throw new Fatal(f.text(), f.errno());
        }
    }

    /** nice(3): relative to the current value; EACCES is reported as EPERM, as glibc does. */
    private static void nice(int increment) throws Fatal {
        try {
            long target = (long) Posix.getNice() + increment;
            Posix.setNice((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, target)));
        } catch (ErrnoException e) {
            throw new Fatal("unable to set nice level", e.errno() == Errno.EACCES ? Errno.EPERM : e.errno());
        }
    }

    /**
     * Groups first, then gid, then uid: after setuid from root there is no way back (glibc applies
     * each call to every thread of the JVM, and exec follows at once).
     */
    private static void becomeUser(Account a) throws Fatal {
        try {
            Posix.setgroups(a.gids());
        } catch (ErrnoException e) {
            throw new Fatal("unable to setgroups", e);
        }
        try {
            Posix.setgid(a.gid());
        } catch (ErrnoException e) {
            throw new Fatal("unable to setgid", e);
        }
        try {
            Posix.setuid(a.uid());
        } catch (ErrnoException e) {
            throw new Fatal("unable to setuid", e);
        }
    }

    /** Opens (creating, mode 0600) and flocks the lock file; the descriptor is handed on to the program. */
    private int lock() throws Fatal, QuietExit {
        int fd;
        try {
            fd = Posix.open(ByteStrings.forPosix(c.lock), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_APPEND | Posix.O_CREAT, 0600);
        } catch (ErrnoException e) {
            if (c.quiet) throw new QuietExit();
            throw new Fatal("unable to open lock: " + c.lock, e);
        }
        try {
            Posix.flock(fd, c.lockWait ? Posix.LOCK_EX : Posix.LOCK_EX | Posix.LOCK_NB);
        } catch (ErrnoException e) {
            if (c.quiet) throw new QuietExit();
            throw new Fatal("unable to lock: " + c.lock, e);
        }
        return fd;
    }

    /**
     * runit closes the descriptor; here it is made close-on-exec instead, so the JVM cannot reuse
     * the number before exec. Not open (or held by the JVM because the caller had it closed) fails
     * as close(2) would.
     */
    private void closeStdio(int fd, String what) throws Fatal {
        try {
            if (caller.stdioHeldByJvm[fd]) throw new ErrnoException("close", Errno.EBADF);
            Posix.setCloseOnExec(fd, true);
        } catch (ErrnoException e) {
            throw new Fatal(what, e);
        }
    }

    /**
     * The limits to set, as (resource, soft, hard) triples in runit's order: the soft limit becomes
     * the value, or the hard limit if the value is larger (or "="); the hard limit stays. They are
     * set by the exec step itself.
     */
    private long[] limits() throws Fatal {
        List<Long> triples = new ArrayList<>();
        for (int resource : Changes.LIMIT_ORDER) {
            long value = c.limits[resource];
            if (value < Changes.TO_HARD) continue;
            long[] lim;
            try {
                lim = Posix.getrlimit(resource);
            } catch (ErrnoException e) {
                throw new Fatal("unable to getrlimit()", e);
            }
            long soft = value < 0 || Long.compareUnsigned(value, lim[1]) > 0 ? lim[1] : value;
            triples.addAll(List.of((long) resource, soft, lim[1]));
        }
        long[] a = new long[triples.size()];
        for (int i = 0; i < a.length; i++) a[i] = triples.get(i);
        return a;
    }

    private void exec(PendingEnvironment pending, int lockFd, long[] limits) throws Fatal, QuietExit {
        List<String> argv = new ArrayList<>(c.program);
        if (c.argv0 != null) argv.set(0, c.argv0);
        List<String> env = pending.isEmpty() ? null : pending.applyTo(caller.env);
        for (int fd = 0; fd < 3; fd++) {
            if (caller.stdioHeldByJvm[fd]) {
                try {
                    Posix.setCloseOnExec(fd, true);
                } catch (ErrnoException ignored) {
                    // not open at all: nothing to hide
                }
            }
        }
        ErrnoException e = ProgramExec.exec(caller, c.program.getFirst(), argv, env, limits, keptFds(lockFd));
        if (e.getMessage().startsWith("setrlimit")) throw new Fatal("unable to setrlimit()", e);
        if (c.quiet) throw new QuietExit();
        throw new Fatal("unable to run: " + argv.getFirst(), e);
    }

    /** The caller's descriptors that are still open, and the lock. */
    private int[] keptFds(int lockFd) {
        List<Integer> keep = new ArrayList<>();
        for (int fd : caller.inheritedFds) {
            try {
                Posix.fcntl(fd, Posix.F_GETFD, 0);
                keep.add(fd);
            } catch (ErrnoException e) {
                // closed since start-up
            }
        }
        if (lockFd >= 0) keep.add(lockFd);
        return Caller.toArray(keep);
    }
}
