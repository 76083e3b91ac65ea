package jrunit.sv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Base of sv's process tests: an {@link SvHarness} on a temporary directory, and the supervisors
 * (stand-ins or real runsvs) a test starts, each stopped after the test.
 */
abstract class SvHarnessTest {
    @TempDir
    Path tmp;
    SvHarness h;
    private final List<AutoCloseable> started = new ArrayList<>();

    @BeforeEach
    void harness() throws IOException {
        h = new SvHarness(tmp);
    }

    @AfterEach
    void stopSupervisors() throws Exception {
        for (AutoCloseable s : started) s.close();
    }

    <T extends AutoCloseable> T stoppedAfterTest(T supervisor) {
        started.add(supervisor);
        return supervisor;
    }

    /** A stand-in supervisor on {@code dir} (made if need be). */
    FakeSupervisor fake(Path dir) throws IOException {
        return stoppedAfterTest(new FakeSupervisor(Files.createDirectories(dir)));
    }

    /** A stand-in supervisor on the service {@code name} in SVDIR. */
    FakeSupervisor fake(String name) throws IOException {
        return fake(h.svdir.resolve(name));
    }
}
