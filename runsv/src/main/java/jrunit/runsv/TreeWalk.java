package jrunit.runsv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.runsv.Preparation.FileOps;
import jrunit.runsv.Preparation.Messages;
import jrunit.runsv.Preparation.Stat;
import jrunit.runsv.PreparationStep.Mode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * chown's and chmod's walk over their operands as their fts does: an operand given is followed if it
 * is a symbolic link (chown -R changes the link itself), entries below it never are; names in
 * messages are the operand joined with the entries' names, in directory order; chmod changes a
 * directory before its entries, chown -R after them; chmod leaves symbolic links alone.
 */
final class TreeWalk {
    private final FileOps files;
    private final Messages messages;

    TreeWalk(FileOps files, Messages messages) {
        this.files = files;
        this.messages = messages;
    }

    /** chown of one operand; false if anything failed (after saying so). */
    boolean chown(String operand, int uid, int gid, boolean recursive) {
        if (recursive) return chownPhysical(operand, uid, gid);
        try {
            files.stat(operand, true);
        } catch (ErrnoException e) {
            boolean dangling = e.errno() == Errno.ENOENT && isSymbolicLink(operand);
            messages.print((dangling ? "cannot dereference " : "cannot access ") + CoreutilsQuote.quoteFileName(operand), e.errno());
            return false;
        }
        return chownOne(operand, uid, gid, true);
    }

    private boolean chownPhysical(String name, int uid, int gid) {
        Stat st;
        try {
            st = files.stat(name, false);
        } catch (ErrnoException e) {
            messages.print("cannot access " + CoreutilsQuote.quoteFileName(name), e.errno());
            return false;
        }
        boolean ok = true;
        if (st.isDirectory()) {
            List<String> entries = entries(name);
            if (entries == null) ok = false;
            else for (String entry : entries) ok &= chownPhysical(join(name, entry), uid, gid);
        }
        return chownOne(name, uid, gid, false) && ok;
    }

    private boolean chownOne(String name, int uid, int gid, boolean follow) {
        try {
            Posix.chown(files.path(name), uid, gid, follow);
            return true;
        } catch (ErrnoException e) {
            messages.print("changing ownership of " + CoreutilsQuote.quoteFileName(name), e.errno());
            return false;
        }
    }

    /** chmod of one operand (and below it, with -R); false if anything failed. */
    boolean chmod(String operand, Mode mode, boolean recursive) {
        Stat st;
        try {
            st = files.stat(operand, true);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT && isSymbolicLink(operand)) {
                messages.print("cannot operate on dangling symlink " + CoreutilsQuote.quoteFileName(operand), 0);
            } else {
                messages.print("cannot access " + CoreutilsQuote.quoteFileName(operand), e.errno());
            }
            return false;
        }
        return chmod(operand, st, mode, recursive);
    }

    private boolean chmod(String name, Stat st, Mode mode, boolean recursive) {
        if (st.isSymbolicLink()) return true; // below an operand: neither the link nor what it points to
        boolean ok = true;
        try {
            Posix.chmod(files.path(name), mode.applyTo(st.permissions(), st.isDirectory()));
        } catch (ErrnoException e) {
            messages.print("changing permissions of " + CoreutilsQuote.quoteFileName(name), e.errno());
            ok = false;
        }
        if (recursive && st.isDirectory()) {
            List<String> entries = entries(name);
            if (entries == null) return false;
            for (String entry : entries) {
                String child = join(name, entry);
                try {
                    ok &= chmod(child, files.stat(child, false), mode, true);
                } catch (ErrnoException e) {
                    messages.print("cannot access " + CoreutilsQuote.quoteFileName(child), e.errno());
                    ok = false;
                }
            }
        }
        return ok;
    }

    /** The directory's entries in the order the kernel gives them (fts's), or null after "cannot read directory". */
    private List<String> entries(String dir) {
        int fd;
        try {
            fd = Posix.open(files.path(dir), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            messages.print("cannot read directory " + CoreutilsQuote.quoteFileName(dir), e.errno());
            return null;
        }
        try {
            List<String> names = new ArrayList<>();
            for (byte[] n : Posix.readDirectory(fd)) {
                String name = new String(n, StandardCharsets.UTF_8);
                if (!name.equals(".") && !name.equals("..")) names.add(name);
            }
            return names;
        } catch (ErrnoException e) {
            messages.print("cannot read directory " + CoreutilsQuote.quoteFileName(dir), e.errno());
            return null;
        } finally {
            try {
                Posix.close(fd);
            } catch (ErrnoException ignored) {
                // read-only descriptor: nothing is lost
            }
        }
    }

    private boolean isSymbolicLink(String word) {
        try {
            return files.stat(word, false).isSymbolicLink();
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** fts's name for an entry: no second slash after an operand that ends in one. */
    private static String join(String dir, String entry) {
        return dir.endsWith("/") ? dir + entry : dir + "/" + entry;
    }
}
