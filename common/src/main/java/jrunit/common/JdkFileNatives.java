package jrunit.common;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * open(2), write(2) and close(2) through the JDK's own file-system natives
 * (sun.nio.fs.UnixNativeDispatcher), which the JVM has loaded anyway: {@link Posix}'s first FFM
 * call costs a client tool ~30 ms of linking, most of {@code sv status}'s budget. Reachable only
 * when the JVM was started with {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED} (sv's launcher
 * does); otherwise, or if the JDK's internals change shape, {@link #AVAILABLE} is false and Posix
 * makes the same calls through FFM. Same flags, same errno either way. The launcher also passes
 * {@code -Djdk.reflect.useNativeAccessorOnly=true}: for a handful of calls JNI-backed reflection starts
 * ~15 ms faster than spinning method handles (the JDK reads that property once, early: setting it
 * from here would be too late).
 */
final class JdkFileNatives {
    private JdkFileNatives() {}

    static final boolean AVAILABLE;
    private static final Method OPEN, CLOSE, WRITE, ERRNO, AS_NATIVE, ADDRESS, RELEASE;

    static {
        Method open = null, close = null, write = null, errno = null, asNative = null, address = null, release = null;
        boolean ok = false;
        if (Object.class.getModule().isOpen("sun.nio.fs", JdkFileNatives.class.getModule())) {
            try {
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

    /**
     * Whether {@code path} reaches the kernel as the same bytes here as through FFM: ASCII is encoded
     * alike under every locale, and a Path must not have tidied it (a trailing '/' changes what open does).
     */
    static boolean sameBytes(String path) {
        for (int i = 0; i < path.length(); i++) if (path.charAt(i) >= 0x80 || path.charAt(i) == 0) return false;
        return !path.isEmpty() && Path.of(path).toString().equals(path);
    }

    static int open(String path, int flags, int mode) throws ErrnoException {
        return (int) invoke(OPEN, "open", Path.of(path), flags, mode);
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
