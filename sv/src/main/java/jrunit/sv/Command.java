package jrunit.sv;

/**
 * What a command word means, as runit 2.1.2's sv reads it: the bytes written to
 * {@code supervise/control} (or the check letters), whether sv waits for the result even without
 * {@code -v}, and whether a timeout sends {@code k}.
 *
 * @param acts    bytes for {@code supervise/control}; for {@code check} the check letter {@code C}
 * @param kind    what the first pass does with each service
 * @param waits   waits without {@code -v}
 * @param kills   on timeout prints {@code kill:} and sends {@code k}
 */
record Command(String acts, Kind kind, boolean waits, boolean kills) {
    enum Kind { CONTROL, STATUS, CHECK }

    /** The command for {@code word}, or {@code null} for a usage error. */
    static Command of(String word, boolean lsb) {
        if (word.isEmpty()) return null;
        char c = word.charAt(0);
        switch (c) {
            case 'x', 'e': return control("x", false, false);
            case 'X', 'E': return control("x", true, true);
            case 'D': return control("d", true, true);
            case 'T': return control("tc", true, true);
            case 's':
                return switch (word) {
                    case "shutdown" -> control("x", true, false);
                    case "start" -> control("u", true, false);
                    case "stop" -> control("d", true, false);
                    // runit: any other s-word is status, except in init-script mode
                    default -> lsb && !word.equals("status") ? null : new Command("s", Kind.STATUS, false, false);
                };
            case 'r':
                if (word.equals("restart")) return control("tcu", true, false);
                if (word.equals("reload")) return control("h", true, false);
                return null;
            case 'f':
                return switch (word) {
                    case "force-reload" -> control("tc", true, true);
                    case "force-restart" -> control("tcu", true, true);
                    case "force-shutdown" -> control("x", true, true);
                    case "force-stop" -> control("d", true, true);
                    default -> null;
                };
            case 't', 'c':
                if (word.equals("try-restart")) return control("tc", true, false);
                if (word.equals("check")) return new Command("C", Kind.CHECK, true, false);
                return control(String.valueOf(c), false, false);
            case 'u', 'd', 'o', 'p', 'h', 'a', 'i', 'k', 'q', '1', '2':
                return control(String.valueOf(c), false, false);
            default:
                return null;
        }
    }

    private static Command control(String acts, boolean waits, boolean kills) {
        return new Command(acts, Kind.CONTROL, waits, kills);
    }

    /** The first act byte: runit's "runsv not running" is ok, not a failure, for exit. */
    char first() {
        return acts.charAt(0);
    }
}
