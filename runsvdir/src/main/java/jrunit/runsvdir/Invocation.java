package jrunit.runsvdir;

import java.time.Duration;
import java.util.Arrays;

/**
 * runsvdir's command line: runit's {@code [-P] dir [log]}, read as runit reads it (only the first
 * argument may be an option; {@code -P...} sets new sessions, {@code --} is skipped, any other
 * {@code -x} is taken as the directory), preceded by jrunit's own long options:
 * {@code --container[=SECONDS]} (PID-1 shutdown semantics) and {@code --hosted} (one JVM hosts every
 * supervisor).
 */
record Invocation(boolean newSessions, String dir, String log, Duration containerDeadline, boolean hosted) {
    /** Default shutdown deadline in container mode: under Docker's 10 s grace before its SIGKILL. */
    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(8);

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    boolean container() {
        return containerDeadline != null;
    }

    static Invocation parse(String... args) throws UsageException {
        int i = 0;
        Duration deadline = null;
        boolean hosted = false;
        while (i < args.length && args[i].startsWith("--") && args[i].length() > 2) {
            String a = args[i];
            if (a.equals("--hosted")) {
                hosted = true;
            } else if (a.equals("--container")) {
                deadline = DEFAULT_DEADLINE;
            } else if (a.startsWith("--container=")) {
                deadline = seconds(a.substring("--container=".length()));
            } else {
                throw new UsageException("unknown option: " + a);
            }
            i++;
        }
        String[] rest = Arrays.copyOfRange(args, i, args.length);
        boolean newSessions = false;
        int j = 0;
        if (rest.length > 0 && rest[0].length() > 1 && rest[0].charAt(0) == '-') {
            if (rest[0].charAt(1) == 'P') {
                newSessions = true;
                j++;
            } else if (rest[0].charAt(1) == '-') {
                j++;
            }
        }
        if (j >= rest.length) throw new UsageException(null);
        String log = j + 1 < rest.length ? rest[j + 1] : null;
        return new Invocation(newSessions, rest[j], log, deadline, hosted);
    }

    private static Duration seconds(String s) throws UsageException {
        try {
            double v = Double.parseDouble(s);
            if (!(v > 0) || v > 86400 || s.isBlank() || !s.matches("[0-9]+(\\.[0-9]+)?")) throw new NumberFormatException();
            return Duration.ofMillis(Math.round(v * 1000));
        } catch (NumberFormatException e) {
            throw new UsageException("bad deadline: " + s + " (seconds, e.g. --container=8)");
        }
    }
}
