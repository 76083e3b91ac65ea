package jrunit.chpst;

import jrunit.common.Posix;

import java.util.Arrays;
import java.util.List;

/**
 * What one invocation is to change before it runs the program: filled in by the option parsing of
 * chpst or of a personality, carried out by {@link StateChanger} in runit's order.
 */
final class Changes {
    /** Resource limits in the order runit sets them. */
    static final int[] LIMIT_ORDER = {Posix.RLIMIT_DATA, Posix.RLIMIT_STACK, Posix.RLIMIT_MEMLOCK, Posix.RLIMIT_AS,
            Posix.RLIMIT_NOFILE, Posix.RLIMIT_NPROC, Posix.RLIMIT_FSIZE, Posix.RLIMIT_CORE, Posix.RLIMIT_RSS, Posix.RLIMIT_CPU};
    /** A limit that is not to be changed. */
    static final long UNSET = -2;
    /** A limit whose soft value becomes the hard one (softlimit's "="). */
    static final long TO_HARD = -1;

    boolean newSession;
    String envDir;
    boolean envDirLenient;
    String root;
    String workDir;
    long nice;
    String envUser;
    boolean envUserSpec;
    String setUser;
    boolean setUserSpec;
    String lock;
    boolean lockWait;
    /** setlock -x: lock and exec failures exit 0 silently. */
    boolean quiet;
    boolean closeStdin, closeStdout, closeStderr;
    boolean verbose;
    /** Indexed by RLIMIT_*; {@link #UNSET}, {@link #TO_HARD}, or the value (compared unsigned, as runit's long). */
    final long[] limits = new long[16];
    String argv0;
    List<String> program;

    Changes() {
        Arrays.fill(limits, UNSET);
    }

    /** -m / softlimit -m: data, stack, locked memory and address space at once. */
    void limitMemory(long value) {
        limits[Posix.RLIMIT_DATA] = limits[Posix.RLIMIT_STACK] = limits[Posix.RLIMIT_MEMLOCK] = limits[Posix.RLIMIT_AS] = value;
    }
}
