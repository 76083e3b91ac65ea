package jrunit.svlogd;

/** {@link DiskFullTest}'s cases with the engine hosted in-process: pausing on a full disk loses nothing there either. */
@InProcess
class InProcessDiskFullTest extends DiskFullTest {
}
