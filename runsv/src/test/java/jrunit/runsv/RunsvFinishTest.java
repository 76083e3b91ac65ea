package jrunit.runsv;

import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ./finish edge cases, each run under ours and (when installed) under Debian's runsv with the same result. */
class RunsvFinishTest extends SupervisedTest {
    private List<Path> dirs(String name) {
        List<Path> ds = new ArrayList<>(List.of(tmp.resolve("ours").resolve(name)));
        if (Tools.runitInstalled()) ds.add(tmp.resolve("runit").resolve(name));
        return ds;
    }

    /** {@code d} under the runsv its parent names, ready. */
    private Supervised start(Path d) throws Exception {
        return d.getParent().getFileName().toString().equals("ours") ? ours(d) : runit(d);
    }

    /** {@code d} made with these ./run and ./finish scripts, then started. */
    private Supervised start(Path d, String run, String finish) throws Exception {
        Supervised.service(d.getParent(), d.getFileName().toString(), run);
        Supervised.script(d.resolve("finish"), finish);
        return start(d);
    }

    @Test
    void hangingFinishIsNotKilledByDownAndShowsAsFinish() throws Exception {
        for (Path d : dirs("svc")) {
            Supervised s = start(d, "exit 0", "echo $$ > finishpid; exec sleep 1000");
            Await.until("finish running", () -> s.status().state() == State.FINISH && s.status().pid() != 0);
            int finishPid = s.status().pid();
            assertEquals("finish\n", s.stat(), d.toString());
            s.control("d");
            s.awaitStatus("want down", st -> st.want() == 'd');
            assertEquals("finish, want down\n", s.stat(), d.toString());
            s.control("h"); // no signal in state finish
            s.control("p");
            s.awaitStatus("paused flag", SuperviseStatus::paused);
            assertTrue(Supervised.alive(finishPid), d.toString());
            assertEquals(finishPid, s.status().pid());
            assertEquals(State.FINISH, s.status().state());
            assertEquals("finish, paused, want down\n", s.stat(), d.toString());
            Files.writeString(d.resolve("finishpid-was"), Integer.toString(finishPid));
            jrunit.common.Posix.kill(finishPid, jrunit.common.Posix.SIGKILL);
            s.awaitStatus("down", st -> st.state() == State.DOWN);
            assertEquals("down, paused\n", s.stat(), d.toString());
        }
    }

    @Test
    void killDuringFinishMakesRunsvRunFinishAgainWithFinishsOwnStatus() throws Exception {
        for (Path d : dirs("svc")) {
            Supervised s = start(d, "[ -e stop ] && exec sleep 1000\nexit 5", String.join("\n",
                    "echo \"$1 $2\" >> finished",
                    "if [ ! -e hold ]; then touch hold; while [ ! -e release ]; do sleep 0.02; done; touch stop; fi",
                    "exit 0"));
            // runit writes "finish" with pid 0 before it forks ./finish, and the pid only after
            Await.until("finish holding", () -> Files.exists(d.resolve("hold")) && s.status().state() == State.FINISH
                    && s.status().pid() != 0);
            int finishPid = s.status().pid();
            s.control("k");
            s.control("p"); // read after k: writes status, which now says down (k changed the state silently)
            s.awaitStatus("k processed", SuperviseStatus::paused);
            assertEquals(State.DOWN, s.status().state(), d.toString());
            assertEquals(finishPid, s.status().pid(), d.toString());
            assertTrue(Supervised.alive(finishPid), "k does not kill a finish: " + d);
            s.control("c");
            Files.createFile(d.resolve("release"));
            Await.until("finish ran again", () -> Supervised.lines(d.resolve("finished")).size() >= 2);
            assertEquals(List.of("5 0", "0 0"), Supervised.lines(d.resolve("finished")).subList(0, 2), d.toString());
            s.awaitRunPid();
        }
    }

    @Test
    void finishThatIsNotExecutableCountsAsPresentAndFailsWith111() throws Exception {
        for (Path d : dirs("svc")) {
            Supervised.service(d.getParent(), "svc", "echo x >> runs; exit 0");
            Files.writeString(d.resolve("finish"), "#!/bin/sh\nexit 0\n");
            Supervised s = start(d);
            Await.until("two runs", () -> Supervised.lines(d.resolve("runs")).size() >= 2);
            Await.until("message", () -> s.stderrText().contains("runsv " + d + ": fatal: unable to start ./finish: access denied\n"));
        }
    }
}
