package jrunit.common.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts jrunit tools and Debian's runit as real processes for tests.
 *
 * <p>{@link #jrunit} and {@link #jrunitAs} run a tool's main class in a fresh JVM (this JDK, the test class path, the
 * launcher's flags) — the same program the launcher starts, without needing the install tree.
 * {@link #runit} names Debian's binaries, the reference peer.
 */
public final class Tools {
    private Tools() {}

    public static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** Main classes by tool name. */
    public static String mainClass(String tool) {
        return switch (tool) {
            case "runsv" -> "jrunit.runsv.Runsv";
            case "runsvdir" -> "jrunit.runsvdir.Runsvdir";
            case "runsvchdir" -> "jrunit.runsvdir.Runsvchdir";
            case "sv" -> "jrunit.sv.Sv";
            case "chpst", "envdir", "envuidgid", "pgrphack", "setuidgid", "setlock", "softlimit" -> "jrunit.chpst.Chpst";
            case "svlogd" -> "jrunit.svlogd.Svlogd";
            default -> throw new IllegalArgumentException("no such tool: " + tool);
        };
    }

    /**
     * The command line that runs jrunit's {@code tool} as invoked by the name {@code argv0}
     * (e.g. "envdir" for a chpst personality, "/etc/init.d/web" for sv's init-script mode).
     */
    public static List<String> jrunitAs(String tool, String argv0, String... args) {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-XX:+UseSerialGC", "-XX:-MaxFDLimit", "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED",
                "-Djrunit.argv0=" + argv0));
        // as packaging's daemon launchers: an OutOfMemoryError ends the JVM (see runsv's FailFast)
        if (tool.equals("runsv") || tool.equals("runsvdir") || tool.equals("svlogd")) cmd.add(cmd.indexOf("-Djrunit.argv0=" + argv0), "-XX:+ExitOnOutOfMemoryError");
        // as packaging's sv launcher: sv's FIFO calls then go through the JDK's natives (Posix, JdkFileNatives)
        if (tool.equals("sv")) {
            cmd.addAll(List.of("--add-opens", "java.base/sun.nio.fs=ALL-UNNAMED", "-Djdk.reflect.useNativeAccessorOnly=true"));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass(tool)));
        // as packaging's chpst launcher: the program chpst execs must get the caller's open-files limit
        cmd.addAll(List.of(args));
        return cmd;
    }

    public static List<String> jrunit(String tool, String... args) {
        return jrunitAs(tool, tool, args);
    }

    /** Debian's runit binary {@code tool} (runsvchdir lives in /usr/sbin). */
    public static String runit(String tool) {
        for (String dir : List.of("/usr/bin", "/usr/sbin", "/sbin", "/bin")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) return p.toString();
        }
        throw new IllegalStateException("Debian's runit is not installed (no " + tool + "): apt-get install runit");
    }

    /** What a finished command printed (stdout and stderr together) and its exit code. */
    public record Ran(int exit, String out) {}

    /** Runs Debian's {@code sv} with {@code args} to completion (at most 60 s), stdin empty. */
    public static Ran runitSv(String... args) throws java.io.IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(runit("sv")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sv did not exit: " + cmd);
        }
        return new Ran(p.exitValue(), out);
    }

    public static boolean runitInstalled() {
        return new File("/usr/bin/runsv").canExecute() && new File("/usr/bin/sv").canExecute();
    }

    /**
     * A directory on PATH holding executables named {@code tool} that run jrunit's tools, for
     * tests where one tool starts another by name (runsvdir starting runsv): small sh wrappers that
     * exec the JVM, created under {@code dir}.
     */
    public static Path jrunitBinDir(Path dir, String... tools) throws java.io.IOException {
        Files.createDirectories(dir);
        for (String tool : tools) {
            Path p = dir.resolve(tool);
            StringBuilder sb = new StringBuilder("#!/bin/sh\nexec");
            for (String w : jrunitAs(tool, tool)) sb.append(" '").append(w.replace("'", "'\\''")).append('\'');
            sb.append(" \"$@\"\n");
            Files.writeString(p, sb.toString());
            p.toFile().setExecutable(true, false);
        }
        return dir;
    }
}
