package jrunit.svlogd;

/**
 * Every case of {@link SvlogdTest} again, with the engine hosted in-process ({@link InProcessSvlogd}:
 * {@link SvlogdEngine#HOSTED_BUFFER}, its own thread, signals as calls): the same files, contents,
 * modes, stderr and exit codes are expected.
 */
@InProcess
class InProcessSvlogdTest extends SvlogdTest {
}
