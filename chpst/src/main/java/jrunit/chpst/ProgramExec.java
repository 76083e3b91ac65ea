package jrunit.chpst;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.util.ArrayList;
import java.util.List;

/**
 * The last step: replace this process (the JVM) with the program, as runit's pathexec does. A name
 * without '/' is searched in PATH taken from chpst's own environment (not the envdir's: an env/PATH
 * file changes what the program sees, not where it is found); no PATH means "/bin:/usr/bin"; an
 * empty element is the current directory. ENOENT tries the next element; EACCES, EPERM and EISDIR
 * are remembered and the search goes on; any other error ends it. The program gets the caller's
 * descriptors, signal mask and ignored signals, never the JVM's.
 */
final class ProgramExec {
    private ProgramExec() {}

    /**
     * Returns only on failure, with the errno runit would report.
     *
     * @param env the program's environment, or {@code null} for the caller's unchanged
     */
    static int exec(Caller caller, String program, List<String> argv, List<String> env, int[] keepFds) {
        List<byte[]> rawArgv = new ArrayList<>(argv.size());
        for (String a : argv) rawArgv.add(ByteStrings.bytes(a));
        List<byte[]> rawEnv = null;
        if (env != null) {
            rawEnv = new ArrayList<>(env.size());
            for (String e : env) rawEnv.add(ByteStrings.bytes(e));
        }
        if (program.indexOf('/') >= 0) return attempt(caller, program, rawArgv, rawEnv, keepFds);
        String path = "/bin:/usr/bin";
        for (String e : caller.env) {
            if (e.startsWith("PATH=")) {
                path = e.substring(5);
                break;
            }
        }
        int saved = 0;
        int errno;
        while (true) {
            int split = path.indexOf(':');
            if (split < 0) split = path.length();
            String dir = split == 0 ? "." : path.substring(0, split);
            errno = attempt(caller, dir + "/" + program, rawArgv, rawEnv, keepFds);
            if (errno != Errno.ENOENT) {
                saved = errno;
                if (errno != Errno.EACCES && errno != Errno.EPERM && errno != Errno.EISDIR) return errno;
            }
            if (split == path.length()) return saved != 0 ? saved : errno;
            path = path.substring(split + 1);
        }
    }

    private static int attempt(Caller caller, String file, List<byte[]> argv, List<byte[]> env, int[] keepFds) {
        ErrnoException e = Posix.execve(ByteStrings.bytes(file), argv, env, caller.blockedSignals, caller.ignoredSignals,
                keepFds);
        return e.errno();
    }
}
