package jrunit.runsv;

import jrunit.common.Posix;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link InProcessLogger} as its supervisor sees it, in this JVM: a logger whose engine throws ends alone,
 * like an svlogd that died, with a status and a message, while another logger in the same JVM goes on.
 */
class InProcessLoggerTest {
    @TempDir
    Path tmp;

    private static LogRunScript.Plan svlogd(String... args) {
        return new LogRunScript.Plan(List.of(), -1, -1, null, null, List.of(args));
    }

    private static boolean ended(InProcessLogger l) {
        short[] revents = new short[1];
        try {
            return Posix.poll(new int[] {l.doneFd()}, new short[] {Posix.POLLIN}, revents, 0) > 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aLoggerThatThrowsEndsAloneWithSvlogdsFatalStatus() throws Exception {
        int[] goodPipe = Posix.pipe(Posix.O_CLOEXEC);
        int[] badPipe = Posix.pipe(Posix.O_CLOEXEC);
        Files.createDirectories(tmp.resolve("good"));
        ByteArrayOutputStream goodErr = new ByteArrayOutputStream(), badErr = new ByteArrayOutputStream();
        InProcessLogger good = InProcessLogger.start(svlogd("./good"), tmp, goodPipe[0], "good", goodErr, goodErr);
        // a NUL in a directory name: the engine throws (InvalidPathException) inside the logger's thread
        InProcessLogger bad = InProcessLogger.start(svlogd("./bad\0name"), tmp, badPipe[0], "bad", badErr, badErr);
        try {
            Await.until("the failing logger ended", () -> ended(bad));
            assertNotNull(bad.exitStatus());
            assertEquals(111 << 8, (int) bad.exitStatus(), "ends as svlogd's fatal exit");
            assertTrue(badErr.toString(StandardCharsets.UTF_8).startsWith("svlogd: fatal: internal error: "), badErr.toString());

            byte[] line = "still logging\n".getBytes(StandardCharsets.US_ASCII);
            Posix.write(goodPipe[1], line, 0, line.length);
            Await.until("the other logger wrote its line",
                    () -> Supervised.read(tmp.resolve("good/current")).equals("still logging\n"));
            assertTrue(!ended(good) && good.exitStatus() == null, "the other logger runs on");
        } finally {
            good.signal(Posix.SIGTERM);
            Await.until("the good logger ended", () -> ended(good));
            assertEquals(0, (int) good.exitStatus());
            good.close();
            bad.close();
            for (int fd : new int[] {goodPipe[0], goodPipe[1], badPipe[0], badPipe[1]}) Posix.close(fd);
        }
    }
}
