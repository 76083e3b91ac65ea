package jrunit.svlogd;

/** svlogd: not built yet (its issue is open). Fails loudly rather than pretending. */
public final class Svlogd {
    private Svlogd() {}

    public static void main(String[] args) {
        System.err.println("svlogd: fatal: not implemented yet");
        System.exit(111);
    }
}
