package jrunit.svlogd;

import jrunit.common.testing.Await;
import jrunit.common.testing.Tools;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Test helpers: run our svlogd (fresh JVM) or Debian's, feed it input, and read what it left. */
final class Svlogds {
    private Svlogds() {}

    static final String RUNIT = "/usr/bin/svlogd";

    /**
     * Whether {@link #ours} runs the engine as a host does ({@link InProcessSvlogd}) instead of the
     * svlogd program. Set for a whole test class by {@link InProcess}; test classes run one at a time.
     */
    static volatile boolean inProcess;

    /** /proc/PID/cmdline of each of our svlogds {@link #launch} started (once exec'ed), for {@link InProcess}'s check. */
    static final List<String> oursCommandLines = new CopyOnWriteArrayList<>();

    /** Our svlogd's command line, invoked by the same name as runit's so messages compare equal. */
    static List<String> ours(String... args) {
        List<String> cmd = new ArrayList<>(Tools.jrunitAs("svlogd", RUNIT, args));
        if (inProcess) cmd.set(cmd.indexOf(Tools.mainClass("svlogd")), InProcessSvlogd.class.getName());
        return cmd;
    }

    /**
     * Starts {@code pb}; under {@link InProcess}, notes what a JVM it starts (ours, possibly behind an
     * {@code sh -c exec}) really runs, read from /proc once the JVM has been exec'ed.
     */
    static Process launch(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        if (inProcess && pb.command().contains(Tools.JAVA)) {
            Path cmdline = Path.of("/proc/" + p.pid() + "/cmdline");
            oursCommandLines.add(Await.value("exec of " + pb.command(), () -> {
                String c = read(cmdline);
                return c.startsWith(Tools.JAVA + "\0") || !p.isAlive() ? c : null;
            }));
        }
        return p;
    }

    static List<String> runits(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Tools.runit("svlogd")));
        cmd.addAll(List.of(args));
        return cmd;
    }

    record Result(int exit, String stderr) {}

    /** Runs to completion with {@code input} on stdin (then end of input), in {@code cwd}. */
    static Result run(List<String> cmd, Path cwd, byte[] input) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        Path err = Files.createTempFile(cwd, "stderr", ".txt");
        pb.redirectError(err.toFile());
        Process p = launch(pb);
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        } catch (IOException e) {
            // exited early (bad usage): stdin closed
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("svlogd did not exit: " + cmd);
        }
        String e = Files.readString(err, StandardCharsets.ISO_8859_1);
        Files.delete(err);
        return new Result(p.exitValue(), e);
    }

    static Result run(List<String> cmd, Path cwd, String input) throws IOException, InterruptedException {
        return run(cmd, cwd, input.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A started svlogd whose stdin the test writes to. */
    static Process start(List<String> cmd, Path cwd, Path stderr) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.redirectError(stderr.toFile());
        return launch(pb);
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** The rotated files ({@code @...}) in name order = age order. */
    static List<Path> rotated(Path dir) {
        try (var s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("@")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Everything logged: the rotated files in order, then current. */
    static String all(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path f : rotated(dir)) sb.append(read(f));
        sb.append(read(dir.resolve("current")));
        return sb.toString();
    }

    /** The directory as a comparable picture: each file's suffix/name, size, mode and content with stamps masked. */
    static TreeMap<String, String> picture(Path dir) throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        int i = 0;
        for (Path f : rotated(dir)) {
            String n = f.getFileName().toString();
            m.put(String.format("%03d%s", i++, n.substring(25)), Files.size(f) + " " + mode(f) + " " + maskStamps(read(f)));
        }
        for (String n : List.of("current", "lock", "state", "newstate", "config")) {
            Path f = dir.resolve(n);
            if (Files.exists(f)) m.put(n, Files.size(f) + " " + mode(f) + " " + maskStamps(read(f)));
        }
        return m;
    }

    /** Replaces -t/-tt/-ttt stamps by their form, so runs at different times compare equal. */
    static String maskStamps(String s) {
        return s.replaceAll("@4000[0-9a-f]{20} ", "@TAI64N ")
                .replaceAll("\\d{4}-\\d\\d-\\d\\d_\\d\\d:\\d\\d:\\d\\d\\.\\d{5} ", "YYYY-MM-DD_HH:MM:SS.xxxxx ")
                .replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{5} ", "YYYY-MM-DDTHH:MM:SS.xxxxx ");
    }
}
