package jrunit.runsv;

import java.util.List;

/**
 * One line of a log script's directory preparation, as {@link LogRunScript} read it; {@link Preparation}
 * carries it out as the coreutils command would. Paths are the script's words: relative ones are
 * relative to the log directory, where the script runs.
 */
public sealed interface PreparationStep {
    /** {@code mkdir [-p] [-m MODE] DIR…}; {@code mode} null without -m. */
    record MakeDirectories(boolean parents, Mode mode, List<String> dirs) implements PreparationStep {}

    /** {@code chown [-R] OWNER PATH…}, OWNER as chown reads it: {@code user}, {@code user:group}, {@code user:}, {@code :group}. */
    record ChangeOwner(boolean recursive, String owner, List<String> paths) implements PreparationStep {}

    /** {@code chmod [-R] MODE PATH…}. */
    record ChangeMode(boolean recursive, Mode mode, List<String> paths) implements PreparationStep {}

    /** {@code install -d [-m MODE] [-o USER] [-g GROUP] DIR…}; null for what is not given. */
    record InstallDirectories(Mode mode, String user, String group, List<String> dirs) implements PreparationStep {}

    /** {@code [ -d DIR ] || STEP} or {@code test -d DIR || STEP}: the step runs unless DIR is a directory. */
    record UnlessDirectory(String dir, PreparationStep otherwise) implements PreparationStep {}

    /**
     * A numeric mode as chmod, mkdir -m and install -m read it (gnulib's mode_compile): the bits, and the
     * bits it "mentions": with fewer than five digits a directory keeps its set-user-ID and
     * set-group-ID bits unless the mode sets them ({@code chmod 750} on a 2750 directory leaves 2750).
     */
    record Mode(int bits, int mentioned) {
        /** The mode written in octal, or null if it is not (symbolic modes are left to the real tools). */
        static Mode parse(String text) {
            if (text.isEmpty()) return null;
            int bits = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '7') return null;
                bits = bits * 8 + (c - '0');
                if (bits > 07777) return null;
            }
            int mentioned = text.length() < 5 ? (bits & 06000) | 01777 : 07777;
            return new Mode(bits, mentioned);
        }

        /** The bits a directory keeps whatever this mode says (mode_adjust's "omit_change"). */
        private int kept(boolean directory) {
            return directory ? 06000 & ~mentioned : 0;
        }

        /** The mode a file of mode {@code old} gets (chmod). */
        int applyTo(int old, boolean directory) {
            int kept = kept(directory);
            return (old & kept) | (bits & ~kept);
        }

        /** The bits this mode decides for a directory (gnulib's mode_bits for mkdir -m and install -m). */
        int decidedForDirectory() {
            return 07777 & ~kept(true);
        }
    }
}
