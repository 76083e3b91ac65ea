package jrunit.sv;

import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static jrunit.sv.FakeSupervisor.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What goes beyond runit: {@code --json status}, and waits that follow the status file's changes. */
class SvJsonAndWaitingTest extends SvHarnessTest {

    @Test
    void jsonStatusOneObjectPerService() throws Exception {
        FakeSupervisor web = fake("web");
        web.status(status(-100, 1234, false, 'u', false, State.RUN));
        fake("web/log").status(status(-100, 1230, true, 'd', true, State.RUN));
        FakeSupervisor dn = fake("dn");
        dn.status(status(-100, 0, false, 'd', false, State.DOWN));
        Files.createFile(dn.dir.resolve("down"));
        FakeSupervisor gone = fake("gone");
        gone.status(status(-100, 0, false, 'd', false, State.DOWN));
        gone.close();
        FakeSupervisor logless = fake("odd\"name");
        logless.status(status(-100, 7, false, 'u', false, State.FINISH));
        Files.writeString(logless.dir.resolve("log"), "a file");

        Run r = h.ours("--json", "status", "web", "dn", "gone", "missing", "odd\"name");
        String since = Long.toString(java.time.Instant.now().plusSeconds(100).getEpochSecond()).substring(0, 7);
        List<String> lines = r.stdout().lines().toList();
        assertEquals(5, lines.size(), r.toString());
        assertTrue(lines.get(0).matches("\\{\"name\":\"web\",\"dir\":\"" + h.svdir.resolve("web") + "\",\"state\":\"run\",\"pid\":1234,"
                + "\"seconds\":0,\"since\":(" + since + "\\d+),\"want\":\"up\",\"paused\":false,\"got_term\":false,\"normally\":\"up\","
                + "\"ready\":true,\"ready_since\":\\1," // no supervise/ready: runit's "up", since the status's time
                + "\"log\":\\{\"state\":\"run\",\"pid\":1230,\"seconds\":0,\"since\":(\\d+),\"want\":\"down\",\"paused\":true,"
                + "\"got_term\":true,\"normally\":\"up\",\"ready\":true,\"ready_since\":\\2}}"), lines.get(0));
        assertTrue(lines.get(1).matches("\\{\"name\":\"dn\",\"dir\":\"[^\"]+\",\"state\":\"down\",\"pid\":null,\"seconds\":0,"
                + "\"since\":\\d+,\"want\":\"down\",\"paused\":false,\"got_term\":false,\"normally\":\"down\",\"ready\":false,"
                + "\"ready_since\":null,\"log\":null}"), lines.get(1));
        assertTrue(lines.get(2).matches("\\{\"name\":\"gone\",\"dir\":\"[^\"]+\",\"error\":\"runsv not running\"}"), lines.get(2));
        assertEquals("{\"name\":\"missing\",\"error\":\"unable to change to service directory: file does not exist\"}", lines.get(3));
        assertTrue(lines.get(4).matches("\\{\"name\":\"odd\\\\\"name\",\"dir\":\".+odd\\\\\"name\",\"state\":\"finish\",\"pid\":7,.*\"ready\":false,\"ready_since\":null,"
                + "\"log\":\\{\"error\":\"unable to change directory: not a directory\"}}"), lines.get(4));
        assertEquals("", r.stderr());
        assertEquals(3, r.code(), "one per unreadable service or log, as in text mode");

        Run usage = h.ours("--json", "up", "web");
        assertEquals(100, usage.code());
        assertEquals("sv: --json works with status only\nusage: sv [-v] [-w sec] command service ...\n\n", usage.stderr());
        assertEquals(0, h.ours("-w", "3", "--json", "status", "web").code());
    }

    @Test
    void waitingFollowsTheStatusFile() throws Exception {
        FakeSupervisor f = fake("web");
        f.status(status(0, 0, false, 'u', false, State.DOWN));
        // a long timeout: the result must come from the change, not from the clock
        Run.Pending up = Run.start(Tools.jrunit("sv", "-w", "120", "-v", "up", "web"), h.env(), tmp);
        Await.until("sv watching supervise/ with inotify", () -> watching(up.process().pid()));
        f.status(status(0, 4242, false, 'u', false, State.RUN));
        Run r = up.finish();
        assertTrue(r.stdout().matches("ok: run: web: \\(pid 4242\\) [01]s\n"), r.toString());
        assertEquals(0, r.code());

        // waiting for runsv to exit: nothing in supervise/ changes, the FIFO loses its reader
        f.takeControl();
        Run.Pending shutdown = Run.start(Tools.jrunit("sv", "-w", "120", "shutdown", "web"), h.env(), tmp);
        StringBuilder sent = new StringBuilder();
        Await.until("x sent", () -> {
            try {
                return sent.append(f.takeControl()).toString().equals("x");
            } catch (jrunit.common.ErrnoException e) {
                throw new IllegalStateException(e);
            }
        });
        f.close();
        Run s = shutdown.finish();
        assertEquals("ok: web: runsv not running\n", s.stdout(), s.toString());
        assertEquals(0, s.code());
    }

    /** Whether process {@code pid} holds an inotify descriptor with a watch on it. */
    private static boolean watching(long pid) {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fdinfo"))) {
            return fds.anyMatch(p -> {
                try {
                    return Files.readString(p).contains("inotify wd:");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
