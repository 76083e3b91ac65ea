package jrunit.chpst;

import java.util.ArrayList;
import java.util.List;

/**
 * Environment changes collected by {@code -e}/envdir and {@code -U}/envuidgid, applied only when the
 * program is executed, the way runit's pathexec_env does it: in order, each entry first removes the
 * first variable of the same name (the last variable moves into its place, so the order changes
 * exactly as with runit), then is appended unless it only removes. The name is what comes before
 * the first '=' of the entry (an envdir file name containing '=' behaves as in runit).
 */
final class PendingEnvironment {
    /** "NAME=value" to set, or "NAME" to remove; byte strings. */
    private final List<String> entries = new ArrayList<>();

    void set(String name, String value) {
        entries.add(name + "=" + value);
    }

    void remove(String name) {
        entries.add(name);
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The program's environment: {@code base} with the changes applied. */
    List<String> applyTo(List<String> base) {
        List<String> env = new ArrayList<>(base);
        for (String entry : entries) {
            int split = entry.indexOf('=');
            if (split < 0) split = entry.length();
            String name = entry.substring(0, split);
            for (int t = 0; t < env.size(); t++) {
                String e = env.get(t);
                if (e.length() > split && e.startsWith(name) && e.charAt(split) == '=') {
                    env.set(t, env.getLast());
                    env.removeLast();
                    break;
                }
            }
            if (split < entry.length()) env.add(entry);
        }
        return env;
    }
}
