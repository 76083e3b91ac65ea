package jrunit.runsv;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A coreutils command line as getopt_long reads it, restricted to what a log script's preparation is
 * recognised with: the given short options (clustered, argument attached or separate), their long
 * names ({@code --mode=750}, {@code --mode 750}; no abbreviations), {@code --}, options before the
 * operands. Anything else gives null: the script then runs in a real shell, whose command says what
 * it makes of it (getopt would also take options after operands, unless POSIXLY_CORRECT is set).
 */
record GnuOptions(List<Character> options, List<String> arguments, List<String> operands) {
    /**
     * @param spec  the short options, each followed by ':' if it takes an argument
     * @param names the long names of the short options
     */
    static GnuOptions parse(List<String> args, String spec, Map<String, Character> names) {
        List<Character> options = new ArrayList<>();
        List<String> arguments = new ArrayList<>();
        int i = 0;
        boolean ended = false; // by "--": what follows are operands whatever they look like
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                i++;
                ended = true;
                break;
            }
            if (!a.startsWith("-") || a.equals("-")) break;
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                Character c = names.get(eq < 0 ? a.substring(2) : a.substring(2, eq));
                if (c == null) return null;
                boolean takesArgument = takesArgument(spec, c);
                if (!takesArgument && eq >= 0) return null;
                String argument = null;
                if (eq >= 0) argument = a.substring(eq + 1);
                else if (takesArgument && ++i < args.size()) argument = args.get(i);
                else if (takesArgument) return null;
                options.add(c);
                arguments.add(argument);
                continue;
            }
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                if (spec.indexOf(c) < 0 || c == ':') return null;
                options.add(c);
                if (!takesArgument(spec, c)) {
                    arguments.add(null);
                    continue;
                }
                if (j + 1 < a.length()) arguments.add(a.substring(j + 1));
                else if (++i < args.size()) arguments.add(args.get(i));
                else return null;
                break;
            }
        }
        List<String> operands = List.copyOf(args.subList(i, args.size()));
        if (!ended) {
            for (String o : operands) if (o.startsWith("-") && !o.equals("-")) return null; // getopt would permute it
        }
        return new GnuOptions(List.copyOf(options), Collections.unmodifiableList(arguments), operands);
    }

    boolean has(char option) {
        return options.contains(option);
    }

    /** The argument of the option's last occurrence (the one that counts), or null. */
    String last(char option) {
        return has(option) ? arguments.get(options.lastIndexOf(option)) : null;
    }

    private static boolean takesArgument(String spec, char c) {
        int at = spec.indexOf(c);
        return at >= 0 && at + 1 < spec.length() && spec.charAt(at + 1) == ':';
    }
}
