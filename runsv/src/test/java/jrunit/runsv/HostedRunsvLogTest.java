package jrunit.runsv;

/** {@link RunsvLogTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. */
@Hosted
class HostedRunsvLogTest extends RunsvLogTest {}
