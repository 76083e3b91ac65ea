package jrunit.common;

/**
 * The name a tool was invoked by. The launcher passes its own {@code $0} as the system property
 * {@code jrunit.argv0} (a property, not an environment variable, so nothing leaks into children);
 * {@code chpst} personalities and {@code sv}'s init-script mode depend on it.
 */
public final class ProgramName {
    private ProgramName() {}

    /** argv[0] as the launcher saw it (a path when run through PATH), or {@code fallback}. */
    public static String argv0(String fallback) {
        String p = System.getProperty("jrunit.argv0");
        return p == null || p.isEmpty() ? fallback : p;
    }

    /** The part of argv[0] after the last '/'. */
    public static String basename(String fallback) {
        String a = argv0(fallback);
        return a.substring(a.lastIndexOf('/') + 1);
    }
}
