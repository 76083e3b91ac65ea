package jrunit.runsv;

/** {@link RunitInteropTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. */
@Hosted
class HostedRunitInteropTest extends RunitInteropTest {}
