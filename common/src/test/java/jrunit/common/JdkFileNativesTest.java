package jrunit.common;

import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Posix's open/write/close through the JDK's natives, in a JVM that opens sun.nio.fs as sv's launcher does. */
class JdkFileNativesTest {

    /** The child JVM: what Posix does there, one line per step. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            System.out.println("natives " + JdkFileNatives.AVAILABLE);
            try {
                Posix.open(args[0], Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
                System.out.println("fifo opened");
            } catch (ErrnoException e) {
                System.out.println("fifo " + Errno.text(e.errno()));
            }
            int fd = Posix.open(args[1], Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_CLOEXEC, 0640);
            System.out.println("wrote " + Posix.write(fd, "xxhello\n".getBytes(StandardCharsets.US_ASCII), 2, 6));
            Posix.close(fd);
            try {
                Posix.close(fd);
            } catch (ErrnoException e) {
                System.out.println("close again " + Errno.text(e.errno()));
            }
        }
    }

    private static String probe(Path dir, boolean openToUs) throws Exception {
        Path fifo = dir.resolve("fifo"), file = dir.resolve("file-" + openToUs);
        if (!Files.exists(fifo)) Posix.mkfifo(fifo.toString(), 0600);
        List<String> cmd = new java.util.ArrayList<>(List.of(Tools.JAVA, "--enable-native-access=ALL-UNNAMED"));
        if (openToUs) cmd.addAll(List.of("--add-opens", "java.base/sun.nio.fs=ALL-UNNAMED"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(), fifo.toString(), file.toString()));
        String out = PosixTest.spawnAndRead(Tools.JAVA, cmd);
        assertEquals("hello\n", Files.readString(file));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        return out;
    }

    @Test
    void sameResultsThroughTheJdksNativesAndThroughFfm(@TempDir Path dir) throws Exception {
        String steps = """
                fifo device not configured
                wrote 6
                close again file descriptor not open
                """;
        assertEquals("natives true\n" + steps, probe(dir, true));
        assertEquals("natives false\n" + steps, probe(dir, false));
    }
}
