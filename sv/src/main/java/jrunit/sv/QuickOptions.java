package jrunit.sv;

import java.util.List;

/**
 * sv's well-formed option lines ({@code -v}, {@code -w SEC}, {@code -wSEC}, {@code -vw SEC},
 * {@code --}) read without loading picocli, which costs ~90 ms of CPU per run even from an AOT
 * cache. It gives exactly what common's RunitOptions gives for these (a test compares the two on
 * many command lines) and declines everything else — {@code -V}, unknown letters, a missing
 * argument — which RunitOptions then parses, with runit's error messages.
 *
 * @param verbose  -v or -w seen
 * @param waits    the -w arguments in order (the last wins)
 * @param operands what follows the options
 */
record QuickOptions(boolean verbose, List<String> waits, List<String> operands) {

    /** The parse of {@code args} against "w:vV", or {@code null} to let RunitOptions decide. */
    static QuickOptions parse(List<String> args) {
        boolean verbose = false;
        List<String> waits = new java.util.ArrayList<>();
        int i = 0;
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.equals("-")) break;
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                if (c == 'v') {
                    verbose = true;
                } else if (c == 'w') {
                    verbose = true;
                    if (j + 1 < a.length()) {
                        waits.add(a.substring(j + 1));
                    } else if (i + 1 < args.size()) {
                        waits.add(args.get(++i));
                    } else {
                        return null; // missing argument: RunitOptions words the error
                    }
                    break;
                } else {
                    return null; // -V, or an illegal option
                }
            }
        }
        return new QuickOptions(verbose, List.copyOf(waits), List.copyOf(args.subList(i, args.size())));
    }
}
