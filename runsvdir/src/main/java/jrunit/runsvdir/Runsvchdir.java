package jrunit.runsvdir;

/** runsvchdir: not built yet (its issue is open). Fails loudly rather than pretending. */
public final class Runsvchdir {
    private Runsvchdir() {}

    public static void main(String[] args) {
        System.err.println("runsvchdir: fatal: not implemented yet");
        System.exit(111);
    }
}
