package jrunit.chpst;

import jrunit.common.ByteStrings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What chpst's caller handed to the process, recovered from under the JVM so that the program
 * chpst runs gets exactly that and nothing of the JVM's:
 * <ul>
 * <li>the arguments and environment as raw bytes (/proc/self/cmdline and /proc/self/environ: the
 *     JDK decodes {@code main}'s arguments with the locale's charset, which loses non-ASCII under LANG=C);
 * <li>the signal mask: the primordial thread's (the java launcher's first thread runs no Java code
 *     and keeps the mask it was started with);
 * <li>the ignored signals: those still ignored now (the JVM keeps an inherited SIG_IGN for the
 *     signals it does not use itself; the ones it does use are caught and revert to default at exec);
 * <li>the descriptors: every open descriptor except the JVM's own (the runtime image, the class
 *     path, a CDS/AOT archive), which may even sit on 0, 1 or 2 if the caller left those closed.
 * </ul>
 * Read at start-up, before chpst changes root or user and /proc may be out of reach.
 */
final class Caller {
    final List<String> args;
    /** The environment entries as byte strings; the JVM does not change it, so this is also what execve would pass. */
    final List<String> env;
    final long blockedSignals;
    final long ignoredSignals;
    /** Descriptors from 3 up that came from the caller. */
    final int[] inheritedFds;
    /** Which of 0, 1, 2 are the JVM's (the caller had them closed). */
    final boolean[] stdioHeldByJvm;

    private Caller(List<String> args, List<String> env, long blocked, long ignored, int[] inherited, boolean[] stdioJvm) {
        this.args = args;
        this.env = env;
        this.blockedSignals = blocked;
        this.ignoredSignals = ignored;
        this.inheritedFds = inherited;
        this.stdioHeldByJvm = stdioJvm;
    }

    static Caller recover(String[] javaArgs) {
        List<String> cmdline = nulSeparated(Path.of("/proc/self/cmdline"));
        List<String> args = rawArgs(javaArgs, cmdline);
        List<String> env = nulSeparated(Path.of("/proc/self/environ"));
        if (env == null) {
            env = new ArrayList<>();
            for (var e : System.getenv().entrySet()) env.add(ByteStrings.fromJava(e.getKey() + "=" + e.getValue()));
        }
        String pid = ownPid();
        long blocked = statusMask(Path.of("/proc/self/task/" + pid + "/status"), "SigBlk:");
        long ignored = statusMask(Path.of("/proc/self/status"), "SigIgn:") | launcherIgnored();
        Set<String> jvmFiles = jvmFiles(cmdline, javaArgs.length);
        String javaHome = realPath(System.getProperty("java.home")) + "/";
        List<Integer> inherited = new ArrayList<>();
        boolean[] stdioJvm = new boolean[3];
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            int listing = -1;
            for (Path p : fds) {
                int fd = Integer.parseInt(p.getFileName().toString());
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    continue; // gone meanwhile: this listing's own descriptor
                }
                if (target.equals("/proc/" + pid + "/fd")) listing = fd;
                boolean jvm = target.startsWith(javaHome) || jvmFiles.contains(target) || fd == listing;
                if (fd < 3) stdioJvm[fd] = jvm;
                else if (!jvm) inherited.add(fd);
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: hand on only 0, 1 and 2
        }
        return new Caller(args, env, blocked, ignored, toArray(inherited), stdioJvm);
    }

    /**
     * main's arguments are the last entries of /proc/self/cmdline (the JVM's own options and the
     * main class come first). Taken as raw bytes when they agree with the JDK's decoding on every
     * ASCII argument; otherwise the JDK's strings are used.
     */
    private static List<String> rawArgs(String[] javaArgs, List<String> cmdline) {
        List<String> fallback = new ArrayList<>();
        for (String a : javaArgs) fallback.add(ByteStrings.fromJava(a));
        if (cmdline == null || cmdline.size() <= javaArgs.length) return fallback;
        List<String> tail = cmdline.subList(cmdline.size() - javaArgs.length, cmdline.size());
        for (int i = 0; i < javaArgs.length; i++) {
            if (isAscii(javaArgs[i]) && !javaArgs[i].equals(tail.get(i))) return fallback;
        }
        return List.copyOf(tail);
    }

    // Plain loops, no lambdas or streams: their first use costs start-up time.
    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    static int[] toArray(List<Integer> list) {
        int[] a = new int[list.size()];
        for (int i = 0; i < a.length; i++) a[i] = list.get(i);
        return a;
    }

    /** The files the JVM itself keeps open: class path entries and CDS/AOT archives named in its options. */
    private static Set<String> jvmFiles(List<String> cmdline, int argCount) {
        Set<String> files = new HashSet<>();
        String cp = System.getProperty("java.class.path", "");
        for (String e : cp.split(":")) {
            if (!e.isEmpty()) files.add(realPath(e));
        }
        if (cmdline != null) {
            for (int i = 0; i < cmdline.size() - argCount; i++) {
                String o = ByteStrings.forPosix(cmdline.get(i));
                for (String flag : List.of("-XX:AOTCache=", "-XX:SharedArchiveFile=")) {
                    if (o.startsWith(flag)) files.add(realPath(o.substring(flag.length())));
                }
            }
        }
        return files;
    }

    private static String realPath(String p) {
        try {
            return Path.of(p).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return Path.of(p).toAbsolutePath().normalize().toString();
        }
    }

    /**
     * Signals the JVM catches itself lose an inherited SIG_IGN before chpst can see it. The launcher
     * script reads its own SigIgn (the caller's) and passes it as {@code -Djrunit.sigign=HEX}; of
     * those, the signals that are safe to ignore in a JVM for the last instant before exec (QUIT,
     * USR2, PIPE, XFSZ) are handed on. Fault signals (SEGV, BUS...) are not: the JVM relies on them.
     */
    private static long launcherIgnored() {
        String hex = System.getProperty("jrunit.sigign");
        if (hex == null || hex.isBlank()) return 0;
        long safe = (1L << (jrunit.common.Posix.SIGQUIT - 1)) | (1L << (jrunit.common.Posix.SIGUSR2 - 1)) | (1L << (jrunit.common.Posix.SIGPIPE - 1))
                | (1L << (jrunit.common.Posix.SIGXFSZ - 1));
        try {
            return Long.parseUnsignedLong(hex.trim(), 16) & safe;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** This process's id from /proc/self (ProcessHandle would start the JDK's process machinery). */
    private static String ownPid() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self")).toString();
        } catch (IOException | RuntimeException e) {
            return "self";
        }
    }

    /** A NUL-separated /proc file as byte strings, or {@code null} if it cannot be read. */
    private static List<String> nulSeparated(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                out.add(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        if (start < b.length) out.add(new String(b, start, b.length - start, StandardCharsets.ISO_8859_1));
        return out;
    }

    /** A signal set line of a /proc status file ("SigBlk:\t0000000000004204"), 0 if unreadable. */
    private static long statusMask(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith(field)) return Long.parseUnsignedLong(line.substring(field.length()).trim(), 16);
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: nothing blocked, nothing ignored
        }
        return 0;
    }
}
