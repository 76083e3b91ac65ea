package jrunit.sv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Writers on runsv's FIFOs, opened {@code O_WRONLY|O_NONBLOCK} as runit's sv does: the open fails
 * with ENXIO when no runsv holds the read end, instead of blocking forever.
 *
 * <p>The JDK cannot open a file non-blocking, so this is {@link Posix} (FFM). The linker's first
 * call costs tens of milliseconds, most of {@code sv status}'s budget, so when the JVM was started
 * with {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED} the same open(2) is made through the
 * JDK's own already-loaded file-system natives instead (same flags, same errno). Without that
 * flag, or if the JDK's internals ever change shape, FFM is used: the behaviour is identical.
 */
final class Fifo {
    private Fifo() {}

    /** Opens {@code path} write-only, non-blocking. Throws the open's errno. */
    static int openWrite(Path path) throws ErrnoException {
        if (JdkNatives.AVAILABLE) return JdkNatives.open(path, Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        return Posix.open(path.toString(), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
    }

    static void close(int fd) {
        try {
            if (JdkNatives.AVAILABLE) JdkNatives.close(fd);
            else Posix.close(fd);
        } catch (ErrnoException e) {
            // a close error on a FIFO we only probed or wrote loses nothing
        }
    }

    /** One write(2) of {@code bytes}; returns the count written. */
    static int write(int fd, byte[] bytes) throws ErrnoException {
        if (JdkNatives.AVAILABLE) return JdkNatives.write(fd, bytes);
        return Posix.write(fd, bytes, 0, bytes.length);
    }

    /** sun.nio.fs.UnixNativeDispatcher's open/write/close, reached only when the package is opened to us. */
    private static final class JdkNatives {
        static final boolean AVAILABLE;
        private static final Method OPEN, CLOSE, WRITE, ERRNO, AS_NATIVE, ADDRESS, RELEASE;

        static {
            Method open = null, close = null, write = null, errno = null, asNative = null, address = null, release = null;
            boolean ok = false;
            Module base = Object.class.getModule();
            if (base.isOpen("sun.nio.fs", Fifo.class.getModule())) {
                try {
                    // a handful of calls: JNI-backed reflection starts faster than spinning method handles
                    if (System.getProperty("jdk.reflect.useNativeAccessorOnly") == null) {
                        System.setProperty("jdk.reflect.useNativeAccessorOnly", "true");
                    }
                    Class<?> dispatcher = Class.forName("sun.nio.fs.UnixNativeDispatcher");
                    open = dispatcher.getDeclaredMethod("open", Class.forName("sun.nio.fs.UnixPath"), int.class, int.class);
                    close = dispatcher.getDeclaredMethod("close", int.class);
                    write = dispatcher.getDeclaredMethod("write", int.class, long.class, int.class);
                    errno = Class.forName("sun.nio.fs.UnixException").getDeclaredMethod("errno");
                    // a C copy of the bytes to write, in the JDK's own native buffer pool
                    Class<?> buffers = Class.forName("sun.nio.fs.NativeBuffers");
                    Class<?> buffer = Class.forName("sun.nio.fs.NativeBuffer");
                    asNative = buffers.getDeclaredMethod("asNativeBuffer", byte[].class);
                    address = buffer.getDeclaredMethod("address");
                    release = buffers.getDeclaredMethod("releaseNativeBuffer", buffer);
                    for (Method m : new Method[] {open, close, write, errno, asNative, address, release}) m.setAccessible(true);
                    ok = open.getReturnType() == int.class && write.getReturnType() == int.class
                            && address.getReturnType() == long.class;
                } catch (ReflectiveOperationException | RuntimeException e) {
                    ok = false; // another JDK's internals: FFM it is
                }
            }
            AVAILABLE = ok;
            OPEN = open;
            CLOSE = close;
            WRITE = write;
            ERRNO = errno;
            AS_NATIVE = asNative;
            ADDRESS = address;
            RELEASE = release;
        }

        static int open(Path path, int flags) throws ErrnoException {
            return (int) invoke(OPEN, "open", path, flags, 0);
        }

        static void close(int fd) throws ErrnoException {
            invoke(CLOSE, "close", fd);
        }

        static int write(int fd, byte[] bytes) throws ErrnoException {
            Object buffer = invoke(AS_NATIVE, "write", (Object) bytes);
            try {
                long address = (long) invoke(ADDRESS, "write", buffer);
                return (int) invoke(WRITE, "write", fd, address, bytes.length);
            } finally {
                invoke(RELEASE, "write", buffer);
            }
        }

        private static Object invoke(Method m, String call, Object... args) throws ErrnoException {
            try {
                // address() is an instance method: its receiver comes first
                if (m == ADDRESS) return m.invoke(args[0]);
                return m.invoke(null, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                try {
                    if (cause != null && ERRNO.getDeclaringClass().isInstance(cause)) {
                        throw new ErrnoException(call, (int) ERRNO.invoke(cause));
                    }
                } catch (ReflectiveOperationException ignored) {
                    // fall through
                }
                throw new IllegalStateException(call + " failed", cause);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(call + " failed", e);
            }
        }
    }
}
