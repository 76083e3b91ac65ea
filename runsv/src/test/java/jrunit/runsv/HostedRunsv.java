package jrunit.runsv;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import sun.misc.Signal;

import java.nio.file.Path;

/**
 * Test-only {@code runsv DIR} that supervises DIR the way {@code runsvdir --hosted} hosts a service
 * (runsvdir's HostedMode): a {@link Supervisor} opened off the loop's thread, on the /proc/PID/fd/N path of
 * a descriptor held open on the directory, then added to an {@link EventLoop} from the loop's thread. So
 * runsv's process tests, run through {@link Supervised} in hosted mode, drive the hosted code path.
 *
 * <p>Only the edges are runsv's, so those tests apply unchanged: messages are prefixed with DIR as given
 * (runsvdir uses the service's name), TERM asks the supervisor to exit (as runsvdir's HUP does for every
 * hosted supervisor), and the process exits 0 once it has finished, 111 if it cannot be opened.
 */
final class HostedRunsv {
    private HostedRunsv() {}

    public static void main(String[] args) throws ErrnoException {
        String dir = args[0];
        int[] exitCode = {0};
        EventLoop[] loopRef = new EventLoop[1];
        EventLoop loop = new EventLoop((s, failure) -> {
            if (failure != null) {
                System.err.print("runsv " + dir + ": fatal: internal error: " + failure + "\n");
                exitCode[0] = 111;
            }
            loopRef[0].stop();
        });
        loopRef[0] = loop;
        Supervisor[] hosted = new Supervisor[1];
        PipeHolder pipeHolder = new PipeHolder(text -> System.err.print("runsvdir: warning: " + text + "\n")); // as runsvdir --hosted
        boolean[] terminateRequested = {false};
        Signal.handle(new Signal("TERM"), sig -> loop.execute(() -> {
            if (hosted[0] != null) hosted[0].terminate();
            else terminateRequested[0] = true;
        }));
        int dirFd;
        try {
            dirFd = Posix.open(dir, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            System.err.print("runsv " + dir + ": fatal: unable to change to directory: " + e.text() + "\n");
            System.exit(111);
            return;
        }
        Path pinned = Path.of("/proc/" + Posix.getpid() + "/fd/" + dirFd);
        Thread.ofPlatform().daemon().name("runsvdir-open").start(() -> {
            try {
                Supervisor supervisor = Supervisor.open(pinned, dir, pipeHolder);
                loop.execute(() -> {
                    hosted[0] = supervisor;
                    loop.add(supervisor);
                    if (terminateRequested[0]) supervisor.terminate();
                });
            } catch (SupervisorException e) {
                System.err.print("runsv " + dir + ": fatal: " + e.getMessage() + "\n");
                System.exit(111);
            }
        });
        loop.run();
        pipeHolder.close();
        System.exit(exitCode[0]);
    }
}
