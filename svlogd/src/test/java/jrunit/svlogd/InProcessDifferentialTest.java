package jrunit.svlogd;

/**
 * Every case of {@link DifferentialTest} again, with "ours" the engine hosted in-process
 * ({@link InProcessSvlogd}): it must still leave what Debian's svlogd leaves.
 */
@InProcess
class InProcessDifferentialTest extends DifferentialTest {
}
