package jrunit.packaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The built artefacts (paths handed over by the POM) and what a test needs to look inside launchers. */
final class Tree {
    private Tree() {}

    static final List<String> TOOLS = List.of("runsv", "runsvdir", "runsvchdir", "sv", "chpst", "svlogd");
    static final List<String> PERSONALITIES = List.of("envdir", "envuidgid", "pgrphack", "setuidgid", "setlock", "softlimit");

    static Path built() { return Path.of(System.getProperty("jrunit.tree")); }
    static Path deb() { return Path.of(System.getProperty("jrunit.deb")); }
    static Path tarball() { return Path.of(System.getProperty("jrunit.tarball")); }
    static Path module() { return Path.of(System.getProperty("jrunit.module")); }
    static String javaHome() { return System.getProperty("java.home"); }

    /** Debian's runit's /usr/bin/sv as a digest of its bytes, or null if runit is not installed. */
    static String runitSv() throws IOException {
        Path sv = Path.of("/usr/bin/sv");
        if (!Files.isRegularFile(sv)) return null;
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(sv)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A copy of {@code tree} at {@code dest}, symlinks and times kept. */
    static Path copy(Path tree, Path dest) {
        Run.of("cp", "-a", tree.toString(), dest.toString()).ok("copy " + tree);
        return dest;
    }

    /**
     * A copy of launcher {@code bin/tool} written to {@code dest} that reports the JVM's AOT decisions on
     * stdout (-Xlog:aot=info instead of the launcher's silence) and finds its lib/ at the launcher's tree.
     */
    static Path verboseLauncher(Path bin, String tool, Path dest) throws IOException {
        Path launcher = bin.resolve(tool).toRealPath();
        Path lib = launcher.getParent().getParent().resolve("lib/jrunit");
        String text = Files.readString(launcher);
        String silent = "-Xlog:aot*=off,cds*=off";
        String libLine = "_jrunit_lib=${_jrunit_self%/*/*}/lib/jrunit";
        if (!text.contains(silent) || !text.contains(libLine)) throw new AssertionError("unexpected launcher text: " + launcher);
        Files.writeString(dest, text.replace(silent, "-Xlog:aot=info").replace(libLine, "_jrunit_lib='" + lib + "'"));
        dest.toFile().setExecutable(true);
        return dest;
    }
}
