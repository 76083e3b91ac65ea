package jrunit.chpst;

import jrunit.common.ByteStrings;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.util.ArrayList;
import java.util.List;

/**
 * The last step: replace this process (the JVM) with the program, as runit's pathexec does. A name
 * without '/' is searched in PATH taken from chpst's own environment (not the envdir's: an env/PATH
 * file changes what the program sees, not where it is found); no PATH means "/bin:/usr/bin"; an
 * empty element is the current directory. The search itself, the limits and the caller's signal
 * state are applied in one native step ({@link Posix#execve(List, List, List, long, long, long[], int...)}),
 * so the JVM needs no memory once the limits are lowered.
 */
final class ProgramExec {
    private ProgramExec() {}

    /** Where {@code program} is looked for, in order. */
    static List<String> candidates(Caller caller, String program) {
        if (program.indexOf('/') >= 0) return List.of(program);
        String path = "/bin:/usr/bin";
        for (String e : caller.env) {
            if (e.startsWith("PATH=")) {
                path = e.substring(5);
                break;
            }
        }
        List<String> out = new ArrayList<>();
        for (String dir : path.split(":", -1)) out.add((dir.isEmpty() ? "." : dir) + "/" + program);
        return out;
    }

    /**
     * Returns only on failure.
     *
     * @param env    the program's environment, or {@code null} for the caller's unchanged
     * @param limits (resource, soft, hard) triples to set just before exec
     */
    static ErrnoException exec(Caller caller, String program, List<String> argv, List<String> env, long[] limits,
                               int[] keepFds) {
        List<byte[]> paths = new ArrayList<>();
        for (String p : candidates(caller, program)) paths.add(ByteStrings.bytes(p));
        List<byte[]> rawArgv = new ArrayList<>(argv.size());
        for (String a : argv) rawArgv.add(ByteStrings.bytes(a));
        List<byte[]> rawEnv = null;
        if (env != null) {
            rawEnv = new ArrayList<>(env.size());
            for (String e : env) rawEnv.add(ByteStrings.bytes(e));
        }
        return Posix.execve(paths, rawArgv, rawEnv, caller.blockedSignals, caller.ignoredSignals, limits, keepFds);
    }
}
