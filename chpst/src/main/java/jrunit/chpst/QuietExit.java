package jrunit.chpst;

/** setlock -x: the lock is busy or the program cannot be run, so exit 0 without a word. */
final class QuietExit extends Exception {
    QuietExit() {
        super(null, null, false, false);
    }
}
