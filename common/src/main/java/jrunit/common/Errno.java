package jrunit.common;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.HashMap;
import java.util.Map;

/**
 * Linux errno values and the texts runit prints for them (djb style, not strerror):
 * "file does not exist", "access denied", "temporary failure"…
 *
 * <p>{@link #of(IOException)} recovers the errno from a JDK I/O exception, so pure-Java file code
 * can print runit's exact messages without a native call.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
            ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14,
            ENOTBLK = 15, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21,
            EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28,
            ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34, EDEADLK = 35,
            ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EWOULDBLOCK = EAGAIN,
            ENOSTR = 60, ENODATA = 61, ETIME = 62, ENOSR = 63, ENOLINK = 67, EPROTO = 71, EBADMSG = 74,
            EOVERFLOW = 75, EILSEQ = 84, EUSERS = 87, ENOTSOCK = 88, EDESTADDRREQ = 89, EMSGSIZE = 90,
            EPROTOTYPE = 91, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93, ESOCKTNOSUPPORT = 94, EOPNOTSUPP = 95,
            EPFNOSUPPORT = 96, EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100,
            ENETUNREACH = 101, ENETRESET = 102, ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105,
            EISCONN = 106, ENOTCONN = 107, ESHUTDOWN = 108, ETOOMANYREFS = 109, ETIMEDOUT = 110,
            ECONNREFUSED = 111, EHOSTDOWN = 112, EHOSTUNREACH = 113, EALREADY = 114, EINPROGRESS = 115,
            ESTALE = 116, EREMOTEIO = 121, EDQUOT = 122;

    private static final Map<Integer, String> TEXT = new HashMap<>();
    private static final Map<String, Integer> BY_STRERROR = new HashMap<>();
    private static final Map<Integer, String> STRERROR = new HashMap<>();

    private static void def(int errno, String runit, String strerror) {
        TEXT.putIfAbsent(errno, runit);
        BY_STRERROR.putIfAbsent(strerror, errno);
        STRERROR.putIfAbsent(errno, strerror);
    }

    static {
        def(0, "no error", "Success");
        def(EINTR, "interrupted system call", "Interrupted system call");
        def(ENOMEM, "out of memory", "Cannot allocate memory");
        def(ENOENT, "file does not exist", "No such file or directory");
        def(ETXTBSY, "text busy", "Text file busy");
        def(EIO, "input/output error", "Input/output error");
        def(EEXIST, "file already exists", "File exists");
        def(ETIMEDOUT, "timed out", "Connection timed out");
        def(EINPROGRESS, "operation in progress", "Operation now in progress");
        def(EAGAIN, "temporary failure", "Resource temporarily unavailable");
        def(EPIPE, "broken pipe", "Broken pipe");
        def(EPERM, "permission denied", "Operation not permitted");
        def(EACCES, "access denied", "Permission denied");
        def(ENXIO, "device not configured", "No such device or address");
        def(EPROTO, "protocol error", "Protocol error");
        def(EISDIR, "is a directory", "Is a directory");
        def(ESRCH, "no such process", "No such process");
        def(E2BIG, "argument list too long", "Argument list too long");
        def(ENOEXEC, "exec format error", "Exec format error");
        def(EBADF, "file descriptor not open", "Bad file descriptor");
        def(ECHILD, "no child processes", "No child processes");
        def(EDEADLK, "operation would cause deadlock", "Resource deadlock avoided");
        def(EFAULT, "bad address", "Bad address");
        def(ENOTBLK, "not a block device", "Block device required");
        def(EBUSY, "device busy", "Device or resource busy");
        def(EXDEV, "cross-device link", "Invalid cross-device link");
        def(ENODEV, "device does not support operation", "No such device");
        def(ENOTDIR, "not a directory", "Not a directory");
        def(EINVAL, "invalid argument", "Invalid argument");
        def(ENFILE, "system cannot open more files", "Too many open files in system");
        def(EMFILE, "process cannot open more files", "Too many open files");
        def(ENOTTY, "not a tty", "Inappropriate ioctl for device");
        def(EFBIG, "file too big", "File too large");
        def(ENOSPC, "out of disk space", "No space left on device");
        def(ESPIPE, "unseekable descriptor", "Illegal seek");
        def(EROFS, "read-only file system", "Read-only file system");
        def(EMLINK, "too many links", "Too many links");
        def(EDOM, "input out of range", "Numerical argument out of domain");
        def(ERANGE, "output out of range", "Numerical result out of range");
        def(ENAMETOOLONG, "file name too long", "File name too long");
        def(ENOLCK, "no locks available", "No locks available");
        def(ENOSYS, "system call not available", "Function not implemented");
        def(ENOTEMPTY, "directory not empty", "Directory not empty");
        def(ELOOP, "symbolic link loop", "Too many levels of symbolic links");
        def(EDQUOT, "disk quota exceeded", "Disk quota exceeded");
        def(ESTALE, "stale NFS file handle", "Stale file handle");
        def(EREMOTEIO, "remote I/O error", "Remote I/O error");
        def(ENOTSOCK, "not a socket", "Socket operation on non-socket");
        def(EDESTADDRREQ, "destination address required", "Destination address required");
        def(EMSGSIZE, "message too long", "Message too long");
        def(EPROTOTYPE, "incorrect protocol type", "Protocol wrong type for socket");
        def(ENOPROTOOPT, "protocol not available", "Protocol not available");
        def(EPROTONOSUPPORT, "protocol not supported", "Protocol not supported");
        def(ESOCKTNOSUPPORT, "socket type not supported", "Socket type not supported");
        def(EOPNOTSUPP, "operation not supported", "Operation not supported");
        def(EPFNOSUPPORT, "protocol family not supported", "Protocol family not supported");
        def(EAFNOSUPPORT, "address family not supported", "Address family not supported by protocol");
        def(EADDRINUSE, "address already used", "Address already in use");
        def(EADDRNOTAVAIL, "address not available", "Cannot assign requested address");
        def(ENETDOWN, "network down", "Network is down");
        def(ENETUNREACH, "network unreachable", "Network is unreachable");
        def(ENETRESET, "network reset", "Network dropped connection on reset");
        def(ECONNABORTED, "connection aborted", "Software caused connection abort");
        def(ECONNRESET, "connection reset", "Connection reset by peer");
        def(ENOBUFS, "out of buffer space", "No buffer space available");
        def(EISCONN, "already connected", "Transport endpoint is already connected");
        def(ENOTCONN, "not connected", "Transport endpoint is not connected");
        def(ESHUTDOWN, "socket shut down", "Cannot send after transport endpoint shutdown");
        def(ETOOMANYREFS, "too many references", "Too many references: cannot splice");
        def(ECONNREFUSED, "connection refused", "Connection refused");
        def(EHOSTDOWN, "host down", "Host is down");
        def(EHOSTUNREACH, "host unreachable", "No route to host");
        def(EALREADY, "operation already in progress", "Operation already in progress");
        def(EUSERS, "too many users", "Too many users");
        def(EOVERFLOW, "value too large for defined data type", "Value too large for defined data type");
    }

    /** runit's text for {@code errno}; "unknown error" for anything runit does not name. */
    public static String text(int errno) {
        return TEXT.getOrDefault(errno, "unknown error");
    }

    /** glibc's strerror text in the C locale, as coreutils prints it ("No such file or directory"). */
    public static String strerror(int errno) {
        String text = STRERROR.get(errno);
        return text != null ? text : "Unknown error " + errno;
    }

    /**
     * The errno behind a JDK I/O exception: the JDK's own subclasses for the common cases, and the
     * strerror text in {@link FileSystemException#getReason()} for the rest. EIO if it cannot tell.
     */
    public static int of(IOException e) {
        if (e instanceof ErrnoException ee) return ee.errno();
        if (e instanceof NoSuchFileException) return ENOENT;
        if (e instanceof AccessDeniedException) return EACCES;
        if (e instanceof FileAlreadyExistsException) return EEXIST;
        if (e instanceof NotDirectoryException) return ENOTDIR;
        if (e instanceof DirectoryNotEmptyException) return ENOTEMPTY;
        if (e instanceof FileSystemLoopException) return ELOOP;
        String reason = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (reason != null) {
            Integer n = BY_STRERROR.get(reason.trim());
            if (n != null) return n;
            // the JDK sometimes appends to the strerror text ("Too many levels of symbolic links or …")
            String best = null;
            for (String s : BY_STRERROR.keySet()) {
                if (reason.startsWith(s) && (best == null || s.length() > best.length())) best = s;
            }
            if (best != null && !best.equals("Success")) return BY_STRERROR.get(best);
            // java.io's FileNotFoundException says "path (strerror)"
            int open = reason.lastIndexOf('(');
            if (open >= 0 && reason.endsWith(")")) {
                n = BY_STRERROR.get(reason.substring(open + 1, reason.length() - 1));
                if (n != null) return n;
            }
        }
        return EIO;
    }

    /** runit's text for the errno behind a JDK I/O exception. */
    public static String text(IOException e) {
        return text(of(e));
    }
}
