package jrunit.chpst;

import jrunit.common.testing.Tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs our chpst (a fresh JVM, {@link Tools#jrunitAs}) and Debian's (through symlinks named after
 * the personality, since Debian ships none) under the same conditions, and compares what they do.
 */
final class Peers {
    private Peers() {}

    /** What one run produced. */
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    /** A clean, fixed environment (no LANG: the JVM runs in the C locale, as under runsv). */
    static Map<String, String> baseEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", "/");
        return env;
    }

    /** Debian's chpst invoked as {@code name}: a symlink in {@code linkDir}. */
    static List<String> debian(Path linkDir, String name, List<String> args) throws IOException {
        Path link = linkDir.resolve(name);
        if (!Files.isSymbolicLink(link)) Files.createSymbolicLink(link, Path.of(Tools.runit("chpst")));
        List<String> cmd = new ArrayList<>();
        cmd.add(link.toString());
        cmd.addAll(args);
        return cmd;
    }

    static List<String> ours(String name, List<String> args) {
        return Tools.jrunitAs("chpst", name, args.toArray(String[]::new));
    }

    /**
     * Runs {@code command}, optionally through {@code /bin/sh -c wrapper} (which ends with
     * {@code exec "$@"}: to set up the caller's state, e.g. {@code trap '' HUP; exec 3<file; exec "$@"}).
     */
    static Result run(List<String> command, String wrapper, Map<String, String> env, Path cwd) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (wrapper != null) cmd.addAll(List.of("/bin/sh", "-c", wrapper, "caller"));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = Files.createTempFile(cwd, "out", ".txt");
        Path err = Files.createTempFile(cwd, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) fail("did not finish within 120 s: " + cmd);
        } finally {
            p.destroyForcibly();
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                Files.readString(err, StandardCharsets.ISO_8859_1));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Runs Debian's and ours the same way; asserts the same exit code, stdout and stderr; returns ours. */
    static Result assertSame(Path linkDir, Path cwd, String name, List<String> args, String wrapper, Map<String, String> env)
            throws Exception {
        Result theirs = run(debian(linkDir, name, args), wrapper, env, cwd);
        Result ours = run(ours(name, args), wrapper, env, cwd);
        assertEquals(theirs.toString(), ours.toString(), name + " " + args + (wrapper == null ? "" : " via " + wrapper));
        return ours;
    }
}
