package jrunit.chpst;

/** A bad command line: the complete text to print on stderr, exit 100. */
final class Usage extends Exception {
    final String text;

    Usage(String text) {
        super(text, null, false, false);
        this.text = text;
    }

    /** {@code usage: <progname> <synopsis>} and an empty line, as runit prints it. */
    static Usage of(String progname, String synopsis) {
        return new Usage("usage: " + progname + " " + synopsis + "\n\n");
    }

    /** A getopt error ({@code setlock: illegal option -- z}) followed by the usage. */
    Usage after(String getoptMessage) {
        return new Usage(getoptMessage + "\n" + text);
    }
}
