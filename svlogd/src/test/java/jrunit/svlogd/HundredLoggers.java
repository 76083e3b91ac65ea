package jrunit.svlogd;

import jrunit.common.Posix;
import jrunit.common.testing.Await;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Test-only: {@code HundredLoggers BASE N} runs N engines with default options at once, as a host runs
 * its loggers (HOSTED_BUFFER, a thread each with a small stack), each on a pipe and BASE/logI; each
 * logs one line, then all are terminated together. Run under a small -Xmx, it shows what N loggers
 * need of the heap. Exit 0 when every engine returned 0.
 */
final class HundredLoggers {
    private HundredLoggers() {}

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        SvlogdEngine[] engines = new SvlogdEngine[n];
        Thread[] threads = new Thread[n];
        int[] codes = new int[n];
        int[] writeFds = new int[n];
        for (int i = 0; i < n; i++) {
            Files.createDirectories(base.resolve("log" + i));
            engines[i] = SvlogdEngine.create(List.of("log" + i), base, OutputStream.nullOutputStream(), SvlogdEngine.HOSTED_BUFFER);
            int[] p = Posix.pipe(Posix.O_CLOEXEC);
            writeFds[i] = p[1];
            SvlogdEngine e = engines[i];
            int k = i;
            codes[i] = -1;
            threads[i] = Thread.ofPlatform().stackSize(256 * 1024).start(() -> codes[k] = e.run(p[0]));
            byte[] line = ("logger " + i + "\n").getBytes(StandardCharsets.US_ASCII);
            Posix.write(p[1], line, 0, line.length);
        }
        // all running at once: every line written (so every buffer allocated) before any ends
        for (int i = 0; i < n; i++) {
            Path current = base.resolve("log" + i + "/current");
            Await.until("logger " + i + " logged", () -> Svlogds.read(current).length() > 0);
        }
        System.gc();
        Runtime rt = Runtime.getRuntime();
        System.out.println("heap used with " + n + " loggers running: " + (rt.totalMemory() - rt.freeMemory()) / 1024 + " KiB");
        for (SvlogdEngine e : engines) e.terminate();
        for (int i = 0; i < n; i++) {
            threads[i].join();
            Posix.close(writeFds[i]);
            if (codes[i] != 0) throw new AssertionError("logger " + i + " returned " + codes[i]);
        }
        System.exit(0);
    }
}
