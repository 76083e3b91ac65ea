package jrunit.runsv;

import jrunit.common.Account;
import jrunit.common.RunitOptions;
import jrunit.runsv.PreparationStep.ChangeMode;
import jrunit.runsv.PreparationStep.ChangeOwner;
import jrunit.runsv.PreparationStep.InstallDirectories;
import jrunit.runsv.PreparationStep.MakeDirectories;
import jrunit.runsv.PreparationStep.Mode;
import jrunit.runsv.PreparationStep.UnlessDirectory;
import jrunit.runsv.ScriptLines.Line;
import jrunit.runsv.ScriptLines.NotRecognised;
import jrunit.runsv.ScriptLines.Or;
import jrunit.runsv.ScriptLines.StderrToStdout;
import jrunit.runsv.ScriptLines.Token;
import jrunit.runsv.ScriptLines.Word;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Recognises a log service's {@code run} script that only prepares its directory and execs jrunit's
 * svlogd (through chpst or setuidgid at most), so that the supervisor runs svlogd's engine in-process
 * instead of a JVM per logger. Anything else is left to a real shell. Recognised, as the issue lists them:
 * <ul>
 * <li>a {@code #!} line for sh, dash or bash (directly, with an optional {@code -e}/{@code -u} flag, or
 *     through {@code /usr/bin/env}); blank lines, comments, {@code set -e}/{@code -u}, {@code exec 2>&1};
 * <li>preparation: {@code mkdir [-p] [-m MODE] DIR…}, {@code chown [-R] OWNER PATH…},
 *     {@code chmod [-R] MODE PATH…}, {@code install -d [-m M] [-o U] [-g G] DIR…}, each optionally after
 *     {@code [ -d DIR ] ||} or {@code test -d DIR ||}; numeric modes only;
 * <li>last, {@code exec [chpst (-u U | -U U | -P)… | setuidgid U] svlogd [OPTIONS] DIR…}, the three
 *     being jrunit's own tools as PATH (or the path written) finds them.
 * </ul>
 * Words are literal: quotes are removed, backslash-newline joins lines; no expansion of any kind.
 * A script without a {@code #!} line is not recognised: runsv's exec of it fails (exec format
 * error), as runit's does, and so it must here too.
 */
public final class LogRunScript {
    private LogRunScript() {}

    /** Larger scripts are not what this is for. */
    private static final int MAX_SCRIPT_BYTES = 64 * 1024;
    private static final Set<String> SHELLS = Set.of("sh", "dash", "bash");
    private static final Set<String> SHELL_PATHS = Set.of("/bin/sh", "/bin/dash", "/bin/bash", "/usr/bin/sh",
            "/usr/bin/dash", "/usr/bin/bash");
    private static final Pattern SET_FLAGS = Pattern.compile("-[eu]+");
    /** User and group names in chown/install words (others are left to the real tools and their quoting). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]*\\$?|\\+[0-9]+");
    private static final RunitOptions CHPST_ACCEPTED = new RunitOptions("u:U:P");

    /** An account a chpst option or setuidgid names: in chpst's {@code user[:group…]} notation or setuidgid's {@code user}. */
    public record AccountRequest(String name, boolean chpstNotation) {
        /** The account as chpst resolves it; the failure carries chpst's text ({@code chpst: fatal: } + message, exit 111). */
        public Account resolve() throws Account.Failure {
            return chpstNotation ? Account.ofSpec(name) : Account.ofUser(name);
        }
    }

    /**
     * What a recognised script does.
     *
     * @param steps              the preparation lines, in order
     * @param errexitFrom        the first step run under {@code set -e} (a failing step from there on ends
     *                           the script with its status); -1 if {@code set -e} is never in effect
     * @param stderrToStdoutFrom the first step whose stderr is the script's stdout ({@code exec 2>&1});
     *                           {@code steps.size()} if only svlogd's is; -1 if none
     * @param account            the user svlogd runs as ({@code chpst -u}, setuidgid), or null
     * @param envAccount         {@code chpst -U}'s account: it must exist, nothing else (it only sets
     *                           $UID/$GID, which svlogd does not read), or null
     * @param svlogdArgs         svlogd's arguments (options and directories), quotes removed
     */
    public record Plan(List<PreparationStep> steps, int errexitFrom, int stderrToStdoutFrom,
                       AccountRequest account, AccountRequest envAccount, List<String> svlogdArgs) {
        public Plan {
            steps = List.copyOf(steps);
            svlogdArgs = List.copyOf(svlogdArgs);
        }

        /** {@code set -e} is in effect for step {@code index}. */
        public boolean errexitAt(int index) {
            return errexitFrom >= 0 && index >= errexitFrom;
        }

        /** Step {@code index}'s messages go to the script's stdout. */
        public boolean stderrToStdoutAt(int index) {
            return stderrToStdoutFrom >= 0 && index >= stderrToStdoutFrom;
        }

        /** svlogd's (and chpst's) stderr is the script's stdout: {@code exec 2>&1} came before the exec line. */
        public boolean stderrToStdout() {
            return stderrToStdoutFrom >= 0;
        }
    }

    /** The outcome: the plan, or null and why the script is left to a shell. */
    public record Recognition(Plan plan, String reason) {}

    /** The plan for {@code script}, or null if it must be run by a shell. See {@link #examine}. */
    public static Plan recognise(byte[] script, Path logDir, String pathEnv, Path jrunitBin) {
        return examine(script, logDir, pathEnv, jrunitBin).plan();
    }

    /**
     * Reads {@code script} as sh would run it in {@code logDir}.
     *
     * @param pathEnv   the PATH the script would see (the host's environment); null finds nothing
     * @param jrunitBin the directory of jrunit's own tools (the {@code jrunit.bin} property); null: nothing is recognised
     */
    public static Recognition examine(byte[] script, Path logDir, String pathEnv, Path jrunitBin) {
        if (jrunitBin == null) return new Recognition(null, "jrunit's bin directory is unknown (no jrunit.bin)");
        if (pathEnv == null) return new Recognition(null, "no PATH");
        try {
            return new Recognition(new Reader(new CommandLookup(logDir, pathEnv, jrunitBin)).read(script), "recognised");
        } catch (NotRecognised e) {
            return new Recognition(null, e.getMessage());
        }
    }

    /**
     * The plan for {@code logDir/run}, or null to spawn it: PATH from this process's environment, jrunit's
     * tools from the {@code jrunit.bin} property (set by the launcher). A script that is not an executable
     * file is spawned too, to fail as it would.
     */
    public static Plan forLogService(Path logDir) {
        return examineLogService(logDir).plan();
    }

    /** {@link #forLogService} with the reason, for a debug log. */
    public static Recognition examineLogService(Path logDir) {
        Path run = logDir.resolve("run");
        if (!Files.isRegularFile(run) || !Files.isExecutable(run)) {
            return new Recognition(null, "run is not an executable file");
        }
        byte[] script;
        try (InputStream in = Files.newInputStream(run)) {
            script = in.readNBytes(MAX_SCRIPT_BYTES + 1);
        } catch (IOException e) {
            return new Recognition(null, "run cannot be read: " + e.getMessage());
        }
        if (script.length > MAX_SCRIPT_BYTES) return new Recognition(null, "run is larger than " + MAX_SCRIPT_BYTES + " bytes");
        String bin = System.getProperty("jrunit.bin");
        return examine(script, logDir, System.getenv("PATH"), bin == null || bin.isEmpty() ? null : Path.of(bin));
    }

    /**
     * Does what the script does before svlogd starts, except becoming {@link Plan#account()}: its
     * preparation lines, as the coreutils commands would, then chpst's check that a {@code -U} account
     * exists. Messages go to {@code stderr} ({@code stdout} after {@code exec 2>&1}).
     *
     * @return 0, or the status the script would exit with (a failed step under {@code set -e}: 1;
     *         an unknown {@code -U} account: chpst's 111)
     */
    public static int prepare(Plan plan, Path logDir, OutputStream stdout, OutputStream stderr) {
        return new Preparation(logDir, stdout, stderr).run(plan);
    }

    /** {@link #prepare(Plan, Path, OutputStream, OutputStream)} with every message to {@code stderr}. */
    public static int prepare(Plan plan, Path logDir, OutputStream stderr) {
        return prepare(plan, logDir, stderr, stderr);
    }

    // ------------------------------------------------------------------ reading a script

    /** One script's reading: where {@code set -e} and {@code exec 2>&1} came, the steps so far. */
    private static final class Reader {
        private final CommandLookup lookup;
        private final List<PreparationStep> steps = new ArrayList<>();
        private int errexitFrom = -1;
        private int stderrToStdoutFrom = -1;

        Reader(CommandLookup lookup) {
            this.lookup = lookup;
        }

        Plan read(byte[] script) throws NotRecognised {
            String text = new String(script, StandardCharsets.ISO_8859_1);
            if (shebang(text)) errexitFrom = 0;
            List<Line> lines = ScriptLines.of(text);
            if (lines.isEmpty()) throw new NotRecognised("no commands");
            for (Line line : lines.subList(0, lines.size() - 1)) command(line);
            return execLine(lines.getLast());
        }

        /** Checks the {@code #!} line; true if it sets -e. */
        private boolean shebang(String text) throws NotRecognised {
            if (!text.startsWith("#!")) throw new NotRecognised("no #! line: exec fails (exec format error), as with runit");
            int eol = text.indexOf('\n');
            // as the kernel reads it: blanks (only spaces and tabs) around the interpreter, the rest one argument
            String line = stripBlanks(text.substring(2, eol < 0 ? text.length() : eol));
            int blank = indexOfBlank(line);
            String interpreter = blank < 0 ? line : line.substring(0, blank);
            String argument = blank < 0 ? "" : stripBlanks(line.substring(blank));
            if (interpreter.equals("/usr/bin/env")) {
                if (!SHELLS.contains(argument)) throw new NotRecognised("#! line: /usr/bin/env " + argument);
                if (!Files.isExecutable(Path.of(interpreter)) || lookup.find(argument) == null) {
                    throw new NotRecognised("#! line: " + argument + " is not found");
                }
                return false;
            }
            if (!SHELL_PATHS.contains(interpreter)) throw new NotRecognised("#! line: " + line + " is not sh, dash or bash");
            if (!Files.isExecutable(Path.of(interpreter))) throw new NotRecognised("#! line: " + interpreter + " is not installed");
            if (!argument.isEmpty() && !SET_FLAGS.matcher(argument).matches()) {
                throw new NotRecognised("#! line: the shell's option " + argument);
            }
            return argument.indexOf('e') >= 0;
        }

        /** A line before the last one. */
        private void command(Line line) throws NotRecognised {
            List<Token> t = line.tokens();
            if (t.contains(new StderrToStdout())) {
                if (t.size() != 2 || !word(t.get(0), "exec") || !(t.get(1) instanceof StderrToStdout)) {
                    throw refused(line, "a redirection other than a lone exec 2>&1");
                }
                if (stderrToStdoutFrom < 0) stderrToStdoutFrom = steps.size();
                return;
            }
            if (word(t.getFirst(), "set")) {
                if (t.size() < 2 || t.contains(new Or())) throw refused(line, "set without -e/-u");
                for (Token w : t.subList(1, t.size())) {
                    if (!(w instanceof Word(String flags)) || !SET_FLAGS.matcher(flags).matches()) {
                        throw refused(line, "set " + text(w) + " (only -e and -u)");
                    }
                    if (flags.indexOf('e') >= 0 && errexitFrom < 0) errexitFrom = steps.size();
                }
                return;
            }
            if (word(t.getFirst(), "exec")) throw refused(line, "exec is not the last command");
            int or = t.indexOf(new Or());
            if (or < 0) {
                steps.add(step(line, words(line, t)));
                return;
            }
            List<String> test = words(line, t.subList(0, or));
            List<String> rest = words(line, t.subList(or + 1, t.size()));
            String dir;
            if (test.size() == 4 && test.get(0).equals("[") && test.get(1).equals("-d") && test.get(3).equals("]")) {
                dir = test.get(2);
            } else if (test.size() == 3 && test.get(0).equals("test") && test.get(1).equals("-d")) {
                dir = test.get(2);
            } else {
                throw refused(line, "|| after something other than [ -d DIR ] or test -d DIR");
            }
            if (rest.isEmpty()) throw refused(line, "nothing after ||");
            steps.add(new UnlessDirectory(dir, step(line, rest)));
        }

        /** A preparation command; its program must be the coreutils one PATH finds. */
        private PreparationStep step(Line line, List<String> w) throws NotRecognised {
            String command = w.getFirst();
            List<String> args = w.subList(1, w.size());
            if (!Set.of("mkdir", "chown", "chmod", "install").contains(command)) {
                throw refused(line, "the command " + command);
            }
            if (!lookup.isProgramNamed(command)) throw refused(line, command + " is not found as such in PATH");
            GnuOptions o = switch (command) {
                case "mkdir" -> GnuOptions.parse(args, "pm:", Map.of("parents", 'p', "mode", 'm'));
                case "install" -> GnuOptions.parse(args, "dm:o:g:",
                        Map.of("directory", 'd', "mode", 'm', "owner", 'o', "group", 'g'));
                default -> GnuOptions.parse(args, "R", Map.of("recursive", 'R'));
            };
            if (o == null) throw refused(line, command + " with an option it is not recognised with");
            return switch (command) {
                case "mkdir" -> {
                    Mode mode = o.has('m') ? mode(line, o.last('m')) : null;
                    yield new MakeDirectories(o.has('p'), mode, operands(line, o.operands(), 1));
                }
                case "chown" -> {
                    List<String> operands = operands(line, o.operands(), 2);
                    String owner = operands.getFirst();
                    if (!owner.isEmpty() && !owner.equals(":")) {
                        int colon = owner.indexOf(':');
                        checkName(line, colon < 0 ? owner : owner.substring(0, colon), colon >= 0);
                        if (colon >= 0) checkName(line, owner.substring(colon + 1), true);
                    }
                    yield new ChangeOwner(o.has('R'), owner, operands.subList(1, operands.size()));
                }
                case "chmod" -> {
                    List<String> operands = operands(line, o.operands(), 2);
                    yield new ChangeMode(o.has('R'), mode(line, operands.getFirst()), operands.subList(1, operands.size()));
                }
                default -> {
                    if (!o.has('d')) throw refused(line, "install without -d");
                    String user = o.last('o'), group = o.last('g');
                    if (user != null) checkNumberOrName(line, user);
                    if (group != null) checkNumberOrName(line, group);
                    Mode mode = o.has('m') ? mode(line, o.last('m')) : null;
                    yield new InstallDirectories(mode, user, group, operands(line, o.operands(), 1));
                }
            };
        }

        /** The last line: exec [chpst … | setuidgid U] svlogd ARGS. */
        private Plan execLine(Line line) throws NotRecognised {
            List<Token> t = line.tokens();
            if (!word(t.getFirst(), "exec") || t.size() < 2 || !(t.get(1) instanceof Word)) {
                throw refused(line, "the last command is not exec svlogd");
            }
            List<String> w = words(line, t.subList(1, t.size()));
            AccountRequest account = null, envAccount = null;
            int program = 0;
            String first = w.getFirst();
            if (tool(first, "chpst")) {
                RunitOptions.Parsed p = CHPST_ACCEPTED.wellFormed(w.subList(1, w.size()).toArray(String[]::new));
                if (p == null) throw refused(line, "chpst with an option other than -u, -U, -P");
                for (RunitOptions.Occurrence o : p.occurrences()) {
                    if (o.option() == 'u') account = new AccountRequest(accountName(line, o.argument()), true);
                    if (o.option() == 'U') envAccount = new AccountRequest(accountName(line, o.argument()), true);
                }
                program = w.size() - p.operands().size();
            } else if (tool(first, "setuidgid")) {
                if (w.size() < 3 || w.get(1).startsWith("-")) throw refused(line, "setuidgid without an account and a program");
                account = new AccountRequest(accountName(line, w.get(1)), false);
                program = 2;
            }
            if (program >= w.size()) throw refused(line, "no program after " + first);
            String word = w.get(program);
            if (!tool(word, "svlogd")) {
                boolean named = name(word).equals("svlogd") || (program == 0 && Set.of("chpst", "setuidgid").contains(name(word)));
                throw refused(line, named ? word + " is not jrunit's (" + lookup.find(word) + ")"
                        : "the program is " + word + ", not svlogd");
            }
            return new Plan(steps, errexitFrom, stderrToStdoutFrom, account, envAccount,
                    w.subList(program + 1, w.size()));
        }

        /** The word runs jrunit's {@code tool} under that name (the name picks chpst's personality). */
        private boolean tool(String word, String tool) {
            return name(word).equals(tool) && lookup.isJrunit(word, tool);
        }

        private static String name(String word) {
            return word.substring(word.lastIndexOf('/') + 1);
        }

        private static Mode mode(Line line, String text) throws NotRecognised {
            Mode m = Mode.parse(text);
            if (m == null) throw refused(line, "the mode " + text + " (only octal modes)");
            return m;
        }

        private static List<String> operands(Line line, List<String> operands, int atLeast) throws NotRecognised {
            if (operands.size() < atLeast) throw refused(line, "a missing operand");
            return operands;
        }

        /** A user or group name part of chown's OWNER: empty (absent) or a plain name or number. */
        private static void checkName(Line line, String name, boolean mayBeEmpty) throws NotRecognised {
            if (name.isEmpty() ? !mayBeEmpty : !NAME.matcher(name).matches()) throw refused(line, "the owner " + name);
        }

        /** install's -o/-g: a name, or a decimal number without leading zeros (install reads it in base 0). */
        private static void checkNumberOrName(Line line, String name) throws NotRecognised {
            if (!NAME.matcher(name).matches() || name.startsWith("+") || (name.length() > 1 && name.startsWith("0"))) {
                throw refused(line, "the owner " + name);
            }
        }

        /** chpst's and setuidgid's account: ASCII (a byte string as chpst reads it), no option. */
        private static String accountName(Line line, String name) throws NotRecognised {
            for (int i = 0; i < name.length(); i++) {
                if (name.charAt(i) <= ' ' || name.charAt(i) >= 0x7f) throw refused(line, "the account " + name);
            }
            return name;
        }
    }

    private static boolean word(Token t, String text) {
        return t instanceof Word(String w) && w.equals(text);
    }

    private static String text(Token t) {
        return switch (t) {
            case Word(String w) -> w;
            case Or() -> "||";
            case StderrToStdout() -> "2>&1";
        };
    }

    private static List<String> words(Line line, List<Token> tokens) throws NotRecognised {
        List<String> w = new ArrayList<>();
        for (Token t : tokens) {
            if (!(t instanceof Word(String text))) throw refused(line, text(t) + " where only words may stand");
            w.add(text);
        }
        return w;
    }

    private static String stripBlanks(String s) {
        int from = 0, to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) from++;
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) to--;
        return s.substring(from, to);
    }

    private static int indexOfBlank(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == ' ' || s.charAt(i) == '\t') return i;
        return -1;
    }

    private static NotRecognised refused(Line line, String why) {
        return new NotRecognised("line " + line.number() + ": " + why);
    }
}
