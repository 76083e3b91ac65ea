package jrunit.chpst;

import jrunit.common.ByteStrings;
import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * An envdir: each file not starting with '.' sets the variable of its name to its first line
 * (trailing spaces and tabs dropped, NUL bytes turned into newlines), or removes the variable if
 * the file is empty. Read from inside the directory, in readdir order, as runit does.
 *
 * <p>One runit quirk is kept on purpose: an entry that does not exist when opened (a dangling
 * symlink) reuses the previous entry's buffer, NUL terminator included.
 */
final class EnvDir {
    private EnvDir() {}

    /**
     * @param lenient {@code chpst -e}: a subdirectory is skipped (a warning with {@code verbose});
     *                the envdir personality treats it as fatal
     */
    static void read(String dir, boolean lenient, boolean verbose, PendingEnvironment env) throws Fatal {
        int start;
        try {
            start = Posix.open(".", Posix.O_RDONLY | Posix.O_NONBLOCK, 0);
        } catch (ErrnoException e) {
            throw new Fatal("unable to open current working directory", e);
        }
        try {
            Posix.chdir(ByteStrings.forPosix(dir));
        } catch (ErrnoException e) {
            throw new Fatal("unable to switch to directory: " + dir, e);
        }
        List<byte[]> names;
        int dirFd;
        try {
            dirFd = Posix.open(".", Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            throw new Fatal("unable to open directory: " + dir, e);
        }
        try {
            names = Posix.readDirectory(dirFd);
        } catch (ErrnoException e) {
            throw new Fatal("unable to read directory: " + dir, e);
        } finally {
            closeQuietly(dirFd);
        }
        Buffer sa = new Buffer();
        for (byte[] raw : names) {
            String name = ByteStrings.of(raw);
            if (name.startsWith(".")) continue;
            try {
                sa.readFile(name);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EISDIR && lenient) {
                    if (verbose) Chpst.warn("unable to read " + dir + "/" + name + ": " + e.text());
                    continue;
                }
                throw new Fatal("unable to read " + dir + "/" + name, e);
            }
            if (sa.length > 0) {
                env.set(name, sa.firstLineAsValue());
            } else {
                env.remove(name);
            }
        }
        try {
            Posix.fchdir(start);
        } catch (ErrnoException e) {
            throw new Fatal("unable to switch to starting directory", e);
        }
        closeQuietly(start);
    }

    private static void closeQuietly(int fd) {
        try {
            Posix.close(fd);
        } catch (ErrnoException ignored) {
            // nothing left to do with it
        }
    }

    /** runit's reusable read buffer, with its exact life cycle. */
    private static final class Buffer {
        byte[] bytes = new byte[0];
        int length;

        /** Reads the whole file; a file that does not exist leaves the buffer as it was. */
        void readFile(String name) throws ErrnoException {
            int fd;
            try {
                fd = Posix.open(ByteStrings.forPosix(name), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) return;
                throw e;
            }
            length = 0; // runit empties the buffer before reading, so a read error leaves it empty
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] chunk = new byte[4096];
                int n;
                while ((n = Posix.read(fd, chunk, 0, chunk.length)) > 0) out.write(chunk, 0, n);
                bytes = out.toByteArray();
                length = bytes.length;
            } finally {
                closeQuietly(fd);
            }
        }

        /** Cuts the buffer to the value (and NUL-terminates it, as runit leaves it for the next entry). */
        String firstLineAsValue() {
            int len = 0;
            while (len < length && bytes[len] != '\n') len++;
            while (len > 0 && (bytes[len - 1] == ' ' || bytes[len - 1] == '\t')) len--;
            for (int i = 0; i < len; i++) if (bytes[i] == 0) bytes[i] = '\n';
            String value = new String(bytes, 0, len, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (bytes.length < len + 1) bytes = java.util.Arrays.copyOf(bytes, len + 1);
            bytes[len] = 0;
            length = len + 1;
            return value;
        }
    }
}
