package jrunit.runsv;

import jrunit.common.SuperviseStatus;
import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ./finish edge cases, each run under ours and (when installed) under Debian's runsv with the same result. */
class RunsvFinishTest {
    @TempDir
    Path tmp;
    private final List<Supervised> started = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        started.forEach(Supervised::close);
    }

    private List<Path> dirs(String name) {
        List<Path> ds = new ArrayList<>(List.of(tmp.resolve("ours").resolve(name)));
        if (Tools.runitInstalled()) ds.add(tmp.resolve("runit").resolve(name));
        return ds;
    }

    private Supervised start(Path d) throws Exception {
        Supervised s = d.getParent().getFileName().toString().equals("ours") ? Supervised.ours(d) : Supervised.runit(d);
        started.add(s);
        return s.awaitReady();
    }

    @Test
    void hangingFinishIsNotKilledByDownAndShowsAsFinish() throws Exception {
        for (Path d : dirs("svc")) {
            Supervised.service(d.getParent(), "svc", "exit 0");
            Supervised.script(d.resolve("finish"), "echo $$ > finishpid; exec sleep 1000");
            Supervised s = start(d);
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
            Supervised.service(d.getParent(), "svc", "[ -e stop ] && exec sleep 1000\nexit 5");
            Supervised.script(d.resolve("finish"), String.join("\n",
                    "echo \"$1 $2\" >> finished",
                    "if [ ! -e hold ]; then touch hold; while [ ! -e release ]; do sleep 0.02; done; touch stop; fi",
                    "exit 0"));
            Supervised s = start(d);
            // runit writes the finish state before the finish's pid: wait for both
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
