package jrunit.runsvdir;

import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** runsvchdir on a temporary tree through $RUNSVDIR (runit 2.3.0), and against Debian's on error cases. */
class RunsvchdirTest {
    @TempDir
    Path base;

    record Result(int exit, String out, String err) {}

    /** Runs ours in a fresh JVM as {@code argv0}, with RUNSVDIR set to {@code runsvdir} (null: unset). */
    static Result run(String argv0, String runsvdir, String... args) throws Exception {
        return exec(new ArrayList<>(Tools.jrunitAs("runsvchdir", argv0)), runsvdir, args);
    }

    static Result exec(List<String> cmd, String runsvdir, String... args) throws Exception {
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("RUNSVDIR");
        if (runsvdir != null) pb.environment().put("RUNSVDIR", runsvdir);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** In-process, for the many cases that need no fresh JVM. */
    Result inProcess(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = newTool(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(args, base.toString());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Runsvchdir newTool(PrintStream out, PrintStream err) {
        try {
            var c = Runsvchdir.class.getDeclaredConstructor(String.class, PrintStream.class, PrintStream.class);
            c.setAccessible(true);
            return c.newInstance("runsvchdir", out, err);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private void tree() throws Exception {
        Files.createDirectories(base.resolve("default"));
        Files.createDirectories(base.resolve("single"));
        Files.createSymbolicLink(base.resolve("current"), Path.of("default"));
    }

    @Test
    void switchesCurrentAndKeepsPrevious() throws Exception {
        tree();
        Result r = run("runsvchdir", base.toString(), "single");
        assertEquals(new Result(0, "runsvchdir: single: now current.\n", ""), r);
        assertEquals(Path.of("single"), Files.readSymbolicLink(base.resolve("current")));
        assertEquals(Path.of("default"), Files.readSymbolicLink(base.resolve("previous")));
        assertFalse(Files.exists(base.resolve("current.new"), java.nio.file.LinkOption.NOFOLLOW_LINKS));

        Result back = inProcess("default");
        assertEquals(new Result(0, "runsvchdir: default: now current.\n", ""), back);
        assertEquals(Path.of("default"), Files.readSymbolicLink(base.resolve("current")));
        assertEquals(Path.of("single"), Files.readSymbolicLink(base.resolve("previous")));
    }

    @Test
    void sameDirectoryIsAlreadyCurrent() throws Exception {
        tree();
        assertEquals(new Result(0, "runsvchdir: default: current.\n", ""), inProcess("default"));
        // the same directory by another name (absolute) is the same service directory
        String abs = base.resolve("default").toString();
        assertEquals(new Result(0, "runsvchdir: " + abs + ": current.\n", ""), inProcess(abs));
        assertFalse(Files.exists(base.resolve("previous"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void absoluteTargetIsLinkedAsGiven() throws Exception {
        tree();
        Path elsewhere = Files.createDirectories(base.resolve("../elsewhere-" + base.getFileName()).normalize());
        try {
            assertEquals(0, inProcess(elsewhere.toString()).exit());
            assertEquals(elsewhere, Files.readSymbolicLink(base.resolve("current")));
        } finally {
            Files.delete(elsewhere);
        }
    }

    @Test
    void errors() throws Exception {
        tree();
        Files.writeString(base.resolve("file"), "x");
        assertEquals(new Result(111, "", "runsvchdir: fatal: .hidden: must not start with a dot.\n"), inProcess(".hidden"));
        assertEquals(new Result(111, "", "runsvchdir: fatal: missing: file does not exist\n"), inProcess("missing"));
        assertEquals(new Result(111, "", "runsvchdir: fatal: filenot a directory.\n"), inProcess("file"));
        Files.createDirectories(base.resolve("previous"));
        assertEquals(new Result(111, "", "runsvchdir: fatal: unable to unlink: previous: is a directory\n"), inProcess("single"));
        assertTrue(Files.isDirectory(base.resolve("previous")), "a real directory is never removed");
        // current.new is cleaned up, current untouched
        assertEquals(Path.of("default"), Files.readSymbolicLink(base.resolve("current")));
    }

    @Test
    void missingCurrent() throws Exception {
        Files.createDirectories(base.resolve("default"));
        assertEquals(new Result(111, "", "runsvchdir: fatal: unable to stat: current: file does not exist\n"), inProcess("default"));
    }

    @Test
    void baseDirectoryFromEnvironmentMustExist() throws Exception {
        Result r = run("runsvchdir", base.resolve("none").toString(), "default");
        assertEquals(new Result(111, "", "runsvchdir: fatal: unable to chdir: " + base.resolve("none") + ": file does not exist\n"), r);
    }

    @Test
    void usage() throws Exception {
        assertEquals(new Result(1, "", "usage: runsvchdir dir\n\n"), run("runsvchdir", null));
    }

    /** Only cases that fail before touching anything: Debian's runsvchdir works on the real /etc/runit/runsvdir. */
    @Test
    void sameErrorsAsDebian() throws Exception {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit");
        String debian = Tools.runit("runsvchdir");
        for (String[] args : List.of(new String[] {}, new String[] {".x"}, new String[] {"/nonexistent-" + base.getFileName()},
                new String[] {"/etc/passwd"})) {
            Result theirs = exec(new ArrayList<>(List.of(debian)), null, args);
            Result ours = run(debian + "-jrunit", null, args);
            assertEquals(theirs.exit(), ours.exit(), List.of(args).toString());
            assertEquals(theirs.out(), ours.out(), List.of(args).toString());
            assertEquals(theirs.err().replace(debian, "X"), ours.err().replace(debian + "-jrunit", "X"), List.of(args).toString());
        }
    }
}
