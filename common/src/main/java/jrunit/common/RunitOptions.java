package jrunit.common;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command lines as runit's tools read them (djb getopt): single-letter options before the operands,
 * clustering ({@code -vw5}, {@code -P012}), attached or separate arguments, an option argument may
 * itself start with '-' ({@code -n -2}), {@code --} ends the options, a lone {@code -} is an operand.
 *
 * <p>Declared with runit's own getopt string (e.g. {@code "u:U:b:e:vP012V"}) and parsed by picocli's
 * programmatic API (no annotation scanning, which costs start time). Errors carry runit's exact
 * wording: {@code illegal option -- x}, {@code option requires an argument -- w}.
 */
public final class RunitOptions {
    /** Option letter → takes an argument. */
    private final Map<Character, Boolean> letters = new LinkedHashMap<>();

    /** @param getopt runit's option string: each letter, followed by ':' if it takes an argument */
    public RunitOptions(String getopt) {
        for (int i = 0; i < getopt.length(); i++) {
            char c = getopt.charAt(i);
            boolean arg = i + 1 < getopt.length() && getopt.charAt(i + 1) == ':';
            if (arg) i++;
            letters.put(c, arg);
        }
    }

    /** A fresh spec per parse: picocli keeps matched values in it. */
    private CommandSpec spec() {
        CommandSpec spec = CommandSpec.create();
        letters.forEach((c, arg) -> spec.addOption(OptionSpec.builder("-" + c)
                .arity(arg ? "1" : "0")
                .type(arg ? String[].class : boolean[].class)
                .build()));
        spec.addPositional(PositionalParamSpec.builder().arity("0..*").type(String[].class).build());
        spec.parser()
                .stopAtPositional(true)
                .allowOptionsAsOptionParameters(true)
                .posixClusteredShortOptionsAllowed(true)
                .overwrittenOptionsAllowed(true)
                .unmatchedOptionsArePositionalParams(false)
                .endOfOptionsDelimiter("--");
        return spec;
    }

    /** A bad command line, with runit's message text (without the program-name prefix). */
    public static final class UsageException extends Exception {
        private final List<Occurrence> before;

        public UsageException(String message) {
            this(message, List.of());
        }

        UsageException(String message, List<Occurrence> before) {
            super(message);
            this.before = before;
        }

        /**
         * The options read before the bad one, in order: getopt hands those to the program first,
         * and a tool may already exit on one of them (chpst's {@code -V}, a bad {@code -n}).
         */
        public List<Occurrence> before() {
            return before;
        }
    }

    /** One option as it appeared on the command line: its letter and its argument ({@code null} for a flag). */
    public record Occurrence(char option, String argument) {}

    /** The parsed command line. */
    public static final class Parsed {
        private final Map<Character, List<String>> values;
        private final Map<Character, Integer> counts;
        private final List<String> operands;
        private final List<Occurrence> occurrences;

        private Parsed(Map<Character, List<String>> values, Map<Character, Integer> counts, List<String> operands,
                       List<Occurrence> occurrences) {
            this.values = values;
            this.counts = counts;
            this.operands = operands;
            this.occurrences = occurrences;
        }

        /**
         * Every option in command-line order, for tools where the order between different letters
         * matters (chpst: {@code -m} and {@code -d} both set the data limit; the later one wins).
         */
        public List<Occurrence> occurrences() {
            return occurrences;
        }

        public boolean has(char option) {
            return counts.getOrDefault(option, 0) > 0;
        }

        /** How often a flag or option was given ({@code -ttt} counts 3). */
        public int count(char option) {
            return counts.getOrDefault(option, 0);
        }

        /** The argument of the last occurrence (later ones override earlier ones), or {@code null}. */
        public String last(char option) {
            List<String> v = values.get(option);
            return v == null || v.isEmpty() ? null : v.getLast();
        }

        public List<String> all(char option) {
            return values.getOrDefault(option, List.of());
        }

        /** What follows the options: the command, program, directories… */
        public List<String> operands() {
            return operands;
        }
    }

    public Parsed parse(String... args) throws UsageException {
        ParseResult r;
        try {
            r = new CommandLine(spec()).parseArgs(args);
        } catch (CommandLine.MissingParameterException e) {
            throw new UsageException("option requires an argument -- " + letter(e.getMessage(), args), occurrences(args));
        } catch (CommandLine.ParameterException e) {
            throw new UsageException("illegal option -- " + letter(e.getMessage(), args), occurrences(args));
        }
        Map<Character, List<String>> values = new HashMap<>();
        Map<Character, Integer> counts = new HashMap<>();
        for (OptionSpec o : r.matchedOptions()) {
            char c = o.shortestName().charAt(1);
            Object v = o.getValue();
            if (v instanceof boolean[] flags) {
                counts.put(c, flags.length);
            } else if (v instanceof String[] strs) {
                values.put(c, List.of(strs));
                counts.put(c, strs.length);
            }
        }
        List<String> operands = new ArrayList<>();
        if (r.hasMatchedPositional(0)) operands.addAll(List.of((String[]) r.matchedPositional(0).getValue()));
        return new Parsed(values, counts, operands, occurrences(args));
    }

    /** The options in order, walked as getopt does, up to the first bad one if there is one. */
    private List<Occurrence> occurrences(String[] args) {
        List<Occurrence> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--") || !a.startsWith("-") || a.equals("-")) break;
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                Boolean takesArgument = letters.get(c);
                if (takesArgument == null) return List.copyOf(out);
                if (takesArgument) {
                    if (j + 1 == a.length() && i + 1 == args.length) return List.copyOf(out);
                    out.add(new Occurrence(c, j + 1 < a.length() ? a.substring(j + 1) : args[++i]));
                    break;
                }
                out.add(new Occurrence(c, null));
            }
        }
        return List.copyOf(out);
    }

    /** The offending option letter, from picocli's message ("Unknown option: '-x'…", "…option '-w'…"). */
    private String letter(String message, String[] args) {
        int q = message.indexOf("'-");
        if (q >= 0 && q + 2 < message.length()) {
            // "Unknown option: '-x' (while processing option: '-vx')": the first quoted name is the culprit
            char c = message.charAt(q + 2);
            if (c != '-') return String.valueOf(c);
        }
        // fall back to scanning as getopt does
        for (String a : args) {
            if (!a.startsWith("-") || a.equals("-")) break;
            if (a.equals("--")) break;
            for (int i = 1; i < a.length(); i++) {
                Boolean arg = letters.get(a.charAt(i));
                if (arg == null) return String.valueOf(a.charAt(i));
                if (arg) break;
            }
        }
        return "?";
    }
}
