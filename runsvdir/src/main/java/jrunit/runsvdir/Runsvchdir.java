package jrunit.runsvdir;

import jrunit.common.Errno;
import jrunit.common.ProgramName;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * runsvchdir DIR: makes DIR the {@code current} services directory of runit's stage 2, by replacing the
 * {@code current} symlink of the runsvdir tree ({@code /etc/runit/runsvdir}, or {@code $RUNSVDIR} as in
 * runit 2.3.0) with one to DIR; the old link becomes {@code previous}. runsvdir notices by itself.
 */
public final class Runsvchdir {
    static final String DEFAULT_BASE = "/etc/runit/runsvdir";
    static final int EXIT_USAGE = 1, EXIT_FATAL = 111;

    private final String argv0;
    private final PrintStream out;
    private final PrintStream err;

    private Runsvchdir(String argv0, PrintStream out, PrintStream err) {
        this.argv0 = argv0;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(new Runsvchdir(ProgramName.argv0("runsvchdir"), out, err).run(args, System.getenv("RUNSVDIR")));
    }

    /** A fatal error: the message is printed and runsvchdir exits 111. */
    private static final class Fatal extends Exception {
        Fatal(String message) {
            super(message, null, false, false);
        }
    }

    int run(String[] args, String runsvdirEnv) {
        if (args.length < 1) {
            err.print("usage: " + argv0 + " dir\n\n");
            return EXIT_USAGE;
        }
        String dir = args[0];
        try {
            return change(dir, runsvdirEnv == null || runsvdirEnv.isEmpty() ? DEFAULT_BASE : runsvdirEnv);
        } catch (Fatal f) {
            err.print(argv0 + ": fatal: " + f.getMessage() + "\n");
            return EXIT_FATAL;
        }
    }

    private int change(String dir, String baseName) throws Fatal {
        if (dir.startsWith(".")) throw new Fatal(dir + ": must not start with a dot.");
        Path base = Path.of(baseName);
        if (!Files.isDirectory(base)) {
            throw new Fatal("unable to chdir: " + baseName + ": " + Errno.text(Files.exists(base) ? Errno.ENOTDIR : Errno.ENOENT));
        }
        BasicFileAttributes target;
        try {
            target = Files.readAttributes(base.resolve(dir), BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new Fatal(dir + ": file does not exist");
        } catch (IOException e) {
            throw new Fatal("unable to stat: " + dir + ": " + Errno.text(e));
        }
        if (!target.isDirectory()) throw new Fatal(dir + "not a directory.");
        Path current = base.resolve("current"), next = base.resolve("current.new"), previous = base.resolve("previous");
        try {
            if (target.fileKey().equals(Files.readAttributes(current, BasicFileAttributes.class).fileKey())) {
                out.print("runsvchdir: " + dir + ": current.\n");
                return 0;
            }
        } catch (IOException e) {
            throw new Fatal("unable to stat: current: " + Errno.text(e));
        }
        try {
            unlink(next);
        } catch (IOException e) {
            throw new Fatal("unable to unlink: current.new: " + Errno.text(e));
        }
        try {
            Files.createSymbolicLink(next, Path.of(dir));
        } catch (IOException e) {
            throw new Fatal("unable to create: current.new -> " + dir + ": " + Errno.text(e));
        }
        try {
            unlink(previous);
        } catch (IOException e) {
            throw new Fatal("unable to unlink: previous: " + Errno.text(e));
        }
        try {
            Files.move(current, previous, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Fatal("unable to copy: current to previous: " + Errno.text(e));
        }
        try {
            Files.move(next, current, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            err.print(argv0 + ": fatal: unable to move: current.new to current: " + Errno.text(e) + "\n");
            try {
                Files.move(previous, current, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException back) {
                throw new Fatal("unable to move previous back to current: " + Errno.text(back));
            }
            return EXIT_FATAL;
        }
        out.print("runsvchdir: " + dir + ": now current.\n");
        return 0;
    }

    /** unlink(2) semantics, ENOENT ignored: a directory is refused (is a directory), never removed. */
    private static void unlink(Path p) throws IOException {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new jrunit.common.ErrnoException("unlink", Errno.EISDIR);
        }
        Files.deleteIfExists(p);
    }
}
