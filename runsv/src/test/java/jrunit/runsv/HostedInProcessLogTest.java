package jrunit.runsv;

/** {@link InProcessLogTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. */
@Hosted
class HostedInProcessLogTest extends InProcessLogTest {}
