package jrunit.runsv;

import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An Error in any thread of a supervising process ends it at once with 111, so it is restarted and adopts. */
class FailFastTest {
    /** A process that installs FailFast, keeps a non-daemon thread alive, and hits an Error on another thread. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            FailFast.install("runsv web: fatal: internal error: ");
            Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(600_000); // would keep the JVM alive after the failing thread died
                } catch (InterruptedException e) {
                    // ends
                }
            });
            if (args[0].equals("error")) Thread.ofPlatform().start(() -> { throw new InternalError("broken"); }).join();
            else Thread.ofPlatform().start(() -> { throw new IllegalStateException("one bad call"); }).join();
            System.out.print("still here\n");
            System.out.flush();
            System.exit(0);
        }
    }

    private static Process start(String what) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.JAVA, "-cp", System.getProperty("java.class.path"), Main.class.getName(), what));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void anErrorEndsTheProcessAtOnceWith111() throws Exception {
        Process p = start("error");
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(111, p.exitValue(), out);
            assertEquals("runsv web: fatal: internal error: java.lang.InternalError: broken\n", out);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anExceptionInOneThreadDoesNot() throws Exception {
        Process p = start("exception");
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.endsWith("still here\n"), out);
        } finally {
            p.destroyForcibly();
        }
    }
}
