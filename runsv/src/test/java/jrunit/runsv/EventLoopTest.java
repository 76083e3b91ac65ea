package jrunit.runsv;

import jrunit.common.SuperviseStatus.State;
import jrunit.common.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several supervisors hosted by one loop in this JVM, as runsvdir's hosted mode will do. */
class EventLoopTest {
    @TempDir
    Path tmp;
    private EventLoop loop;
    private Thread thread;
    private final Map<String, String> finished = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger finishedCount = new java.util.concurrent.atomic.AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        if (loop != null) {
            // x every hosted supervisor, wait for them to finish, then stop the loop
            loop.execute(() -> loop.supervisors().forEach(Supervisor::terminate));
            Await.until("all finished", () -> finishedCount.get() >= expected);
            loop.stop();
            thread.join(10_000);
        }
    }

    private int expected;

    private void startLoop(Supervisor... supervisors) throws Exception {
        loop = new EventLoop((s, failure) -> {
            finished.put(s.name(), failure == null ? "ok" : failure.toString());
            finishedCount.incrementAndGet();
        });
        for (Supervisor s : supervisors) loop.add(s);
        expected = supervisors.length;
        thread = new Thread(loop::run, "event-loop");
        thread.start();
    }

    @Test
    void hostsManySupervisorsAndReportsEachThatFinishes() throws Exception {
        Path a = Supervised.service(tmp, "a", "exec sleep 1000");
        Supervised.script(a.resolve("log/run"), "exec cat > /dev/null");
        Path b = Supervised.service(tmp, "b", "exec sleep 1000");
        Path c = Supervised.service(tmp, "c", "echo $$ >> starts; exit 0");
        startLoop(Supervisor.open(a, "a"), Supervisor.open(b, "b"), Supervisor.open(c, "c"));
        for (Path d : List.of(a, a.resolve("log"), b)) {
            Await.until("running: " + d, () -> Supervised.status(d).state() == State.RUN && Supervised.status(d).pid() != 0);
        }
        Await.until("c restarted by its one-second rule", () -> Supervised.lines(c.resolve("starts")).size() >= 2);

        // a second supervisor on a hosted directory fails as a second runsv would
        SupervisorException e = assertThrows(SupervisorException.class, () -> Supervisor.open(a, "a"));
        assertEquals("unable to lock supervise/lock: temporary failure", e.getMessage());

        int bPid = Supervised.status(b).pid();
        Supervised.control(a, "x");
        Await.until("a finished", () -> "ok".equals(finished.get("a")));
        assertEquals(State.DOWN, Supervised.status(a).state());
        assertEquals(State.DOWN, Supervised.status(a.resolve("log")).state());
        assertFalse(Supervised.okOpen(a), "a's ok FIFO has no reader any more");
        assertTrue(Supervised.okOpen(b), "b is still supervised");
        assertEquals(bPid, Supervised.status(b).pid());
        assertFalse(finished.containsKey("b"));

        // its lock is released: a can be supervised again
        Supervisor again = Supervisor.open(a, "a");
        loop.execute(() -> loop.add(again));
        expected++;
        Await.until("a running again", () -> Supervised.status(a).state() == State.RUN && Supervised.status(a).pid() != 0);
    }
}
