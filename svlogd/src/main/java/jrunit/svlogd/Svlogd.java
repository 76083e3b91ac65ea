package jrunit.svlogd;

import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.ProcessTitle;
import jrunit.common.ProgramName;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The svlogd program: reads lines from stdin and appends them to rotated log directories, as
 * runit's svlogd. A thin main around {@link SvlogdEngine}, which does the work; what is
 * process-wide stays here: argv0, the process title, signal handlers, stdin's flags, the exit.
 */
public final class Svlogd {
    private Svlogd() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs svlogd; returns its exit code. */
    static int run(String[] args) {
        String argv0 = ProgramName.argv0("svlogd");
        OutputStream stderr = new FileOutputStream(FileDescriptor.err);
        SvlogdEngine engine;
        try {
            engine = SvlogdEngine.create(List.of(args), Path.of(System.getProperty("user.dir")), stderr,
                    SvlogdEngine.PROGRAM_BUFFER);
        } catch (SvlogdEngine.UsageException u) {
            try {
                stderr.write(u.text(argv0).getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // stderr is gone: the exit code still says it
            }
            return 111;
        }
        String[] title = new String[args.length + 1];
        title[0] = "svlogd";
        System.arraycopy(args, 0, title, 1, args.length);
        ProcessTitle.set("svlogd", title);
        Signals.install(engine);
        boolean stdin = inheritedStdin();
        if (stdin) {
            try {
                Posix.setNonBlocking(0, true); // as runit's svlogd does to its stdin
            } catch (ErrnoException e) {
                // runit ignores this too
            }
        }
        try {
            return engine.run(stdin ? 0 : -1);
        } catch (OutOfMemoryError e) {
            engine.diagnostics().fatal("out of memory.");
            return 111;
        }
    }

    /**
     * Whether descriptor 0 is the stdin svlogd was started with. Started with 0 closed, the JVM
     * reuses 0 for a file of its own (its runtime image {@code lib/modules}, a jar): svlogd must not
     * log that, so such a descriptor counts as a closed stdin.
     */
    static boolean inheritedStdin() {
        try {
            if ((Posix.fcntl(0, Posix.F_GETFD, 0) & Posix.FD_CLOEXEC) != 0) return false;
        } catch (ErrnoException e) {
            return false;
        }
        try {
            java.nio.file.Path target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/0"));
            if (target.startsWith(java.nio.file.Path.of(System.getProperty("java.home")))) return false;
            for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
                if (!entry.isEmpty() && target.equals(java.nio.file.Path.of(entry).toAbsolutePath().normalize())) return false;
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: trust the descriptor
        }
        return true;
    }
}
