package jrunit.runsvdir;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** runit's way of reading runsvdir's command line, and jrunit's long options before it. */
class InvocationTest {
    @Test
    void runitForms() throws Exception {
        assertEquals(new Invocation(false, "dir", null, null, false), Invocation.parse("dir"));
        assertEquals(new Invocation(true, "dir", "log: ......", null, false), Invocation.parse("-P", "dir", "log: ......", "ignored"));
        // only argv[1] is looked at: -Pxyz is -P, -- is skipped, any other -x is the directory
        assertEquals(new Invocation(true, "dir", null, null, false), Invocation.parse("-Pxyz", "dir"));
        assertEquals(new Invocation(false, "dir", null, null, false), Invocation.parse("--", "dir"));
        assertEquals(new Invocation(false, "-x", "dir", null, false), Invocation.parse("-x", "dir"));
        assertEquals(new Invocation(false, "-P", null, null, false), Invocation.parse("--", "-P"));
    }

    @Test
    void usage() {
        assertEquals(null, assertThrows(Invocation.UsageException.class, Invocation::parse).getMessage());
        assertThrows(Invocation.UsageException.class, () -> Invocation.parse("-P"));
        assertThrows(Invocation.UsageException.class, () -> Invocation.parse("--hosted", "-P"));
    }

    @Test
    void jrunitOptions() throws Exception {
        assertEquals(new Invocation(true, "/etc/service", null, Invocation.DEFAULT_DEADLINE, true),
                Invocation.parse("--container", "--hosted", "-P", "/etc/service"));
        assertEquals(Duration.ofMillis(2500), Invocation.parse("--container=2.5", "d").containerDeadline());
        for (String bad : new String[] {"--container=", "--container=0", "--container=-1", "--container=x", "--container=1e3"}) {
            assertThrows(Invocation.UsageException.class, () -> Invocation.parse(bad, "d"), bad);
        }
        assertEquals("unknown option: --hostd",
                assertThrows(Invocation.UsageException.class, () -> Invocation.parse("--hostd", "d")).getMessage());
    }
}
