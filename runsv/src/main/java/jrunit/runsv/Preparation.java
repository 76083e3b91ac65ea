package jrunit.runsv;

import jrunit.common.Account;
import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.runsv.LogRunScript.Plan;
import jrunit.runsv.PreparationStep.ChangeMode;
import jrunit.runsv.PreparationStep.ChangeOwner;
import jrunit.runsv.PreparationStep.InstallDirectories;
import jrunit.runsv.PreparationStep.MakeDirectories;
import jrunit.runsv.PreparationStep.UnlessDirectory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Carries out a recognised log script's preparation in this process, as sh running the coreutils
 * commands would (GNU coreutils 9, C locale): the same effects, the same messages on the script's
 * stderr, the same statuses, {@code set -e} stopping at the first failure where it is in effect.
 * No processes: {@link Posix} calls, java.nio for stat. Relative paths are taken against the log
 * directory (the script's working directory) by prefixing it, never by changing this process's.
 *
 * <p>mkdir -p and install -d follow gnulib's make_dir_parents (through {@link DirectoryMaker}); chown and
 * chmod walk a tree as their fts does ({@link TreeWalk}).
 */
final class Preparation {
    /** chpst's exit status when it cannot resolve an account. */
    static final int CHPST_FATAL = 111;

    private final FileOps files;
    private final OutputStream stdout, stderr;
    /** Where the current step's messages go (stdout after exec 2>&1). */
    private OutputStream err;

    Preparation(Path logDir, OutputStream stdout, OutputStream stderr) {
        this.files = new FileOps(logDir);
        this.stdout = stdout;
        this.stderr = stderr;
        this.err = stderr;
    }

    int run(Plan plan) {
        for (int i = 0; i < plan.steps().size(); i++) {
            err = plan.stderrToStdoutAt(i) ? stdout : stderr;
            int status = run(plan.steps().get(i));
            if (status != 0 && plan.errexitAt(i)) return status;
        }
        err = plan.stderrToStdout() ? stdout : stderr;
        if (plan.envAccount() != null) {
            try {
                plan.envAccount().resolve();
            } catch (Account.Failure f) {
                write("chpst: fatal: " + f.getMessage() + "\n");
                return CHPST_FATAL;
            }
        }
        return 0;
    }

    /** One step: its exit status. */
    int run(PreparationStep step) {
        return switch (step) {
            case UnlessDirectory u -> !u.dir().isEmpty() && files.isDirectory(u.dir()) ? 0 : run(u.otherwise());
            case MakeDirectories m -> mkdir(m);
            case InstallDirectories i -> install(i);
            case ChangeOwner c -> chown(c);
            case ChangeMode c -> chmod(c);
        };
    }

    private int mkdir(MakeDirectories m) {
        DirectoryMaker maker = DirectoryMaker.forMkdir(files, new Messages("mkdir"), m.parents(), m.mode());
        int status = 0;
        for (String dir : m.dirs()) if (!maker.make(dir)) status = 1;
        return status;
    }

    private int install(InstallDirectories i) {
        Messages messages = new Messages("install");
        int uid = -1, gid = -1;
        if (i.user() != null) {
            Posix.Passwd pw = Owners.user(i.user());
            long id = pw != null ? pw.uid() & 0xffffffffL : Owners.number(i.user(), 0xffffffffL);
            if (id < 0) return messages.fail("invalid user " + CoreutilsQuote.quote(i.user()), 0);
            uid = (int) id;
        }
        if (i.group() != null) {
            Posix.Group gr = Owners.group(i.group());
            long id = gr != null ? gr.gid() & 0xffffffffL : Owners.number(i.group(), 0xffffffffL);
            if (id < 0) return messages.fail("invalid group " + CoreutilsQuote.quote(i.group()), 0);
            gid = (int) id;
        }
        DirectoryMaker maker = DirectoryMaker.forInstall(files, messages, i.mode(), uid, gid);
        int status = 0;
        for (String dir : i.dirs()) if (!maker.make(dir)) status = 1;
        return status;
    }

    private int chown(ChangeOwner c) {
        Messages messages = new Messages("chown");
        Owners.Spec spec = Owners.parse(c.owner());
        if (spec.error() != null) return messages.fail(spec.error() + ": " + CoreutilsQuote.quote(c.owner()), 0);
        if (spec.dotWarning()) messages.print("warning: '.' should be ':': " + CoreutilsQuote.quote(c.owner()), 0);
        TreeWalk walk = new TreeWalk(files, messages);
        int status = 0;
        for (String p : c.paths()) if (!walk.chown(p, spec.uid(), spec.gid(), c.recursive())) status = 1;
        return status;
    }

    private int chmod(ChangeMode c) {
        TreeWalk walk = new TreeWalk(files, new Messages("chmod"));
        int status = 0;
        for (String p : c.paths()) if (!walk.chmod(p, c.mode(), c.recursive())) status = 1;
        return status;
    }

    private void write(String byteString) {
        try {
            err.write(byteString.getBytes(StandardCharsets.ISO_8859_1));
            err.flush();
        } catch (IOException e) {
            // the script's stderr is gone: the command's message would be lost too
        }
    }

    /** A command's messages: {@code mkdir: cannot create directory 'x': File exists}. */
    final class Messages {
        private final String program;

        Messages(String program) {
            this.program = program;
        }

        /** Prints {@code text} (a byte string, names already quoted) with strerror of {@code errno} unless 0. */
        void print(String text, int errno) {
            write(program + ": " + text + (errno == 0 ? "" : ": " + Errno.strerror(errno)) + "\n");
        }

        /** Prints it, and gives the command's failure status. */
        int fail(String text, int errno) {
            print(text, errno);
            return 1;
        }
    }

    /** Paths of the script (relative to the log directory) as strings for system calls, and stat through java.nio. */
    static final class FileOps {
        private final String base;

        FileOps(Path logDir) {
            this.base = logDir.toString();
        }

        /** The path to hand the kernel: relative words prefixed with the log directory; "" stays "" (ENOENT). */
        String path(String word) {
            if (word.isEmpty() || word.startsWith("/")) return word;
            return base.endsWith("/") ? base + word : base + "/" + word;
        }

        /** stat(2) (or lstat) of a word: mode (type bits included), uid, gid. */
        Stat stat(String word, boolean follow) throws ErrnoException {
            String p = path(word);
            if (p.isEmpty()) throw new ErrnoException("stat", Errno.ENOENT);
            try {
                var a = follow || p.endsWith("/")
                        ? java.nio.file.Files.readAttributes(Path.of(p), "unix:mode,uid,gid")
                        : java.nio.file.Files.readAttributes(Path.of(p), "unix:mode,uid,gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Stat s = new Stat((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"));
                // the kernel resolves a trailing slash only to a directory; java.nio drops the slash
                if (p.endsWith("/") && !s.isDirectory()) throw new ErrnoException("stat", Errno.ENOTDIR);
                return s;
            } catch (ErrnoException e) {
                throw e;
            } catch (IOException | java.nio.file.InvalidPathException e) {
                throw new ErrnoException("stat", e instanceof IOException io ? Errno.of(io) : Errno.ENOENT);
            }
        }

        /** {@code test -d}: a directory, symbolic links followed. */
        boolean isDirectory(String word) {
            try {
                return stat(word, true).isDirectory();
            } catch (ErrnoException e) {
                return false;
            }
        }
    }

    /** What stat(2) says of a file. */
    record Stat(int mode, int uid, int gid) {
        private static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFLNK = 0120000;

        boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        boolean isSymbolicLink() {
            return (mode & S_IFMT) == S_IFLNK;
        }

        int permissions() {
            return mode & 07777;
        }
    }
}
