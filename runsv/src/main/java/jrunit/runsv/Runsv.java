package jrunit.runsv;

/** runsv: not built yet (its issue is open). Fails loudly rather than pretending. */
public final class Runsv {
    private Runsv() {}

    public static void main(String[] args) {
        System.err.println("runsv: fatal: not implemented yet");
        System.exit(111);
    }
}
