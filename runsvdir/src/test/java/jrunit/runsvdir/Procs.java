package jrunit.runsvdir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What /proc says about processes: children, command lines, states, session ids. */
final class Procs {
    private Procs() {}

    /** Whether {@code pid} is a hosting JVM's holder of log pipes (argv[0] "jrunit-pipes", see runsv's PipeHolder). */
    static boolean isPipeHolder(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).startsWith("jrunit-pipes\0");
        } catch (IOException e) {
            return false;
        }
    }

    static List<Integer> children(long pid) {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    String s = Files.readString(t.resolve("children")).trim();
                    if (!s.isEmpty()) for (String p : s.split(" ")) out.add(Integer.parseInt(p));
                } catch (IOException e) {
                    // thread gone
                }
            }
        } catch (IOException e) {
            // process gone
        }
        return out;
    }

    /** Every descendant of {@code pid}, depth first. */
    static List<Integer> descendants(long pid) {
        List<Integer> out = new ArrayList<>();
        for (int c : children(pid)) {
            out.add(c);
            out.addAll(descendants(c));
        }
        return out;
    }

    /** argv words, trailing empty ones (padding of a rewritten argv area) dropped; empty list if gone. */
    static List<String> cmdline(long pid) {
        try {
            String s = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
            List<String> words = new ArrayList<>(List.of(s.split("\0", -1)));
            while (!words.isEmpty() && words.getLast().isEmpty()) words.removeLast();
            return words;
        } catch (IOException e) {
            return List.of();
        }
    }

    static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** Fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [2] pgrp, [3] session. */
    static String[] stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
        } catch (IOException e) {
            return null;
        }
    }

    /** Alive and not a zombie. */
    static boolean running(long pid) {
        String[] st = stat(pid);
        return st != null && !st[0].equals("Z") && !st[0].equals("X");
    }

    /** The runsv children of {@code pid} by service name ({@code runsv NAME}). */
    static Map<String, Integer> runsvChildren(long pid) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int c : children(pid)) {
            List<String> cmd = cmdline(c);
            if (!running(c) || cmd.size() < 2) continue;
            if (cmd.get(0).endsWith("runsv") || cmd.contains("jrunit.runsv.Runsv")) out.put(cmd.getLast(), c);
        }
        return out;
    }

    /** Processes whose working directory is under {@code root}. */
    static List<Integer> withCwdUnder(Path root) {
        List<Integer> out = new ArrayList<>();
        String prefix = root.toAbsolutePath().toString();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : all) {
                try {
                    String cwd = Files.readSymbolicLink(p.resolve("cwd")).toString();
                    if (cwd.equals(prefix) || cwd.startsWith(prefix + "/")) out.add(Integer.parseInt(p.getFileName().toString()));
                } catch (IOException | RuntimeException e) {
                    // gone or not ours to read
                }
            }
        } catch (IOException e) {
            // no /proc
        }
        return out;
    }
}
