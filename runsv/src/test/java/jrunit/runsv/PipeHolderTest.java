package jrunit.runsv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The holder keeps log pipes open in a child process of its own, replaced when the set changes, ended at close. */
class PipeHolderTest {
    @TempDir
    Path tmp;

    private static boolean alive(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void holdsPipesSoThatWritesFindAReaderAfterEveryOtherReadEndIsClosed() throws Exception {
        List<String> warnings = new ArrayList<>();
        PipeHolder holder = new PipeHolder(warnings::add);
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        int[] pa = Posix.pipe(Posix.O_CLOEXEC);
        int[] pb = Posix.pipe(Posix.O_CLOEXEC);
        try {
            holder.hold(a, pa[0]);
            holder.hold(b, pb[0]);
            int pid = Await.value("a holder holding both", () -> {
                int p = holder.holderPid();
                return p > 0 && Adoption.pipeOf(p, 4) != null ? p : null;
            });
            assertEquals(Adoption.pipeOf(Posix.getpid(), pa[0]), Adoption.pipeOf(pid, 3));
            assertEquals(Adoption.pipeOf(Posix.getpid(), pb[0]), Adoption.pipeOf(pid, 4));
            assertNull(Adoption.pipeOf(pid, 5));
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
            assertEquals(PipeHolder.MARK + "\0" + PipeHolder.LIFETIME_SECONDS + "\0", cmdline);
            String env = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.UTF_8);
            assertEquals("JRUNIT_PIPE_3=" + a.toRealPath() + "\0JRUNIT_PIPE_4=" + b.toRealPath() + "\0", env);

            // our own read end gone, the holder's keeps the pipe writable (no EPIPE), and the bytes wait in it
            Posix.close(pa[0]);
            pa[0] = -1;
            assertEquals(5, Posix.write(pa[1], "line\n".getBytes(), 0, 5));
            int[] again = Adoption.reopenPipe(pid, 3);
            byte[] buf = new byte[16];
            assertEquals(5, Posix.read(again[0], buf, 0, buf.length));
            Posix.close(again[0]);
            Posix.close(again[1]);

            // a change replaces the holder; the old one is ended and reaped
            holder.release(b);
            int next = Await.value("a new holder without b", () -> {
                int p = holder.holderPid();
                return p > 0 && p != pid ? p : null;
            });
            Await.until("the old holder gone", () -> !alive(pid));
            assertNull(Adoption.pipeOf(next, 4));
            assertTrue(Adoption.pipeOf(next, 3) != null);

            // killed by someone: a new one holds the pipe again
            Posix.kill(next, Posix.SIGKILL);
            int third = Await.value("a holder again", () -> {
                int p = holder.holderPid();
                return p > 0 && p != next && Adoption.pipeOf(p, 3) != null ? p : null;
            });
            assertNotEquals(next, third);

            holder.close();
            Await.until("closed: the holder ended", () -> !alive(third));
            assertEquals(List.of(), warnings);
        } finally {
            holder.close();
            for (int fd : new int[] {pa[0], pa[1], pb[0], pb[1]}) {
                try {
                    if (fd >= 0) Posix.close(fd);
                } catch (ErrnoException ignored) {
                    // closed above
                }
            }
        }
    }

    @Test
    void aHostWithoutInProcessLoggersStartsNothing() {
        PipeHolder holder = new PipeHolder(w -> { });
        assertNull(holder.reopenPrevious(tmp), "no holder of a dead host holds this directory");
        assertEquals(-1, holder.holderPid());
        holder.close();
    }
}
