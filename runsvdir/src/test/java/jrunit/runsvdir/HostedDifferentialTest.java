package jrunit.runsvdir;

import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's sv cannot tell a hosted supervisor from Debian's runsv: the same sv commands on the same
 * service, one under {@code runsvdir --hosted}, one under Debian's runsvdir + runsv, give the same
 * output, exit codes and {@code supervise/stat}, pids and seconds aside.
 */
class HostedDifferentialTest {
    @TempDir
    Path tmp;
    ServiceTree hosted, runit;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
        hosted = new ServiceTree(tmp.resolve("hosted"));
        runit = new ServiceTree(tmp.resolve("runit"));
    }

    @AfterEach
    void tearDown() {
        if (hosted != null) hosted.close();
        if (runit != null) runit.close();
    }

    private static Path service(ServiceTree tree) throws IOException {
        Path x = tree.service(tree.services.resolve("x"), "exec 2>&1\necho started\nexec sleep 1000");
        tree.service(x.resolve("log"), "exec cat > /dev/null");
        Files.writeString(x.resolve("finish"), "#!/bin/sh\nexit 0\n");
        x.resolve("finish").toFile().setExecutable(true);
        return x;
    }

    private static String sv(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.runit("sv"), "-w", "20"));
        cmd.addAll(List.of(args));
        cmd.add(dir.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() + " " + out.replace(dir.toString(), "DIR")
                .replaceAll("\\(pid \\d+\\)", "(pid N)").replaceAll("\\d+s", "Ts");
    }

    private static String stat(Path dir) {
        try {
            return Files.readString(dir.resolve("supervise/stat")) + "|" + Files.readString(dir.resolve("log/supervise/stat"));
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    @Test
    void sameAnswersToTheSameCommands() throws Exception {
        Path h = service(hosted), r = service(runit);
        Process ph = hosted.start(Tools.jrunit("runsvdir", "--hosted", "service"), "/bin:/usr/bin");
        Process pr = runit.start(List.of(Tools.runit("runsvdir"), "service"), ServiceTree.path("/usr/bin"));
        for (Path d : List.of(h, r)) {
            Await.until(d + " up", Duration.ofSeconds(30), () -> stat(d).equals("run\n|run\n"));
        }
        List<String[]> steps = List.of(new String[] {"status"}, new String[] {"down"}, new String[] {"status"},
                new String[] {"up"}, new String[] {"once"}, new String[] {"status"}, new String[] {"pause"},
                new String[] {"status"}, new String[] {"cont"}, new String[] {"up"}, new String[] {"term"},
                new String[] {"check"}, new String[] {"hup"}, new String[] {"down"}, new String[] {"check"});
        for (String[] step : steps) {
            String theirs = sv(r, step), ours = sv(h, step);
            // let each settle the same way before comparing the state files
            Await.until("same stat after sv " + String.join(" ", step), Duration.ofSeconds(30), () -> stat(h).equals(stat(r)));
            if (step[0].equals("hup")) {
                // HUP kills the service's sleep: both restart it, maybe after runit's one-second pause, and
                // equal stat files can also be both mid-restart; the next command must find both running
                for (Path d : List.of(h, r)) {
                    Await.until(d + " running again after hup", Duration.ofSeconds(30), () -> stat(d).equals("run\n|run\n"));
                }
            }
            assertEquals(theirs, ours, "sv " + String.join(" ", step));
        }
        assertTrue(ph.isAlive() && pr.isAlive());
    }
}
