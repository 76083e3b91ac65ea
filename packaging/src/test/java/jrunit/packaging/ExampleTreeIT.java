package jrunit.packaging;

import jrunit.common.SuperviseStatus;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command, through the built tree's launchers: {@code runsvdir --hosted} on the bundled
 * example supervises {@code hello} and runs its {@code exec svlogd -tt ./main} logger inside its own JVM
 * (the launcher tells it where the tree's tools are), and Debian's sv reads it as runit's.
 */
class ExampleTreeIT {
    @TempDir
    Path tmp;
    private Process runsvdir;

    @AfterEach
    void stop() throws Exception {
        if (runsvdir == null) return;
        List<ProcessHandle> all = new ArrayList<>(runsvdir.descendants().toList());
        all.add(runsvdir.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) p.onExit().get(30, TimeUnit.SECONDS);
    }

    private static SuperviseStatus status(Path dir) {
        try {
            byte[] b = Files.readAllBytes(dir.resolve("supervise/status"));
            return b.length == SuperviseStatus.SIZE ? SuperviseStatus.decode(b) : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void theExampleRunsHostedWithItsLoggerInside() throws Exception {
        Path bin = Tree.built().resolve("bin");
        Path service = Tree.copy(Tree.module().resolve("../examples/service"), tmp.resolve("service"));
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("runsvdir").toString(), "--hosted", "service")
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile());
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().put("JRUNIT_JAVA_HOME", Tree.javaHome());
        runsvdir = pb.start();
        Path hello = service.resolve("hello");
        Path current = hello.resolve("log/main/current");
        Await.until("hello's first line in log/main/current (runsvdir said: " + Files.readString(tmp.resolve("out")) + ")",
                Duration.ofSeconds(60), () -> {
                    try {
                        return Files.exists(current) && Files.readString(current).contains("hello: started as pid");
                    } catch (IOException e) {
                        return false;
                    }
                });
        assertTrue(Files.readString(current).matches("\\d{4}-\\d\\d-\\d\\d_\\d\\d:\\d\\d:\\d\\d\\.\\d{5} hello: started as pid \\d+\n(?s).*"),
                Files.readString(current));
        SuperviseStatus log = status(hello.resolve("log"));
        assertEquals(runsvdir.pid(), log.pid(), "the logger runs in runsvdir's JVM");
        SuperviseStatus main = status(hello);
        // beside the service only the holder of the logger's pipe (a sleep whose argv[0] is jrunit-pipes)
        assertEquals(List.of(main.pid()), runsvdir.children().filter(h -> !isPipeHolder(h.pid()))
                        .map(h -> (int) h.pid()).toList(),
                "runsvdir's one child is the service: no runsv, no svlogd");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/sv")), "needs Debian's runit for its sv");
        Run sv = Run.of(java.util.Map.of("PATH", "/usr/bin:/bin"), tmp, "/usr/bin/sv", "status", hello.toString());
        assertTrue(sv.out().matches("run: " + hello + ": \\(pid " + main.pid() + "\\) \\d+s; run: log: \\(pid "
                + runsvdir.pid() + "\\) \\d+s\n"), sv.out());
    }

    private static boolean isPipeHolder(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).startsWith("jrunit-pipes\0");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
