package jrunit.runsv;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * {@link RunsvStartTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. The tests left
 * out below are about the runsv program, not the supervisor: they start {@code runsv} themselves (so would
 * only repeat the runsv run) or look at the runsv process, which a hosted supervisor has none of.
 */
@Hosted
class HostedRunsvStartTest extends RunsvStartTest {
    @Test
    @Disabled("runsv's command line: runs the runsv program itself, no hosted supervisor is involved")
    @Override
    void usageWithoutOrWithTooManyArgumentsExitsOne() {}

    @Test
    @Disabled("runsv's exit code 111 as a process; runs the runsv program itself (hosted: runsvdir reports and retries)")
    @Override
    void missingDirectoryIsFatal111LikeRunit() {}

    @Test
    @Disabled("runsv's exit code 111 as a process; runs the runsv program itself (hosted: runsvdir reports and retries)")
    @Override
    void controlThatIsNotAFifoIsFatal() {}

    @Test
    @Disabled("runsv's exit code 111 as a process; runs the runsv program itself (hosted: runsvdir reports and retries)")
    @Override
    void superviseThatCannotBeCreatedIsFatalAsInRunit() {}

    @Test
    @Disabled("ps shows runsvdir for a hosted supervisor: there is no runsv process to carry runsv's title")
    @Override
    void processTitleIsRunsvAndTheDirectory() {}
}
