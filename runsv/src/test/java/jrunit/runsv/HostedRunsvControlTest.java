package jrunit.runsv;

/** {@link RunsvControlTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. */
@Hosted
class HostedRunsvControlTest extends RunsvControlTest {}
