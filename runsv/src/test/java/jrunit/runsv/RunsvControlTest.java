package jrunit.runsv;

import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every control byte, and control/ scripts, observed by the run script and in supervise/. */
class RunsvControlTest extends SupervisedTest {
    /** Records every signal it gets in sigs.PID; exits on TERM unless ./ignoreterm exists. */
    static final String TRAPPING_RUN = String.join("\n",
            "for s in HUP ALRM INT QUIT USR1 USR2 CONT; do trap \"echo $s >> sigs.$$\" $s; done",
            "trap 'echo TERM >> sigs.$$; [ -e ignoreterm ] || exit 0' TERM",
            "echo $$ >> pids",
            "while :; do sleep 0.05; done");

    Path dir;

    @BeforeEach
    void service() throws Exception {
        dir = Supervised.service(tmp, "svc", TRAPPING_RUN);
    }

    private Supervised ours() throws Exception {
        return ours(dir);
    }

    /** The pid of ./run once its traps are installed (it has written its pid). */
    private int trappingPid(Supervised s) {
        int pid = s.awaitRunPid();
        Await.until("traps installed in " + pid, () -> Supervised.lines(dir.resolve("pids")).contains(Integer.toString(pid)));
        return pid;
    }

    private List<String> sigs(int pid) {
        return Supervised.lines(dir.resolve("sigs." + pid));
    }

    private void awaitSignal(int pid, String name) {
        Await.until(name + " seen by " + pid, () -> sigs(pid).contains(name));
    }

    private static char procState(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    @Test
    void signalCommandsReachTheServiceWithoutChangingStatus() throws Exception {
        Supervised s = ours();
        int pid = trappingPid(s);
        String[][] commands = {{"h", "HUP"}, {"a", "ALRM"}, {"i", "INT"}, {"q", "QUIT"}, {"1", "USR1"}, {"2", "USR2"}};
        for (String[] c : commands) {
            s.control(c[0]);
            awaitSignal(pid, c[1]);
        }
        assertEquals(List.of("HUP", "ALRM", "INT", "QUIT", "USR1", "USR2"), sigs(pid));
        SuperviseStatus st = s.status();
        assertEquals(pid, st.pid());
        assertEquals(State.RUN, st.state());
        assertFalse(st.paused());
        assertFalse(st.termSent());
        assertEquals('u', st.want());
        assertEquals("run\n", s.stat());
    }

    @Test
    void pauseStopsAndContinueResumes() throws Exception {
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("p");
        s.awaitStatus("paused", SuperviseStatus::paused);
        Await.until("stopped", () -> {
            try {
                return procState(pid) == 'T';
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("run, paused\n", s.stat());
        s.control("c");
        s.awaitStatus("not paused", st -> !st.paused());
        awaitSignal(pid, "CONT");
        assertEquals("run\n", s.stat());
    }

    @Test
    void pauseOnADownServiceSetsTheFlagAndTheNextStartClearsIt() throws Exception {
        Files.createFile(dir.resolve("down"));
        Supervised s = ours();
        s.control("p");
        s.awaitStatus("paused while down", SuperviseStatus::paused);
        assertEquals("down, paused\n", s.stat());
        s.control("u");
        s.awaitRunPid();
        assertFalse(s.status().paused());
        assertEquals("run\n", s.stat());
    }

    @Test
    void termWithWantUpRestartsWithoutCont() throws Exception {
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("t");
        Await.until("restarted", () -> s.status().pid() != pid && s.status().state() == State.RUN);
        assertEquals(List.of("TERM"), sigs(pid));
        assertEquals('u', s.status().want());
    }

    @Test
    void downSendsTermThenContAndMarksGotTermUntilTheServiceExits() throws Exception {
        Files.createFile(dir.resolve("ignoreterm"));
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("d");
        s.awaitStatus("got TERM", SuperviseStatus::termSent);
        awaitSignal(pid, "CONT");
        assertEquals(List.of("TERM", "CONT"), sigs(pid));
        SuperviseStatus st = s.status();
        assertEquals(State.RUN, st.state());
        assertEquals('d', st.want());
        assertEquals("run, got TERM, want down\n", s.stat());
        s.control("k");
        s.awaitStatus("down after kill", x -> x.state() == State.DOWN);
        assertEquals("down\n", s.stat());
        assertEquals("", Files.readString(dir.resolve("supervise/pid")));
        assertFalse(s.status().termSent());
        assertFalse(Supervised.alive(pid));
    }

    @Test
    void downStopsAndUpRestarts() throws Exception {
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("d");
        s.awaitStatus("down", x -> x.state() == State.DOWN && x.pid() == 0);
        assertTrue(sigs(pid).contains("TERM"));
        assertEquals('d', s.status().want());
        s.control("u");
        int next = s.awaitRunPid();
        assertTrue(next != pid);
    }

    @Test
    void onceRunsTheServiceWithoutRestartingIt() throws Exception {
        Files.createFile(dir.resolve("down"));
        Supervised s = ours();
        s.control("o");
        int pid = trappingPid(s);
        assertEquals('d', s.status().want());
        assertEquals("run, want down\n", s.stat());
        s.control("t");
        s.awaitStatus("down, not restarted", x -> x.state() == State.DOWN);
        assertEquals(1, Supervised.lines(dir.resolve("pids")).size());
        assertTrue(sigs(pid).contains("TERM"));
    }

    @Test
    void killSendsSigkill() throws Exception {
        Supervised.script(dir.resolve("finish"), "echo \"$1 $2\" >> finished");
        Supervised s = ours();
        s.awaitRunPid();
        s.control("k");
        Await.until("finish after kill", () -> Supervised.lines(dir.resolve("finished")).contains("-1 9"));
    }

    @Test
    void multipleBytesInOneWriteAreAllExecuted() throws Exception {
        Files.createFile(dir.resolve("ignoreterm"));
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("hpc");
        awaitSignal(pid, "CONT");
        s.awaitStatus("not paused", x -> !x.paused());
        assertEquals(List.of("HUP", "CONT"), sigs(pid));
    }

    @Test
    void exitStopsTheServiceAndRunsvExitsZero() throws Exception {
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("x");
        assertEquals(0, s.waitExit(Duration.ofSeconds(20)));
        assertEquals("TERM", sigs(pid).get(0));
        assertFalse(Supervised.alive(pid));
        assertFalse(Supervised.okOpen(dir), "ok has no reader any more");
    }

    @Test
    void controlScriptExitingZeroReplacesTheSignal() throws Exception {
        Supervised.script(dir.resolve("control/h"), "echo h >> control-ran; exit 0");
        Supervised.script(dir.resolve("control/a"), "echo a >> control-ran; exit 1");
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("ha");
        awaitSignal(pid, "ALRM");
        Await.until("both scripts ran", () -> Supervised.lines(dir.resolve("control-ran")).size() == 2);
        assertEquals(List.of("h", "a"), Supervised.lines(dir.resolve("control-ran")));
        assertEquals(List.of("ALRM"), sigs(pid), "no HUP: control/h handled it");
    }

    @Test
    void controlTHandlingDownMeansNoTermButStillContAndControlD() throws Exception {
        Supervised.script(dir.resolve("control/t"), "echo t >> control-ran; exit 0");
        Supervised.script(dir.resolve("control/d"), "echo d >> control-ran; exit 1");
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("d");
        Await.until("control/d ran", () -> Supervised.lines(dir.resolve("control-ran")).contains("d"));
        awaitSignal(pid, "CONT");
        assertEquals(List.of("t", "d"), Supervised.lines(dir.resolve("control-ran")));
        assertFalse(sigs(pid).contains("TERM"));
        assertEquals("run, want down\n", s.stat());
        assertFalse(s.status().termSent());
    }

    @Test
    void controlScriptWithoutExecuteBitIsIgnored() throws Exception {
        Supervised.script(dir.resolve("control/h"), "echo h >> control-ran; exit 0");
        dir.resolve("control/h").toFile().setExecutable(false, false);
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("h");
        awaitSignal(pid, "HUP");
        assertFalse(Files.exists(dir.resolve("control-ran")));
    }

    @Test
    void controlUpRunsBeforeEveryStartAndWritesIntoTheLog() throws Exception {
        Path d = Supervised.service(tmp, "logged", "echo run; exit 0");
        Supervised.script(d.resolve("control/u"), "echo control-u");
        Supervised.script(d.resolve("log/run"), "exec cat >> ../logged.txt");
        ours(d);
        Await.until("two rounds logged", () -> Supervised.lines(d.resolve("logged.txt")).size() >= 4);
        assertEquals(List.of("control-u", "run", "control-u", "run"), Supervised.lines(d.resolve("logged.txt")).subList(0, 4));
    }

    @Test
    void controlPauseScriptSuppressesStopButPausedIsSet() throws Exception {
        Supervised.script(dir.resolve("control/p"), "exit 0");
        Supervised s = ours();
        int pid = trappingPid(s);
        s.control("p");
        s.awaitStatus("paused flag", SuperviseStatus::paused);
        s.control("h");
        awaitSignal(pid, "HUP"); // it still runs: it was never stopped
        assertTrue(procState(pid) != 'T');
    }

    @Test
    void controlScriptsAndFinishGetACleanSignalState() throws Exception {
        Supervised.script(dir.resolve("control/h"), "exec grep -E '^Sig(Blk|Ign)' /proc/self/status > control-h-sigs");
        Supervised.script(dir.resolve("finish"), "exec grep -E '^Sig(Blk|Ign)' /proc/self/status > finish-sigs");
        Supervised s = ours();
        trappingPid(s);
        s.control("h");
        Await.until("control/h ran", () -> Supervised.lines(dir.resolve("control-h-sigs")).size() == 2);
        assertEquals(List.of("SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"), Supervised.lines(dir.resolve("control-h-sigs")));
        s.control("t");
        Await.until("finish ran", () -> Supervised.lines(dir.resolve("finish-sigs")).size() == 2);
        assertEquals(List.of("SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"), Supervised.lines(dir.resolve("finish-sigs")));
    }
}
