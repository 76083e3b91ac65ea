package jrunit.sv;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** One finished sv process: what it printed and its exit code. */
record Run(String stdout, String stderr, int code) {

    /** Runs {@code cmd} to completion (stdin /dev/null) with {@code env} added, in {@code cwd}. */
    static Run exec(List<String> cmd, Map<String, String> env, Path cwd) throws IOException, InterruptedException {
        return start(cmd, env, cwd).finish();
    }

    /** A started process whose output goes to temporary files. */
    record Pending(List<String> cmd, Process process, Path out, Path err) {
        Run finish() throws IOException, InterruptedException {
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    fail("did not finish within 60 s: " + cmd);
                }
                return new Run(Files.readString(out, StandardCharsets.ISO_8859_1), Files.readString(err, StandardCharsets.ISO_8859_1),
                        process.exitValue());
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }

    static Pending start(List<String> cmd, Map<String, String> env, Path cwd) throws IOException {
        Path out = Files.createTempFile("sv-out", ".txt");
        Path err = Files.createTempFile("sv-err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectInput(new File("/dev/null")).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("SVWAIT");
        pb.environment().putAll(env);
        return new Pending(cmd, pb.start(), out, err);
    }

    /** {@link #exec(List, Map, Path)} with {@code args} appended to {@code cmd}. */
    static Run exec(List<String> cmd, Map<String, String> env, Path cwd, String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(cmd);
        c.addAll(List.of(args));
        return exec(c, env, cwd);
    }

    /** The age field: "(pid N) 12s" or ": 12s" at the start of a status line's details. */
    private static final Pattern AGE = Pattern.compile("((?:\\(pid \\d+\\) )|(?:: ))(\\d+)s");

    /**
     * Asserts that our sv's run equals runit's byte for byte, except that an age may be one second
     * larger or smaller (the two ran at different moments); everything else must match exactly.
     */
    static void assertSameAs(Run runit, Run ours, String what) {
        assertSameAs(runit, ours, what, 1);
    }

    /**
     * As {@link #assertSameAs(Run, Run, String)}, for two runs whose clock readings may lie up to
     * {@code spanSeconds} apart (both processes read the clock somewhere inside the window that
     * spans the two runs): their whole-second ages may then differ by that much, and by 1 at least.
     */
    static void assertSameAs(Run runit, Run ours, String what, long spanSeconds) {
        assertEquals(runit.code, ours.code, what + ": exit code\nrunit: " + runit + "\nours:  " + ours);
        assertSameText(runit.stdout, ours.stdout, what + ": stdout", spanSeconds);
        assertSameText(runit.stderr, ours.stderr, what + ": stderr", spanSeconds);
    }

    static void assertSameText(String runit, String ours, String what) {
        assertSameText(runit, ours, what, 1);
    }

    static void assertSameText(String runit, String ours, String what, long spanSeconds) {
        long tolerance = Math.max(1, spanSeconds);
        List<Long> a = new ArrayList<>(), b = new ArrayList<>();
        String na = normalise(runit, a), nb = normalise(ours, b);
        assertEquals(na, nb, what + "\nrunit: " + runit + "\nours:  " + ours);
        for (int i = 0; i < a.size(); i++) {
            assertTrue(Math.abs(a.get(i) - b.get(i)) <= tolerance,
                    what + ": ages differ by more than " + tolerance + " s\nrunit: " + runit + "\nours:  " + ours);
        }
    }

    /** Whole seconds (rounded up) since {@code startNanos}. */
    static long secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos + 999_999_999L) / 1_000_000_000L;
    }

    private static String normalise(String s, List<Long> ages) {
        Matcher m = AGE.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            ages.add(Long.parseLong(m.group(2)));
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + "<age>s"));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Override
    public String toString() {
        return "[code " + code + "] stdout=" + stdout.replace("\n", "\\n") + " stderr=" + stderr.replace("\n", "\\n");
    }
}
