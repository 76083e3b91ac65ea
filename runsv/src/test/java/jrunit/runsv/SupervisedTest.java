package jrunit.runsv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Base of runsv's process tests: a temporary directory to build service directories in, and the
 * supervisors a test starts there, each stopped (with everything it started) after the test.
 */
abstract class SupervisedTest {
    @TempDir
    Path tmp;
    private final List<Supervised> started = new ArrayList<>();

    @AfterEach
    void stopSupervisors() {
        started.forEach(Supervised::close);
    }

    /** Our runsv on {@code dir} (a hosted supervisor in a {@link Hosted} class), once it has set up supervise/. */
    Supervised ours(Path dir) throws IOException {
        return stoppedAfterTest(Supervised.ours(dir)).awaitReady();
    }

    /** Our runsv on {@code dir} with {@code jrunitBin} as its tools (see {@link Supervised#ours(Path, Path)}), once set up. */
    Supervised ours(Path dir, Path jrunitBin) throws IOException {
        return stoppedAfterTest(Supervised.ours(dir, jrunitBin)).awaitReady();
    }

    /** Debian's runsv on {@code dir}, once it has set up supervise/. */
    Supervised runit(Path dir) throws IOException {
        return stoppedAfterTest(Supervised.runit(dir)).awaitReady();
    }

    private Supervised stoppedAfterTest(Supervised s) {
        started.add(s);
        return s;
    }
}
