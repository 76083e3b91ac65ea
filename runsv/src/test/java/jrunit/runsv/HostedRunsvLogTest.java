package jrunit.runsv;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link RunsvLogTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. */
class HostedRunsvLogTest extends RunsvLogTest {
    @BeforeAll
    static void hosted() {
        Supervised.hosted = true;
    }

    @AfterAll
    static void notHosted() {
        Supervised.hosted = false;
    }
}
