package jrunit.runsv;

/** {@link ServiceDirectoryFilesTest} against a supervisor hosted as {@code runsvdir --hosted} hosts it. */
@Hosted
class HostedServiceDirectoryFilesTest extends ServiceDirectoryFilesTest {
}
