import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Restart latency of a supervisor (run by bench/runsv.sh): SIGKILL the running ./run of a service
 * after it has run over a second, and time until supervise/status shows the new pid.
 * Usage: java RestartLatency.java SERVICE_DIR ROUNDS. Prints "median_ms min_ms p90_ms".
 */
public class RestartLatency {
    public static void main(String[] args) throws Exception {
        Path status = Path.of(args[0], "supervise", "status");
        int rounds = Integer.parseInt(args[1]);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            int pid = waitForPid(status, 0);
            long seen = System.nanoTime();
            while (System.nanoTime() - seen < 1_200_000_000L) Thread.sleep(20); // ran over a second
            ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
            long t0 = System.nanoTime();
            h.destroyForcibly();
            waitForPid(status, pid);
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        Collections.sort(ms);
        System.out.printf("%.2f %.2f %.2f%n", ms.get(ms.size() / 2), ms.get(0), ms.get((int) (ms.size() * 0.9)));
    }

    /** Polls (every 50 µs) until status shows a running pid other than {@code old}. */
    static int waitForPid(Path status, int old) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            byte[] b;
            try {
                b = Files.readAllBytes(status);
            } catch (java.io.IOException e) {
                continue;
            }
            if (b.length == 20 && b[19] == 1) {
                int pid = (b[12] & 0xff) | (b[13] & 0xff) << 8 | (b[14] & 0xff) << 16 | (b[15] & 0xff) << 24;
                if (pid != 0 && pid != old) return pid;
            }
            LockSupport.parkNanos(50_000);
        }
        throw new IllegalStateException("no new pid in " + status);
    }
}
