package jrunit.common;

import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Posix's start-up rule, held: FFM generates a class (and native code) per distinct downcall shape, so every C
 * function goes through one. A child JVM makes calls of every kind (system calls, posix_spawn and its helpers,
 * an NSS lookup, limits, poll) and the JVM's class-loading log must show exactly one downcall stub generated.
 */
class OneDowncallShapeTest {

    /** The child JVM: one call of each kind Posix makes. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            int[] p = Posix.pipe(Posix.O_CLOEXEC);
            int pid = Posix.spawn(Posix.Spawn.of("/bin/true", List.of("true"), 0, p[1], 2).inDirectory("/").inNewSession());
            Posix.close(p[1]);
            Posix.waitpid(pid, 0);
            Posix.poll(new int[] {p[0]}, new short[] {Posix.POLLIN}, new short[1], 0);
            Posix.close(p[0]);
            Posix.getpwnam("root");
            Posix.getgrnam("root");
            Posix.getrlimit(Posix.RLIMIT_NOFILE);
            Posix.getNice();
            int fd = Posix.open(args[0], Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
            Posix.flock(fd, Posix.LOCK_EX);
            Posix.readDirectory(fd);
            Posix.close(fd);
            System.out.println("probe done");
        }
    }

    @Test
    void everyKindOfCallLinksOneDowncallStub(@TempDir Path dir) throws Exception {
        String out = PosixTest.spawnAndRead(Tools.JAVA, List.of(Tools.JAVA, "--enable-native-access=ALL-UNNAMED",
                "-Xlog:class+load=info:stdout", "-cp", System.getProperty("java.class.path"), Probe.class.getName(),
                dir.toString()));
        assertTrue(out.contains("probe done"), out);
        long stubs = out.lines().filter(l -> l.contains("jdk.internal.foreign.abi.DowncallStub")).count();
        assertEquals(1, stubs, "downcall stubs generated (one per distinct shape):\n"
                + String.join("\n", out.lines().filter(l -> l.contains("DowncallStub")).toList()));
    }
}
