package jrunit.runsv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.runsv.Preparation.FileOps;
import jrunit.runsv.Preparation.Messages;
import jrunit.runsv.Preparation.Stat;
import jrunit.runsv.PreparationStep.Mode;

/**
 * mkdir's and install -d's way of making a directory: gnulib's make_dir_parents, mkancesdirs and
 * dirchownmod, with paths instead of their chdir walk (this process's working directory is not the
 * script's, and is shared).
 *
 * <p>They run under a umask of their own (mkdir -m: the bits -m asks for are not masked; ancestors
 * always get u+wx; install: none at all), which a process with other threads cannot set; so a
 * directory is made under the process's umask and then given the mode theirs would have had.
 */
final class DirectoryMaker {
    private final FileOps files;
    private final Messages messages;
    private final boolean parents, install;
    /** The directory's mode, and the bits of it that are enforced (gnulib's mode_bits). */
    private final int mode, modeBits;
    /** The mode is not masked by the umask (mkdir -m, install). */
    private final boolean exactMode;
    private final int uid, gid;
    /** An existing directory is left as it is (mkdir), rather than given the mode and owner (install). */
    private final boolean preserveExisting;

    private DirectoryMaker(FileOps files, Messages messages, boolean parents, boolean install, int mode,
                           int modeBits, boolean exactMode, int uid, int gid, boolean preserveExisting) {
        this.files = files;
        this.messages = messages;
        this.parents = parents;
        this.install = install;
        this.mode = mode;
        this.modeBits = modeBits;
        this.exactMode = exactMode;
        this.uid = uid;
        this.gid = gid;
        this.preserveExisting = preserveExisting;
    }

    static DirectoryMaker forMkdir(FileOps files, Messages messages, boolean parents, Mode m) {
        return new DirectoryMaker(files, messages, parents, false, m == null ? 0777 : m.bits(),
                m == null ? 0 : m.decidedForDirectory(), m != null, -1, -1, true);
    }

    static DirectoryMaker forInstall(FileOps files, Messages messages, Mode m, int uid, int gid) {
        return new DirectoryMaker(files, messages, true, true, m == null ? 0755 : m.bits(),
                m == null ? 07777 : m.decidedForDirectory(), true, uid, gid, false);
    }

    /** Makes {@code dir} (a word of the script); false after printing why it could not. */
    boolean make(String dir) {
        if (parents && !makeAncestors(dir)) return false;
        boolean keepOwner = uid == -1 && gid == -1;
        boolean keepSpecialBits = ((modeBits & 06000) | (mode & 01000)) == 0;
        // made with fewer rights at first where others could slip in before it is ready
        int mkdirMode = !keepOwner ? mode & ~077 : !keepSpecialBits ? mode & ~022 : mode;
        boolean preserve = preserveExisting;
        int mkdirErrno = 0;
        try {
            Posix.mkdir(files.path(dir), mkdirMode);
            if (exactMode) unmask(dir, mkdirMode & 01777);
            preserve = keepOwner && keepSpecialBits;
        } catch (ErrnoException e) {
            mkdirErrno = e.errno();
            mkdirMode = -1;
        }
        if (preserve) {
            if (mkdirErrno == 0 || (mkdirErrno != Errno.ENOENT && parents && files.isDirectory(dir))) return true;
        } else {
            int errno = chownAndChmod(dir, mkdirMode);
            if (errno == 0) return true;
            if (mkdirErrno == 0 || (mkdirErrno != Errno.ENOENT && parents && errno != Errno.ENOTDIR)) {
                messages.print((keepOwner ? "cannot change permissions of " : "cannot change owner and permissions of ")
                        + CoreutilsQuote.quote(dir), errno);
                return false;
            }
        }
        messages.print("cannot create directory " + CoreutilsQuote.quote(dir), mkdirErrno);
        return false;
    }

    /**
     * mkancesdirs: each ancestor in turn is made (failure ignored) and entered; one that cannot be
     * entered ends it, named as far as it goes, with the errno of entering it (or of making it, if it
     * does not exist).
     */
    private boolean makeAncestors(String dir) {
        int component = 0, separator = -1;
        for (int p = 0; p < dir.length(); ) {
            char c = dir.charAt(p++);
            if (p < dir.length() && dir.charAt(p) == '/') {
                if (c != '/') separator = p; // the first slash of a run ends a component
            } else if (c == '/' && p < dir.length() && separator >= 0) {
                String name = dir.substring(component, separator);
                if (!name.equals(".")) {
                    String prefix = dir.substring(0, separator);
                    int makeErrno = 0;
                    if (!name.equals("..")) {
                        try {
                            Posix.mkdir(files.path(prefix), install ? 0755 : 0777);
                            giveAncestorMode(prefix);
                        } catch (ErrnoException e) {
                            makeErrno = e.errno();
                        }
                    }
                    int enterErrno = enterErrno(prefix);
                    if (enterErrno != 0) {
                        int errno = makeErrno != 0 && enterErrno == Errno.ENOENT ? makeErrno : enterErrno;
                        messages.print("cannot create directory " + CoreutilsQuote.quote(prefix), errno);
                        return false;
                    }
                }
                component = p;
            }
        }
        return true;
    }

    /** What chdir into it would fail with, or 0. */
    private int enterErrno(String word) {
        try {
            return files.stat(word, true).isDirectory() ? 0 : Errno.ENOTDIR;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    /** A new ancestor's mode: mkdir's umask spares u+wx; install's is 0 (0755). */
    private void giveAncestorMode(String word) {
        try {
            int made = files.stat(word, false).permissions();
            int wanted = install ? 0755 | (made & 06000) : made | 0300;
            if (made != wanted) Posix.chmod(files.path(word), wanted);
        } catch (ErrnoException e) {
            // as if made so: what follows fails or not as it would anyway
        }
    }

    /** A new directory as made under a umask that spares {@code bits} (the set-group-ID bit it inherited kept). */
    private void unmask(String word, int bits) {
        try {
            int made = files.stat(word, false).permissions();
            int wanted = bits | (made & 06000);
            if (made != wanted) Posix.chmod(files.path(word), wanted);
        } catch (ErrnoException e) {
            // as above
        }
    }

    /** dirchownmod: the owner if it differs, then the enforced mode bits if they differ; the errno, or 0. */
    private int chownAndChmod(String dir, int mkdirMode) {
        Stat st;
        try {
            st = files.stat(dir, true);
        } catch (ErrnoException e) {
            return e.errno();
        }
        if (!st.isDirectory()) return Errno.ENOTDIR;
        int indeterminate = 0;
        try {
            if ((uid != -1 && uid != st.uid()) || (gid != -1 && gid != st.gid())) {
                Posix.chown(files.path(dir), uid, gid, mkdirMode == -1);
                // chown may clear the set-ID bits of an executable: set them again if they are enforced
                if ((st.mode() & 0111) != 0) indeterminate = 06000;
            }
            if ((((st.mode() ^ mode) | indeterminate) & modeBits) != 0) {
                Posix.chmod(files.path(dir), mode | (st.permissions() & ~modeBits));
            }
        } catch (ErrnoException e) {
            return e.errno();
        }
        return 0;
    }
}
