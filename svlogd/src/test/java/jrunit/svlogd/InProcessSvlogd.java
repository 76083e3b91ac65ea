package jrunit.svlogd;

import jrunit.common.ProgramName;
import sun.misc.Signal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Test-only {@code svlogd ARGS} that runs svlogd's engine as a host runs one (runsv with its loggers in
 * its own JVM): created with {@link SvlogdEngine#HOSTED_BUFFER}, run on a new platform thread with a
 * small stack (not on main), TERM/HUP/ALRM mapped to its calls, the process exiting with what run()
 * returned. So svlogd's process tests, run through {@link Svlogds#ours} under {@link InProcess}, drive
 * the hosted code path with the program's edges unchanged: usage text, the closed-stdin check (a
 * host passes its own pipe; here fd 0 is that pipe), and "out of memory.".
 */
final class InProcessSvlogd {
    private InProcessSvlogd() {}

    public static void main(String[] args) throws Exception {
        String argv0 = ProgramName.argv0("svlogd");
        OutputStream stderr = new FileOutputStream(FileDescriptor.err);
        SvlogdEngine engine;
        try {
            engine = SvlogdEngine.create(List.of(args), Path.of(System.getProperty("user.dir")), stderr,
                    SvlogdEngine.HOSTED_BUFFER);
        } catch (SvlogdEngine.UsageException u) {
            stderr.write(u.text(argv0).getBytes(StandardCharsets.ISO_8859_1));
            System.exit(111);
            return;
        }
        Signal.handle(new Signal("TERM"), sig -> engine.terminate());
        Signal.handle(new Signal("HUP"), sig -> engine.hangup());
        Signal.handle(new Signal("ALRM"), sig -> engine.alarm());
        int input = Svlogd.inheritedStdin() ? 0 : -1;
        int[] code = {111};
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().name("svlogd engine").stackSize(256 * 1024).start(() -> {
            try {
                code[0] = engine.run(input);
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.join();
        if (failure[0] instanceof OutOfMemoryError) {
            engine.diagnostics().fatal("out of memory.");
            System.exit(111);
        }
        if (failure[0] != null) {
            // the host's side of "the failure propagates": visible, and not svlogd's exit codes
            failure[0].printStackTrace();
            System.exit(70);
        }
        System.exit(code[0]);
    }
}
