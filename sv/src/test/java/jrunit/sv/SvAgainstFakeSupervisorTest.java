package jrunit.sv;

import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static jrunit.sv.FakeSupervisor.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Differential tests on states a real runsv shows only fleetingly: a stand-in supervisor serves a
 * fixed status record, both svs read the very same bytes, and what each writes to
 * {@code supervise/control} is read back and compared too.
 */
class SvAgainstFakeSupervisorTest extends SvHarnessTest {
    @BeforeEach
    void needsRunit() {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
    }

    /** Both svs, the control bytes each wrote compared as well. */
    Run sameWithControl(FakeSupervisor f, String... args) throws Exception {
        f.takeControl();
        long start = System.nanoTime();
        Run r = h.runit(args);
        String runitSent = f.takeControl();
        Run o = h.ours(args);
        String oursSent = f.takeControl();
        Run.assertSameAs(r, o, "sv " + String.join(" ", args), Run.secondsSince(start));
        assertEquals(runitSent, oursSent, "bytes written to supervise/control by: sv " + String.join(" ", args));
        return o;
    }

    @Test
    void everyStatusVariant() throws Exception {
        fake("run").status(status(56, 1234, false, 'u', false, State.RUN));
        fake("paused").status(status(3, 1234, true, 'u', false, State.RUN));
        fake("wantdown").status(status(3, 1234, false, 'd', true, State.RUN));
        fake("wantup").status(status(0, 0, false, 'u', false, State.DOWN));
        fake("finish").status(status(9, 1240, false, 'd', false, State.FINISH));
        fake("finish0").status(status(9, 0, false, 'd', false, State.FINISH));
        fake("pausedDown").status(status(4, 0, true, 'd', false, State.DOWN));
        fake("oddState").status(status(4, 99, false, 'u', false, State.RUN)).raw(withByte(status(4, 99, false, 'u', false, State.RUN).encode(), 19, 7));
        fake("oddWant").raw(withByte(status(4, 99, false, 'u', false, State.RUN).encode(), 17, 'x'));
        fake("bigpid").status(status(4, 0x12345, false, 'u', false, State.RUN));
        fake("future").status(status(-100, 7, false, 'u', false, State.RUN));
        FakeSupervisor nd = fake("normallydown");
        nd.status(status(12, 0, false, 'd', false, State.DOWN));
        Files.createFile(nd.dir.resolve("down"));
        FakeSupervisor ndRun = fake("ndrun");
        ndRun.status(status(0, 55, false, 'd', false, State.RUN));
        Files.createFile(ndRun.dir.resolve("down"));
        for (String s : List.of("run", "paused", "wantdown", "wantup", "finish", "finish0", "pausedDown", "oddState",
                "oddWant", "bigpid", "future", "normallydown", "ndrun")) {
            h.same("status", s);
        }
        // several services in one call, and the abbreviations of status
        h.same("status", "run", "wantup", "normallydown", "finish");
        h.same("s", "run");
        h.same("stat", "paused");
        h.same("sfoo", "wantdown");
    }

    @Test
    void logPartAndItsOddities() throws Exception {
        FakeSupervisor main = fake("web");
        main.status(status(5, 100, false, 'u', false, State.RUN));
        Files.createDirectories(main.dir.resolve("log"));
        // log/ without supervise/: runit prints the warning and then the stale main record as "log"
        h.same("status", "web");
        FakeSupervisor log = fake(main.dir.resolve("log"));
        log.status(status(60, 99, false, 'u', false, State.RUN));
        h.same("status", "web");
        log.status(status(1, 0, false, 'u', false, State.DOWN));
        h.same("status", "web");
        log.close(); // log's runsv gone
        h.same("status", "web");
        // log is a file: "unable to change directory"
        FakeSupervisor other = fake("other");
        other.status(status(5, 100, false, 'u', false, State.RUN));
        Files.writeString(other.dir.resolve("log"), "not a directory");
        h.same("status", "other");
    }

    @Test
    void brokenStatusFiles() throws Exception {
        fake("short").raw(new byte[7]);
        fake("empty").raw(new byte[0]);
        FakeSupervisor dirStatus = fake("dirstatus");
        Files.createDirectories(dirStatus.dir.resolve("supervise/status"));
        fake("nostatus");
        FakeSupervisor fifoStatus = fake("fifostatus");
        jrunit.common.Posix.mkfifo(fifoStatus.dir.resolve("supervise/status").toString(), 0644);
        Files.createDirectories(h.svdir.resolve("unsupervised"));
        Files.writeString(h.svdir.resolve("plainfile"), "x");
        FakeSupervisor gone = fake("gone");
        gone.status(status(5, 100, false, 'u', false, State.RUN));
        gone.close();
        for (String s : List.of("short", "empty", "dirstatus", "fifostatus", "nostatus", "unsupervised", "plainfile", "gone", "missing")) {
            h.same("status", s);
            h.same("up", s);
            h.same("-w", "0", "-v", "down", s);
        }
        h.same("status", "short", "missing", "run", "gone");
        // down is not stat-able as a file would be: a directory entry that loops
        FakeSupervisor loop = fake("loop");
        loop.status(status(5, 100, false, 'u', false, State.RUN));
        Files.createSymbolicLink(loop.dir.resolve("down"), Path.of("down"));
        h.same("status", "loop");
    }

    @Test
    void nameResolution() throws Exception {
        fake("web").status(status(5, 100, false, 'u', false, State.RUN));
        h.same("status", "./service/web");
        h.same("status", "service/web/");
        h.same("status", h.svdir.resolve("web").toString());
        h.same("status", "");
        h.same("status", "web/");
        h.same("status", "nosuch", "web");
        // a trailing slash: relative to the cwd when sending, under SVDIR again when waiting
        h.same("-w", "0", "-v", "hup", "service/web/");
        h.same("-w", "0", "-v", "hup", "./service/web", "web/");
        // the exit code counts failures, capped at 99
        String[] many = new String[121];
        many[0] = "status";
        for (int i = 1; i < many.length; i++) many[i] = "missing" + i;
        assertEquals(99, h.same(many).code());
        long start = System.nanoTime();
        Run r = Run.exec(List.of(Tools.runit("sv"), "status", "web"), java.util.Map.of("SVDIR", "service"), tmp);
        Run o = Run.exec(Tools.jrunit("sv", "status", "web"), java.util.Map.of("SVDIR", "service"), tmp);
        Run.assertSameAs(r, o, "relative SVDIR", Run.secondsSince(start));
        r = Run.exec(List.of(Tools.runit("sv"), "status", "web"), java.util.Map.of("SVDIR", ""), tmp);
        o = Run.exec(Tools.jrunit("sv", "status", "web"), java.util.Map.of("SVDIR", ""), tmp);
        Run.assertSameAs(r, o, "empty SVDIR", Run.secondsSince(start));
    }

    @Test
    void controlBytesForEveryCommandWord() throws Exception {
        FakeSupervisor f = fake("web");
        f.status(status(-100, 100, false, 'u', false, State.RUN));
        for (String word : List.of("up", "down", "once", "pause", "cont", "hup", "alarm", "interrupt", "quit", "1", "2",
                "term", "kill", "exit", "u", "d", "o", "p", "c", "h", "a", "i", "q", "t", "k", "x", "e", "usr", "dx",
                "termination", "cx", "1x", "2x", "ex")) {
            sameWithControl(f, word, "web");
        }
        // waiting words (the fake never changes, so they time out; kill variants then send k)
        for (String word : List.of("start", "stop", "reload", "restart", "shutdown", "try-restart", "force-stop",
                "force-reload", "force-restart", "force-shutdown", "D", "Down", "T", "X", "E", "check")) {
            sameWithControl(f, "-w", "0", word, "web");
        }
        // -v waits for the single-letter commands too; h a i q 1 2 are satisfied at once
        for (String word : List.of("hup", "alarm", "interrupt", "quit", "1", "2", "pause", "cont", "kill", "up", "once")) {
            sameWithControl(f, "-w", "0", word, "web");
            sameWithControl(f, "-v", "-w", "0", word, "web");
        }
        for (String word : List.of("frob", "reboot", "fx", "bogus", "", "restar", "status2")) {
            sameWithControl(f, word, "web");
        }
    }

    @Test
    void sendsOnlyWhatRunsvDoesNotAlreadyWant() throws Exception {
        FakeSupervisor f = fake("web");
        f.status(status(-100, 100, false, 'u', false, State.RUN));
        assertEquals("", sameWithControl(f, "up", "web").stdout());
        // want down without TERM (taken up with once): down is sent again
        f.status(status(-100, 100, false, 'd', false, State.RUN));
        sameWithControl(f, "down", "web");
        // want down and TERM sent: nothing to send
        f.status(status(-100, 100, false, 'd', true, State.RUN));
        sameWithControl(f, "down", "web");
        sameWithControl(f, "-w", "0", "-v", "down", "web");
        f.status(status(-100, 0, false, 'd', false, State.DOWN));
        sameWithControl(f, "-v", "down", "web");
        sameWithControl(f, "-w", "0", "-v", "up", "web");
        sameWithControl(f, "-w", "0", "-v", "once", "web");
        sameWithControl(f, "-v", "pause", "web");
    }

    @Test
    void optionsAndUsage() throws Exception {
        fake("web").status(status(5, 100, false, 'u', false, State.RUN));
        h.same();
        h.same("status");
        h.same("-V");
        h.same("-V", "status", "web");
        h.same("-x", "status", "web");
        h.same("-w");
        h.same("-vw", "3", "up", "web");
        h.same("-w3", "-v", "up", "web");
        h.same("--", "status", "web");
        h.same("-w", "--", "status", "web"); // getopt takes "--" as -w's argument
        h.same("-w", "-v", "status", "web");
        h.same("status", "-v", "web"); // options after the command are service names
        h.same("-w", "abc", "-v", "hup", "web");
        long start = System.nanoTime();
        Run r = Run.exec(List.of(Tools.runit("sv"), "-v", "hup", "web"), java.util.Map.of("SVDIR", h.svdir.toString(), "SVWAIT", "x"), tmp);
        Run o = Run.exec(Tools.jrunit("sv", "-v", "hup", "web"), java.util.Map.of("SVDIR", h.svdir.toString(), "SVWAIT", "x"), tmp);
        Run.assertSameAs(r, o, "SVWAIT=x", Run.secondsSince(start));
    }

    @Test
    void initScriptMode() throws Exception {
        FakeSupervisor up = fake("up");
        up.status(status(5, 100, false, 'u', false, State.RUN));
        fake("down").status(status(5, 0, false, 'd', false, State.DOWN));
        fake("finishing").status(status(5, 77, false, 'd', false, State.FINISH));
        FakeSupervisor gone = fake("gone");
        gone.status(status(5, 0, false, 'd', false, State.DOWN));
        gone.close();
        fake("short").raw(new byte[3]);
        for (String name : List.of("up", "down", "finishing", "gone", "short", "missing")) {
            h.sameAs(name, "status");
            h.sameAs(name, "stat");
            h.sameAs(name, "s");
            h.sameAs(name, "frob");
            h.sameAs(name);
            h.sameAs(name, "-w", "0", "stop");
            h.sameAs(name, "-w", "0", "start");
            h.sameAs(name, "status", "extra", "args");
        }
        h.sameAs("up", "-x", "status");
        h.sameAs("up", "-v", "hup");
    }

    @Test
    void permissionDeniedIsReportedNotAHang() throws Exception {
        assumeTrue(jrunit.common.Posix.geteuid() == 0, "needs root: drops CAP_DAC_OVERRIDE to make modes bite");
        FakeSupervisor f = fake("locked");
        f.status(status(5, 100, false, 'u', false, State.RUN));
        Files.setPosixFilePermissions(f.dir.resolve("supervise/ok"), java.util.Set.of());
        FakeSupervisor g = fake("nostatusread");
        g.status(status(5, 100, false, 'u', false, State.RUN));
        Files.setPosixFilePermissions(g.dir.resolve("supervise/status"), java.util.Set.of());
        FakeSupervisor c = fake("nocontrol");
        c.status(status(5, 100, false, 'd', false, State.RUN));
        Files.setPosixFilePermissions(c.dir.resolve("supervise/control"), java.util.Set.of());
        Path closed = Files.createDirectories(h.svdir.resolve("closed"));
        Files.setPosixFilePermissions(closed, java.util.Set.of());
        for (String[] args : new String[][] {{"status", "locked"}, {"up", "locked"}, {"status", "nostatusread"},
                {"down", "nostatusread"}, {"status", "nocontrol"}, {"up", "nocontrol"}, {"down", "nocontrol"},
                {"status", "closed"}, {"-w", "0", "-v", "down", "locked"}}) {
            long start = System.nanoTime();
            Run r = Run.exec(unprivileged(List.of(Tools.runit("sv"))), h.env(), tmp, args);
            Run o = Run.exec(unprivileged(Tools.jrunit("sv")), h.env(), tmp, args);
            Run.assertSameAs(r, o, "without DAC override: sv " + String.join(" ", args), Run.secondsSince(start));
            if (!args[1].equals("nocontrol") || args[0].equals("down")) {
                assertTrue(o.stdout().contains("access denied") && o.code() > 0, o.toString());
            }
        }
    }

    private static List<String> unprivileged(List<String> cmd) {
        List<String> c = new ArrayList<>(List.of("setpriv", "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search"));
        c.addAll(cmd);
        return c;
    }

    /** The differences from 2.1.2 that follow runit 2.3.0's fixes: asserted against fixed expectations. */
    @Test
    void followsRunit230WhereItFixedBugs() throws Exception {
        fake("crashing").status(status(0, 0, false, 'u', false, State.DOWN));
        // check on a down service that runsv wants up: 2.1.2 says ok at once, 2.3.0 waits for it to be up
        Run r = h.runit("-w", "0", "check", "crashing");
        assertEquals("ok: down: crashing: 0s, normally up, want up\n", r.stdout().replaceAll(": \\d+s", ": 0s"), r.toString());
        Run o = h.ours("-w", "0", "check", "crashing");
        assertEquals(1, o.code(), o.toString());
        assertTrue(o.stdout().matches("timeout: down: crashing: \\d+s, normally up, want up\n"), o.toString());
        // check on a service that runsv wants down and is down: ok in both
        fake("stopped").status(status(3, 0, false, 'd', false, State.DOWN));
        h.same("-w", "0", "check", "stopped");

        // init-script status: 2.1.2 takes the exit code from the log service, 2.3.0 from the service
        fake("upmain").status(status(5, 100, false, 'u', false, State.RUN));
        fake("upmain/log").status(status(5, 0, false, 'd', false, State.DOWN));
        assertEquals(3, h.runitAs("upmain", "status").code());
        long start = System.nanoTime();
        Run lsb = h.oursAs("upmain", "status");
        assertEquals(0, lsb.code(), lsb.toString());
        Run.assertSameText(h.runitAs("upmain", "status").stdout(), lsb.stdout(), "same text", Run.secondsSince(start));

        fake("downmain").status(status(5, 0, false, 'd', false, State.DOWN));
        fake("downmain/log").status(status(5, 100, false, 'u', false, State.RUN));
        assertEquals(0, h.runitAs("downmain", "status").code());
        assertEquals(3, h.oursAs("downmain", "status").code());
    }

    private static byte[] withByte(byte[] b, int index, int value) {
        b[index] = (byte) value;
        return b;
    }
}
