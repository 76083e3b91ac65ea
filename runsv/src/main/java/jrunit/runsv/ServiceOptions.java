package jrunit.runsv;

import jrunit.common.Errno;
import jrunit.common.Posix;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The optional files of a service directory that jrunit reads beyond runit, with s6's names and
 * meanings (s6-supervise's service directory), read afresh each time {@code ./run} starts:
 * <ul>
 * <li>{@code notification-fd}: a descriptor number N (3–1023): {@code ./run} gets descriptor N open
 *     for writing, and is ready once it writes a newline there;</li>
 * <li>{@code down-signal}: a signal name ({@code SIGHUP} or {@code HUP}, any case) or number (1–64), sent
 *     instead of TERM when the service is stopped;</li>
 * <li>{@code timeout-kill}: milliseconds after the down signal at which a service still running gets KILL
 *     (0: never);</li>
 * <li>{@code timeout-finish}: milliseconds after which a {@code ./finish} still running gets KILL (0: never).</li>
 * </ul>
 * Each file holds one line: its first line, blanks around it ignored. A file that is absent leaves runit's
 * behaviour; one that cannot be read or holds anything else is ignored after a warning in runsv's style
 * ({@code runsv NAME: warning: ignoring down-signal: not a signal name or number}).
 *
 * @param notificationFd     the descriptor, or -1 for none
 * @param downSignal         the signal the stop sequence sends (SIGTERM unless {@code down-signal} says otherwise)
 * @param timeoutKillMillis  0 for none
 * @param timeoutFinishMillis 0 for none
 */
record ServiceOptions(int notificationFd, int downSignal, long timeoutKillMillis, long timeoutFinishMillis) {
    /** Without any of the files: runit's behaviour. */
    static final ServiceOptions RUNIT = new ServiceOptions(-1, Posix.SIGTERM, 0, 0);

    static final int MAX_NOTIFICATION_FD = 1023;
    /** Longest timeout accepted: a day (a longer one is almost certainly a typo for something else). */
    private static final long MAX_MILLIS = 86_400_000L;
    /** What is read of a file at most (s6 reads a few bytes; a line of a number or signal name fits). */
    private static final int MAX_READ = 64;

    /**
     * Reads the files in {@code dir}; {@code warn} gets the text after "warning: " for each one ignored,
     * naming it {@code shown} + its name ({@code shown} is "" for a service, "log/" for its log service).
     */
    static ServiceOptions read(Path dir, String shown, Consumer<String> warn) {
        String fd = line(dir, shown, "notification-fd", warn);
        int notificationFd = -1;
        if (fd != null) {
            long n = number(fd);
            if (n >= 3 && n <= MAX_NOTIFICATION_FD) notificationFd = (int) n;
            else warn.accept("ignoring " + shown + "notification-fd: not a descriptor number from 3 to " + MAX_NOTIFICATION_FD);
        }
        String sig = line(dir, shown, "down-signal", warn);
        int downSignal = Posix.SIGTERM;
        if (sig != null) {
            int s = signal(sig);
            if (s > 0) downSignal = s;
            else warn.accept("ignoring " + shown + "down-signal: not a signal name or number");
        }
        long kill = millis(line(dir, shown, "timeout-kill", warn), shown + "timeout-kill", warn);
        long finish = millis(line(dir, shown, "timeout-finish", warn), shown + "timeout-finish", warn);
        if (fd == null && sig == null && kill == 0 && finish == 0) return RUNIT;
        return new ServiceOptions(notificationFd, downSignal, kill, finish);
    }

    private static long millis(String text, String file, Consumer<String> warn) {
        if (text == null) return 0;
        long n = number(text);
        if (n >= 0 && n <= MAX_MILLIS) return n;
        warn.accept("ignoring " + file + ": not a number of milliseconds up to " + MAX_MILLIS);
        return 0;
    }

    /** The file's first line without surrounding blanks; null if it does not exist or cannot be read (warned). */
    private static String line(Path dir, String shown, String name, Consumer<String> warn) {
        Path file = dir.resolve(name);
        if (!new File(file.toString()).exists()) return null; // the common case, without an exception (a dangling symlink counts as absent)
        if (!Files.isRegularFile(file)) {
            // a FIFO would block the loop; a directory cannot be read
            if (Files.exists(file)) warn.accept("ignoring " + shown + name + ": not a regular file");
            return null;
        }
        byte[] b;
        try (var in = Files.newInputStream(file)) {
            b = in.readNBytes(MAX_READ);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            warn.accept("ignoring " + shown + name + ": unable to read: " + Errno.text(e));
            return null;
        }
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int nl = s.indexOf('\n');
        if (nl >= 0) s = s.substring(0, nl);
        return s.strip();
    }

    /** A decimal number of at most 18 digits, -1 if it is anything else. */
    static long number(String s) {
        if (s.isEmpty() || s.length() > 18) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Linux's signal numbers by name (the same on x86_64 and aarch64). */
    private static final Map<String, Integer> SIGNALS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
            Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9),
            Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13),
            Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17),
            Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21),
            Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25),
            Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29),
            Map.entry("POLL", 29), Map.entry("PWR", 30), Map.entry("SYS", 31));

    /** A signal name (with or without SIG, any case) or number 1–64; 0 if it is neither. */
    static int signal(String s) {
        long n = number(s);
        if (n >= 0) return n >= 1 && n <= Posix.NSIG_MAX ? (int) n : 0;
        String name = s.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        return SIGNALS.getOrDefault(name, 0);
    }
}
