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
 * <p>Declared with runit's own getopt string (e.g. {@code "u:U:b:e:vP012V"}). A well-formed command
 * line is read by getopt's own walk, in plain Java; picocli (its programmatic API, no annotation
 * scanning) is loaded only for a bad one, which it reports: loading it costs a short-lived tool
 * ~50–90 ms of CPU even from an AOT cache. A test holds the two to the same answers. Errors carry
 * runit's exact wording: {@code illegal option -- x}, {@code option requires an argument -- w}.
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
        Parsed p = wellFormed(args);
        return p != null ? p : WithPicocli.parse(this, args);
    }

    /**
     * getopt's walk over a command line without a bad option: the options in order and the operands;
     * {@code null} at an unknown letter or a missing argument. Unlike picocli it takes {@code --} as
     * an option's argument ({@code sv -w -- status}), as getopt does. Public for a caller that only
     * needs to know whether a line is good (runsv reading a log script's chpst line), without
     * loading picocli for a bad one.
     */
    public Parsed wellFormed(String[] args) {
        List<Occurrence> found = new ArrayList<>();
        int i = walk(args, found);
        if (i < 0) return null;
        Map<Character, List<String>> values = new HashMap<>();
        Map<Character, Integer> counts = new HashMap<>();
        for (Occurrence o : found) {
            counts.merge(o.option(), 1, Integer::sum);
            if (o.argument() != null) values.computeIfAbsent(o.option(), k -> new ArrayList<>()).add(o.argument());
        }
        values.replaceAll((k, v) -> List.copyOf(v));
        return new Parsed(values, counts, List.of(args).subList(i, args.length), List.copyOf(found));
    }

    /** For the test that holds the two parsers to the same answers. */
    Parsed parseWithPicocli(String... args) throws UsageException {
        return WithPicocli.parse(this, args);
    }

    /** picocli's parse, in a class of its own so that picocli is not even loaded for a good command line. */
    private static final class WithPicocli {
        /** A fresh spec per parse: picocli keeps matched values in it. */
        private static CommandSpec spec(Map<Character, Boolean> letters) {
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

        static Parsed parse(RunitOptions options, String[] args) throws UsageException {
            ParseResult r;
            try {
                r = new CommandLine(spec(options.letters)).parseArgs(args);
            } catch (CommandLine.MissingParameterException e) {
                throw new UsageException("option requires an argument -- " + letter(options.letters, e.getMessage(), args),
                        options.occurrences(args));
            } catch (CommandLine.ParameterException e) {
                throw new UsageException("illegal option -- " + letter(options.letters, e.getMessage(), args),
                        options.occurrences(args));
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
            return new Parsed(values, counts, operands, options.occurrences(args));
        }

        /** The offending option letter, from picocli's message ("Unknown option: '-x'…", "…option '-w'…"). */
        private static String letter(Map<Character, Boolean> letters, String message, String[] args) {
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

    /** The options in order, walked as getopt does, up to the first bad one if there is one. */
    private List<Occurrence> occurrences(String[] args) {
        List<Occurrence> found = new ArrayList<>();
        walk(args, found);
        return List.copyOf(found);
    }

    /**
     * getopt's walk: adds each option to {@code found} in order; returns the index of the first
     * operand, or -1 if a bad option (unknown, or its argument missing) ended the walk.
     */
    private int walk(String[] args, List<Occurrence> found) {
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) return i + 1;
            if (!a.startsWith("-") || a.equals("-")) break;
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                Boolean takesArgument = letters.get(c);
                if (takesArgument == null) return -1;
                if (!takesArgument) {
                    found.add(new Occurrence(c, null));
                    continue;
                }
                if (j + 1 < a.length()) found.add(new Occurrence(c, a.substring(j + 1)));
                else if (i + 1 < args.length) found.add(new Occurrence(c, args[++i]));
                else return -1;
                break;
            }
        }
        return i;
    }
}
