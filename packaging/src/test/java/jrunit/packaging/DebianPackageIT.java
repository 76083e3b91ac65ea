package jrunit.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jrunit.common.Posix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .deb: lintian-clean, installs beside Debian's runit, works from its installed paths, purges to nothing. */
class DebianPackageIT {
    @TempDir Path tmp;
    private boolean installedHere;

    /** Java runtimes that satisfy our Depends (the real packages, and the virtual one). */
    private static final List<String> JAVA25 = List.of("openjdk-25-jre-headless", "temurin-25-jre", "temurin-25-jdk",
            "java25-runtime-headless");

    @Test
    void lintianReportsNoErrors() {
        LauncherIT.assumeProgram("lintian");
        Run r = Run.of("lintian", "--tag-display-limit", "0", Tree.deb().toString());
        List<String> errors = r.out().lines().filter(l -> l.startsWith("E: ")).toList();
        assertEquals(List.of(), errors, "lintian errors:\n" + r.out() + r.err());
        assertTrue(r.exit() == 0 || r.exit() == 1, "lintian ran: " + r.err());
        assertFalse(r.err().contains("error"), r.err());
    }

    @Test
    void controlDeclaresAJava25RuntimeAndNoConflictWithRunit() {
        assumeTrue(Run.onPath("dpkg-deb"), "needs dpkg-deb");
        String depends = Run.of("dpkg-deb", "-f", Tree.deb().toString(), "Depends").ok("dpkg-deb -f").out().trim();
        assertEquals(String.join(" | ", JAVA25), depends);
        String fields = Run.of("dpkg-deb", "-f", Tree.deb().toString()).ok("fields").out();
        assertFalse(fields.contains("Conflicts:") || fields.contains("Replaces:") || fields.contains("Breaks:"), fields);
        // nothing in the package where runit (or anybody) has a file of the same name
        List<String> query = new java.util.ArrayList<>(List.of("dpkg-query", "-S"));
        query.addAll(packageFiles());
        assertTrue(query.size() > 40, "the package's files: " + query);
        Run owners = Run.of(null, null, query);
        assertEquals("", owners.out(), "files that already belong to installed packages");
    }

    private static List<String> packageFiles() {
        return Run.of("dpkg-deb", "--fsys-tarfile", Tree.deb().toString()).exit() == 0
                ? Run.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -tf - | grep -v '/$' | sed 's|^\\.||'", "-",
                        Tree.deb().toString()).ok("list").out().lines().toList()
                : List.of();
    }

    private static boolean installed(String pkg) {
        return Run.of("dpkg-query", "-W", "-f=${Status}", pkg).out().contains("install ok installed");
    }

    /** True if an installed package is, or provides, a Java 25 runtime our Depends names. */
    private static boolean java25Known() {
        String all = Run.of("dpkg-query", "-W", "-f=${Package} ${Status} ${Provides}\\n").out();
        return all.lines().filter(l -> l.contains("install ok installed"))
                .anyMatch(l -> JAVA25.stream().anyMatch(j -> List.of(l.split("[ ,]+")).contains(j)));
    }

    @Test
    void installRunRemove() throws Exception {
        assumeTrue(Run.onPath("dpkg"), "needs dpkg (a Debian system)");
        assumeTrue(Posix.geteuid() == 0, "needs root: dpkg -i");
        assumeTrue(!installed("jrunit"), "jrunit is already installed on this machine: not touching it");
        String runitSv = Tree.runitSv();

        // A JDK unpacked by hand (Temurin in /usr/lib/jvm on our machines) is invisible to dpkg: then, and
        // only then, --force-depends (see packaging/README.md); the test removes the package again.
        List<String> install = java25Known() ? List.of("dpkg", "-i", Tree.deb().toString())
                : List.of("dpkg", "-i", "--force-depends", Tree.deb().toString());
        installedHere = true;
        Run.of(null, null, install).ok("dpkg -i");
        assertTrue(installed("jrunit"), "installed");

        // runit untouched: /usr/bin/sv is still runit's
        if (runitSv != null) {
            assertEquals(runitSv, Tree.runitSv(), "runit's /usr/bin/sv unchanged");
            assertTrue(Run.of("dpkg-query", "-S", "/usr/bin/sv").out().startsWith("runit:"));
        }

        // the unit is valid as installed (its ExecStart exists, its man: documentation resolves)
        if (Run.onPath("systemd-analyze")) {
            Run verify = Run.of("systemd-analyze", "verify", "/lib/systemd/system/jrunit.service");
            assertEquals("", verify.out() + verify.err(), "systemd-analyze verify");
            assertEquals(0, verify.exit());
        }

        Path bin = Path.of("/usr/lib/jrunit/bin");
        try (Scenario s = new Scenario(bin, tmp)) {
            s.run(Path.of("/usr/share/bash-completion/completions/jrunit"), "_jrunit_jrunit", List.of("jrunit", "sv", "status"));
        }
        try (Scenario s = new Scenario(bin, tmp.resolve("again"))) {
            s.run(bin.resolve("../share/bash-completion/completions/sv").normalize(), "_jrunit_direct", List.of("sv", "status"));
        }
        // the jrunit command on PATH reaches the same tools
        Run viaPath = Run.of(Map.of("PATH", "/usr/bin:/bin"), tmp, "jrunit", "bindir").ok("jrunit bindir");
        assertEquals(bin + "\n", viaPath.out());
        Run man1 = Run.of(Map.of("PATH", "/usr/bin:/bin", "MANWIDTH", "80"), tmp, "man", "-P", "cat", "jrunit").ok("man jrunit");
        assertTrue(man1.out().contains("jrunit - run one of jrunit"), man1.out());

        List<String> files = packageFiles();
        Run.of("dpkg", "--purge", "jrunit").ok("dpkg --purge");
        assertFalse(installed("jrunit"));
        for (String f : files) assertFalse(Files.exists(Path.of(f), java.nio.file.LinkOption.NOFOLLOW_LINKS), "left behind: " + f);
        assertFalse(Files.exists(Path.of("/usr/lib/jrunit")), "/usr/lib/jrunit left behind");
        if (runitSv != null) assertEquals(runitSv, Tree.runitSv(), "runit's /usr/bin/sv unchanged after removal");
    }

    /** If a failed test left the package installed, remove it: this machine is shared with other tests. */
    @AfterEach
    void removeIfLeftInstalled() {
        if (installedHere && installed("jrunit")) Run.of("dpkg", "--purge", "jrunit");
    }
}
