package jrunit.chpst;

import jrunit.common.Account;
import jrunit.common.ByteStrings;
import jrunit.common.Errno;
import jrunit.common.Posix;
import jrunit.common.ProgramName;
import jrunit.common.RunitOptions;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * chpst: runs a program with a changed process state, replacing itself with the program (execve).
 * Invoked as envdir, envuidgid, pgrphack, setuidgid, setlock or softlimit (the name after the last
 * '/', a leading 'd' dropped) it behaves as that daemontools tool, as runit's chpst does.
 */
public final class Chpst {
    private Chpst() {}

    static final String VERSION = "$Id: f279d44141c981dd7535a12260efcf1ef7beed26 $";
    /** Debian's text (runit 2.1.2 plus Debian's cosmetic patch: -V listed, -t added). */
    static final String CHPST_SYNOPSIS = "[-vVP012] [-u user[:group]] [-U user[:group]] [-b argv0] [-e dir] [-/ root]"
            + " [-n nice] [-l|-L lock] [-m n] [-d n] [-o n] [-p n] [-f n] [-c n] [-t n] prog";
    static final String ACCOUNT_SYNOPSIS = "account child";
    static final String ENVDIR_SYNOPSIS = "dir child";
    static final String PGRPHACK_SYNOPSIS = "child";
    static final String SETLOCK_SYNOPSIS = "[ -nNxX ] file program [ arg ... ]";
    static final String SOFTLIMIT_SYNOPSIS = "[-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes]"
            + " [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child";

    private static final RunitOptions CHPST_OPTIONS = new RunitOptions("u:U:b:e:m:d:o:p:f:c:r:t:/:C:n:l:L:vP012V");
    private static final RunitOptions SETLOCK_OPTIONS = new RunitOptions("nNxX");
    private static final RunitOptions SOFTLIMIT_OPTIONS = new RunitOptions("a:c:d:f:l:m:o:p:r:s:t:");

    private static boolean stderrOpen = true;

    public static void main(String[] javaArgs) {
        Caller caller = Caller.recover(javaArgs);
        String invokedAs = ByteStrings.fromJava(ProgramName.basename("chpst"));
        int code = run(caller, invokedAs);
        // halt, not exit: chpst has no shutdown work (its messages are written unbuffered), and
        // Runtime.exit's logging would load JDK natives that are out of reach after -/ (chroot)
        Runtime.getRuntime().halt(code);
    }

    /** Runs chpst; returns only with the exit code of a failure (success replaces the process). */
    static int run(Caller caller, String invokedAs) {
        String progname = invokedAs.startsWith("d") ? invokedAs.substring(1) : invokedAs;
        if (caller.stdioHeldByJvm[2]) stderrClosed(); // the caller closed it: runit's messages would go nowhere
        try {
            Changes changes = switch (progname) {
                case "setuidgid" -> accountTool(caller.args, progname, false);
                case "envuidgid" -> accountTool(caller.args, progname, true);
                case "envdir" -> envdir(caller.args, progname);
                case "pgrphack" -> pgrphack(caller.args, progname);
                case "setlock" -> setlock(caller.args, progname, invokedAs);
                case "softlimit" -> softlimit(caller.args, progname, invokedAs);
                default -> chpst(caller.args, progname, invokedAs);
            };
            new StateChanger(caller, changes).run();
            return 111; // not reached: run() either execs or throws
        } catch (Usage u) {
            printErr(u.text);
            return 100;
        } catch (Fatal f) {
            printErr("chpst: fatal: " + f.text + (f.errno == Fatal.NO_ERRNO ? "" : ": " + Errno.text(f.errno)) + "\n");
            return 111;
        } catch (QuietExit q) {
            return 0;
        }
    }

    private static Changes chpst(List<String> args, String progname, String invokedAs) throws Usage {
        Usage usage = Usage.of(progname, CHPST_SYNOPSIS);
        return changes(CHPST_OPTIONS, args, usage, invokedAs, (c, o) -> chpstOption(c, o, usage));
    }

    /** What one option changes; a bad argument is a usage error. */
    private interface OptionEffect {
        void apply(Changes c, RunitOptions.Occurrence o) throws Usage;
    }

    /**
     * chpst's and softlimit's command lines: every option applied in order, then the program (at least
     * one word). runit acts on the options before a bad one first: -V or a bad -n exits before getopt complains.
     */
    private static Changes changes(RunitOptions options, List<String> args, Usage usage, String invokedAs,
                                   OptionEffect effect) throws Usage {
        Changes c = new Changes();
        RunitOptions.Parsed p;
        try {
            p = options.parse(args.toArray(String[]::new));
        } catch (RunitOptions.UsageException e) {
            for (RunitOptions.Occurrence o : e.before()) effect.apply(c, o);
            throw usage.after(invokedAs + ": " + e.getMessage());
        }
        for (RunitOptions.Occurrence o : p.occurrences()) effect.apply(c, o);
        if (p.operands().isEmpty()) throw usage;
        c.program = p.operands();
        return c;
    }

    private static void chpstOption(Changes c, RunitOptions.Occurrence o, Usage usage) throws Usage {
        String arg = o.argument();
        switch (o.option()) {
            case 'u' -> { c.setUser = arg; c.setUserSpec = true; }
            case 'U' -> { c.envUser = arg; c.envUserSpec = true; }
            case 'b' -> c.argv0 = arg;
            case 'e' -> { c.envDir = arg; c.envDirLenient = true; }
            case 'm' -> c.limitMemory(number(arg, usage));
            case 'd' -> c.limits[Posix.RLIMIT_DATA] = number(arg, usage);
            case 'o' -> c.limits[Posix.RLIMIT_NOFILE] = number(arg, usage);
            case 'p' -> c.limits[Posix.RLIMIT_NPROC] = number(arg, usage);
            case 'f' -> c.limits[Posix.RLIMIT_FSIZE] = number(arg, usage);
            case 'c' -> c.limits[Posix.RLIMIT_CORE] = number(arg, usage);
            case 'r' -> c.limits[Posix.RLIMIT_RSS] = number(arg, usage);
            case 't' -> c.limits[Posix.RLIMIT_CPU] = number(arg, usage);
            case '/' -> c.root = arg;
            case 'C' -> c.workDir = arg;
            case 'n' -> c.nice = niceValue(arg, usage);
            case 'l', 'L' -> {
                if (c.lock != null) throw usage;
                c.lock = arg;
                c.lockWait = o.option() == 'l';
            }
            case 'v' -> c.verbose = true;
            case 'P' -> c.newSession = true;
            case '0' -> c.closeStdin = true;
            case '1' -> c.closeStdout = true;
            case '2' -> c.closeStderr = true;
            case 'V' -> throw new Usage(VERSION + "\n" + usage.text);
            default -> throw usage;
        }
    }

    private static Changes accountTool(List<String> args, String progname, boolean toEnvironment) throws Usage {
        if (args.size() < 2) throw Usage.of(progname, ACCOUNT_SYNOPSIS);
        Changes c = new Changes();
        if (toEnvironment) c.envUser = args.getFirst();
        else c.setUser = args.getFirst();
        c.program = args.subList(1, args.size());
        return c;
    }

    private static Changes envdir(List<String> args, String progname) throws Usage {
        if (args.size() < 2) throw Usage.of(progname, ENVDIR_SYNOPSIS);
        Changes c = new Changes();
        c.envDir = args.getFirst();
        c.program = args.subList(1, args.size());
        return c;
    }

    private static Changes pgrphack(List<String> args, String progname) throws Usage {
        if (args.isEmpty()) throw Usage.of(progname, PGRPHACK_SYNOPSIS);
        Changes c = new Changes();
        c.newSession = true;
        c.program = args;
        return c;
    }

    /** setlock: -n waits, -N does not (the default); -x makes failures silent exit 0, -X fatal (the default). */
    private static Changes setlock(List<String> args, String progname, String invokedAs) throws Usage {
        Usage usage = Usage.of(progname, SETLOCK_SYNOPSIS);
        RunitOptions.Parsed p = parse(SETLOCK_OPTIONS, args, usage, invokedAs);
        Changes c = new Changes();
        for (RunitOptions.Occurrence o : p.occurrences()) {
            switch (o.option()) {
                case 'n' -> c.lockWait = true;
                case 'N' -> c.lockWait = false;
                case 'x' -> c.quiet = true;
                case 'X' -> c.quiet = false;
                default -> throw usage;
            }
        }
        if (p.operands().size() < 2) throw usage;
        c.lock = p.operands().getFirst();
        c.program = p.operands().subList(1, p.operands().size());
        return c;
    }

    /** softlimit: its own letters; "=" means the hard limit; a bad number gets chpst's usage text, as in runit. */
    private static Changes softlimit(List<String> args, String progname, String invokedAs) throws Usage {
        Usage badNumber = Usage.of(progname, CHPST_SYNOPSIS);
        return changes(SOFTLIMIT_OPTIONS, args, Usage.of(progname, SOFTLIMIT_SYNOPSIS), invokedAs,
                (c, o) -> softlimitOption(c, o, badNumber));
    }

    private static void softlimitOption(Changes c, RunitOptions.Occurrence o, Usage badNumber) throws Usage {
        long v = o.argument().equals("=") ? Changes.TO_HARD : number(o.argument(), badNumber);
        switch (o.option()) {
            case 'a' -> c.limits[Posix.RLIMIT_AS] = v;
            case 'c' -> c.limits[Posix.RLIMIT_CORE] = v;
            case 'd' -> c.limits[Posix.RLIMIT_DATA] = v;
            case 'f' -> c.limits[Posix.RLIMIT_FSIZE] = v;
            case 'l' -> c.limits[Posix.RLIMIT_MEMLOCK] = v;
            case 'm' -> c.limitMemory(v);
            case 'o' -> c.limits[Posix.RLIMIT_NOFILE] = v;
            case 'p' -> c.limits[Posix.RLIMIT_NPROC] = v;
            case 'r' -> c.limits[Posix.RLIMIT_RSS] = v;
            case 's' -> c.limits[Posix.RLIMIT_STACK] = v;
            case 't' -> c.limits[Posix.RLIMIT_CPU] = v;
            default -> throw badNumber;
        }
    }

    /** getopt errors carry the invoked name as is (a leading 'd' kept), the usage the personality's name. */
    private static RunitOptions.Parsed parse(RunitOptions options, List<String> args, Usage usage, String invokedAs)
            throws Usage {
        try {
            return options.parse(args.toArray(String[]::new));
        } catch (RunitOptions.UsageException e) {
            throw usage.after(invokedAs + ": " + e.getMessage());
        }
    }

    /** A limit: decimal digits only (none is 0), wrapping as runit's unsigned long does. */
    private static long number(String s, Usage usage) throws Usage {
        int[] pos = {0};
        long v = Account.scanNumber(s, pos);
        if (pos[0] != s.length()) throw usage;
        return v;
    }

    /** -n: [+|-]digits. */
    private static long niceValue(String s, Usage usage) throws Usage {
        if (s.startsWith("-")) return -number(s.substring(1), usage);
        return number(s.startsWith("+") ? s.substring(1) : s, usage);
    }

    static void warn(String message) {
        printErr("chpst: warning: " + message + "\n");
    }

    /** After -2 nothing more is written, as with runit, whose stderr is then closed. */
    static void stderrClosed() {
        stderrOpen = false;
    }

    /** Writes a byte string to fd 2 as is (System.err would re-encode it with the locale's charset). */
    static void printErr(String byteString) {
        if (!stderrOpen) return;
        try {
            FileOutputStream err = new FileOutputStream(FileDescriptor.err);
            err.write(ByteStrings.bytes(byteString));
            err.flush();
        } catch (IOException e) {
            // stderr is gone: nothing else to tell anyone
        }
    }
}
