package jrunit.runsv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Which file a log script's command word would execute, found as sh finds it: a word with a '/' is
 * that path (relative to the log directory, where the script runs); a bare name is the first
 * executable regular file along PATH, an empty component meaning the log directory. chpst finds its
 * program the same way (same PATH: chpst -u/-U/-P leave it alone).
 */
final class CommandLookup {
    private final Path logDir;
    private final String[] path;
    private final Path jrunitBin;

    /**
     * @param pathEnv   the PATH the script sees (the host's); null: unknown, nothing is found
     * @param jrunitBin the directory of jrunit's own tools; null: unknown, nothing is jrunit's
     */
    CommandLookup(Path logDir, String pathEnv, Path jrunitBin) {
        this.logDir = logDir;
        this.path = pathEnv == null ? new String[0] : pathEnv.split(":", -1);
        this.jrunitBin = jrunitBin;
    }

    /** The file {@code word} executes, or null if sh would find none ("not found"). */
    Path find(String word) {
        try {
            if (word.isEmpty()) return null;
            if (word.indexOf('/') >= 0) return executable(logDir.resolve(word));
            for (String dir : path) {
                Path candidate = executable((dir.isEmpty() ? logDir : logDir.resolve(dir)).resolve(word));
                if (candidate != null) return candidate;
            }
            return null;
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * True if {@code word} executes jrunit's {@code tool}: the file found is, symbolic links resolved,
     * the one {@code BIN/tool} resolves to (setuidgid may be a link to chpst: both resolve alike).
     */
    boolean isJrunit(String word, String tool) {
        if (jrunitBin == null) return false;
        Path found = find(word);
        if (found == null) return false;
        try {
            return found.toRealPath().equals(jrunitBin.resolve(tool).toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * True if {@code name} executes a program of that name (symbolic links resolved): the coreutils
     * command whose messages {@link Preparation} reproduces, not busybox or a wrapper of another name.
     */
    boolean isProgramNamed(String name) {
        Path found = find(name);
        if (found == null) return false;
        try {
            Path real = found.toRealPath().getFileName();
            return real != null && real.toString().equals(name);
        } catch (IOException e) {
            return false;
        }
    }

    private static Path executable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
    }
}
