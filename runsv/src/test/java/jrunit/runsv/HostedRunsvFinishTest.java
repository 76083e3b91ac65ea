package jrunit.runsv;

/** {@link RunsvFinishTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. */
@Hosted
class HostedRunsvFinishTest extends RunsvFinishTest {}
