package jrunit.runsv;

import org.junit.jupiter.api.Disabled;

/** {@link InProcessLogTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. */
@Hosted
class HostedInProcessLogTest extends InProcessLogTest {
    @Override
    @Disabled("signals to the recorded pid are the host's own: runsvdir's HUP and ALRM mean what they mean to runsvdir")
    void hupAndAlrmSentToTheRecordedPidReachTheLogger() {}
}
