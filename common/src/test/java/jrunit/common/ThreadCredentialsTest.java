package jrunit.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link Posix#dropThreadCredentials}: one thread becomes nobody; the rest of the JVM stays root. */
class ThreadCredentialsTest {
    @TempDir
    Path tmp;

    @Test
    void oneThreadActsAsNobodyWhileTheProcessStaysRoot() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: dropping a thread's credentials");
        Posix.Passwd nobody = Posix.getpwnam("nobody");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path rootOnly = Files.createDirectory(tmp.resolve("root-only"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Posix.dropThreadCredentials(nobody.uid(), new int[] {nobody.gid()});
                Files.writeString(tmp.resolve("by-nobody"), "x");
                if (Posix.geteuid() != nobody.uid()) result.set("euid " + Posix.geteuid());
                try {
                    Files.writeString(rootOnly.resolve("f"), "x");
                    result.set("wrote into a root-only directory");
                } catch (java.nio.file.AccessDeniedException expected) {
                    // as nobody
                }
                // spawned children inherit the thread's user, and cannot take root back
                int[] p = Posix.pipe(Posix.O_CLOEXEC);
                int pid = Posix.spawn(Posix.Spawn.of("/bin/sh", java.util.List.of("sh", "-c", "id -u; id -g; id -G"), -1, p[1], 2));
                Posix.close(p[1]);
                byte[] b = new byte[256];
                int n = 0, r;
                while ((r = Posix.read(p[0], b, n, b.length - n)) > 0) n += r;
                Posix.close(p[0]);
                Posix.waitpid(pid, 0);
                result.compareAndSet(null, new String(b, 0, n));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.join();
        String g = Integer.toString(nobody.gid());
        assertEquals(nobody.uid() + "\n" + g + "\n" + g + "\n", result.get());
        assertEquals(nobody.uid(), Files.getAttribute(tmp.resolve("by-nobody"), "unix:uid"));
        assertEquals(nobody.gid(), Files.getAttribute(tmp.resolve("by-nobody"), "unix:gid"));
        // this thread (and so the process) is still root
        assertEquals(0, Posix.geteuid());
        Files.writeString(rootOnly.resolve("by-root"), "x");
        assertEquals(0, Files.getAttribute(rootOnly.resolve("by-root"), "unix:uid"));
    }

    @Test
    void aThreadThatDroppedCannotTakeRootBack() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: dropping a thread's credentials");
        Posix.Passwd nobody = Posix.getpwnam("nobody");
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Posix.dropThreadCredentials(nobody.uid(), new int[] {nobody.gid()});
                Posix.dropThreadCredentials(0, new int[] {0});
                result.set("became root again");
            } catch (ErrnoException e) {
                result.set(e.errno());
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.join();
        assertEquals(Errno.EPERM, result.get());
        assertEquals(0, Posix.geteuid());
    }
}
