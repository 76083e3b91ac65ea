package jrunit.runsv;

import jrunit.common.ErrnoException;
import jrunit.common.ProcessTitle;
import jrunit.common.ProgramName;
import jrunit.common.Posix;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** {@code runsv DIR}: one {@link Supervisor} on one {@link EventLoop}, exit codes and messages as runit's runsv. */
public final class Runsv {
    private Runsv() {}

    public static void main(String[] args) {
        FailFast.install("runsv " + (args.length == 1 ? args[0] : "") + ": fatal: internal error: ");
        int code;
        try {
            code = run(args);
        } catch (Error e) {
            FailFast.exit(e);
            return;
        }
        System.exit(code);
    }

    /** Supervises until told to exit; returns runsv's exit code (1 usage, 111 fatal, 0 after {@code x} or TERM). */
    static int run(String[] args) {
        if (args.length != 1) {
            System.err.print("usage: " + ProgramName.argv0("runsv") + " dir\n\n");
            return 1;
        }
        String dir = args[0];
        ProcessTitle.set("runsv", "runsv", dir);
        int[] exitCode = {0};
        EventLoop[] loopRef = new EventLoop[1];
        EventLoop loop;
        try {
            loop = new EventLoop((s, failure) -> {
                if (failure != null) {
                    System.err.print("runsv " + dir + ": fatal: internal error: " + failure + "\n");
                    exitCode[0] = 111;
                }
                loopRef[0].stop();
            });
        } catch (ErrnoException e) {
            return fatal(dir, "unable to create selfpipe: " + e.text());
        }
        loopRef[0] = loop;
        Supervisor[] supervisor = new Supervisor[1];
        PipeHolder pipeHolder = new PipeHolder(text -> System.err.print("runsv " + dir + ": warning: " + text + "\n"));
        // As runit's runsv, TERM is taken before anything else and acted on once the loop runs.
        Signal.handle(new Signal("TERM"), sig -> loop.execute(() -> {
            if (supervisor[0] != null) supervisor[0].terminate();
        }));
        // A log service run in this JVM shows this process's pid: HUP and ALRM sent to it reach the logger,
        // as they would have reached svlogd; without one, they do what they did before.
        Signal.handle(new Signal("HUP"), sig -> loop.execute(() -> {
            if (supervisor[0] == null || !supervisor[0].signalInProcessLogger(Posix.SIGHUP)) System.exit(128 + Posix.SIGHUP);
        }));
        Signal.handle(new Signal("ALRM"), sig -> loop.execute(() -> {
            if (supervisor[0] == null || !supervisor[0].signalInProcessLogger(Posix.SIGALRM)) {
                Signal.handle(sig, SignalHandler.SIG_DFL); // runit's runsv dies of it
                Signal.raise(sig);
            }
        }));
        try {
            supervisor[0] = Supervisor.open(Path.of(dir), dir, pipeHolder);
        } catch (SupervisorException e) {
            return fatal(dir, e.getMessage());
        } catch (InvalidPathException e) {
            return fatal(dir, "unable to change to directory: file does not exist");
        }
        loop.add(supervisor[0]);
        loop.run();
        pipeHolder.close(); // an orderly exit: nothing is left to hold
        return exitCode[0];
    }

    private static int fatal(String dir, String text) {
        System.err.print("runsv " + dir + ": fatal: " + text + "\n");
        return 111;
    }
}
